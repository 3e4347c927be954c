//! Vaults and the tier's limit.

use serde_json::json;

#[tokio::test]
async fn a_free_org_holds_five_vaults_and_a_deleted_one_frees_its_place() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let admin = Some(w.admin.token.as_str());
    let vaults = format!("/v1/orgs/{}/vaults", w.id);
    let mut ids = Vec::new();
    for i in 0..5 {
        let made = app
            .post(&vaults, json!({"name": format!("v{i}")}), admin)
            .await;
        assert_eq!(made.code(), 201, "{}", made.body);
        ids.push(made.text("/id"));
    }
    let sixth = app.post(&vaults, json!({"name": "v5"}), admin).await;
    assert_eq!(sixth.code(), 403);
    assert_eq!(sixth.body["type"], "/problems/tier-limit");
    assert_eq!(
        sixth.header("content-type"),
        Some("application/problem+json")
    );

    let got = app
        .get(&format!("{vaults}/{}", ids[0]), Some(&w.member.token))
        .await;
    assert_eq!(got.body["name"], "v0");
    let dup_name = app.post(&vaults, json!({"name": "V1"}), admin).await;
    assert_eq!(dup_name.code(), 403, "the limit is checked first");

    assert_eq!(
        app.delete(&format!("{vaults}/{}", ids[0]), admin)
            .await
            .code(),
        204
    );
    let dup_name = app.post(&vaults, json!({"name": "V1"}), admin).await;
    assert_eq!(dup_name.code(), 409, "{}", dup_name.body);
    let again = app.post(&vaults, json!({"name": "v0"}), admin).await;
    assert_eq!(again.code(), 201, "{}", again.body);
    let listed = app.get(&vaults, Some(&w.member.token)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn an_enterprise_org_has_no_vault_limit() {
    let app = crate::spawn();
    let owner = app.sign_up().await;
    let org = app.create_org(&owner, "enterprise").await;
    for i in 0..8 {
        let made = app
            .post(
                &format!("/v1/orgs/{org}/vaults"),
                json!({"name": format!("v{i}")}),
                Some(&owner.token),
            )
            .await;
        assert_eq!(made.code(), 201, "{}", made.body);
    }
}
