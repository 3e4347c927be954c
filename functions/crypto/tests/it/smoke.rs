use serde_json::json;

#[tokio::test]
async fn a_member_encrypts_and_decrypts_with_a_key_an_admin_made_and_rotated() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let made = app
        .post(
            "/v1/keys",
            json!({"org_id": w.id, "name": "payments"}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(made.code(), 201, "{}", made.body);
    let key = made.text("/id");
    let sealed = app
        .post(
            "/v1/encrypt",
            json!({"key": key, "plaintext": "aGVsbG8=", "context": "eA=="}),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(sealed.code(), 200, "{}", sealed.body);
    let ciphertext = sealed.text("/ciphertext");
    assert!(ciphertext.starts_with("coffer:v1:"), "{ciphertext}");
    let rotated = app
        .post(
            &format!("/v1/keys/{key}/rotate"),
            json!({}),
            Some(&w.admin.token),
        )
        .await;
    assert_eq!(rotated.code(), 200, "{}", rotated.body);
    let opened = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "ciphertext": ciphertext, "context": "eA=="}),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(opened.code(), 200, "{}", opened.body);
    assert_eq!(opened.text("/plaintext"), "aGVsbG8=");
    let wrong = app
        .post(
            "/v1/decrypt",
            json!({"key": key, "ciphertext": ciphertext}),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(wrong.code(), 400, "{}", wrong.body);
    let rewrapped = app
        .post(
            "/v1/rewrap",
            json!({"key": key, "batch": [{"ciphertext": ciphertext, "context": "eA=="}, {"ciphertext": "nope"}]}),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(rewrapped.code(), 200, "{}", rewrapped.body);
    assert!(
        rewrapped
            .text("/batch_results/0/ciphertext")
            .starts_with("coffer:v2:")
    );
    assert_eq!(rewrapped.body["batch_results"][1]["error"]["status"], 400);
}
