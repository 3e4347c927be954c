//! Input the API refuses: a secret in a field of the wrong type, in a malformed value, in an
//! unsupported grant, in a body that is not JSON, in an `Authorization` scheme Coffer does not
//! take. DESIGN.md "Rules that hold everywhere": no sensitive value in an error body or a log
//! line, so every one of these rests nowhere and is answered by no reply.

use axum::http::{HeaderValue, Method, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_testkit::tokens::form;
use serde_json::json;

use super::Scene;

pub async fn plant(s: &mut Scene<'_>) {
    let d = s.d;
    let owner = s.owner.token.clone();
    let token = Some(owner.as_str());
    let c = &mut s.c;
    let mut refused = Vec::new();

    // Wrong types and malformed values, where a parser's message could quote the value.
    let email = c.email("malformed_login_email");
    let bad_email = c.text("malformed_email");
    refused.push(
        d.call(
            "POST /v1/auth/register",
            &[],
            "",
            Some(json!({"email": bad_email, "password": c.text("malformed_register_pw")})),
            None,
        )
        .await,
    );
    refused.push(
        d.call("POST /v1/auth/login", &[], "", Some(json!({"email": email, "password": c.text("malformed_login_pw"), "client": c.text("malformed_client")})), None)
            .await,
    );
    refused.push(
        d.call(
            "POST /v1/tokens",
            &[],
            "",
            Some(json!({"ttl_seconds": c.text("malformed_ttl")})),
            token,
        )
        .await,
    );
    refused.push(
        d.call(
            "POST /v1/tokens/refresh",
            &[],
            "",
            Some(json!({"refresh_token": c.text("malformed_refresh"), "extra": 1})),
            None,
        )
        .await,
    );
    refused.push(
        d.call("POST /v1/encrypt", &[], "", Some(json!({"key": c.text("malformed_key_id"), "plaintext": c.text("malformed_plaintext")})), token)
            .await,
    );
    refused.push(
        d.call("POST /v1/decrypt", &[], "", Some(json!({"key": c.text("malformed_decrypt_key"), "ciphertext": c.text("malformed_ciphertext")})), token)
            .await,
    );
    refused.push(
        d.call(
            "POST /v1/pii/detect",
            &[],
            "",
            Some(json!({"text": 7, "record": c.text("malformed_record")})),
            token,
        )
        .await,
    );
    refused.push(
        d.call("POST /v1/anonymize", &[], "", Some(json!({"text": c.email("malformed_anonymize"), "operators": {"EMAIL": {"type": c.text("malformed_operator")}}})), token)
            .await,
    );
    refused.push(
        d.call("POST /v1/deanonymize", &[], "", Some(json!({"org_id": c.text("malformed_org_id"), "text": c.email("malformed_deanonymize")})), token)
            .await,
    );
    refused.push(
        d.call(
            "POST /v1/orgs/{org}/members",
            &[&s.org],
            "",
            Some(json!({"email": c.text("malformed_member_email"), "role": "member"})),
            token,
        )
        .await,
    );

    // A syntax error just after a secret.
    let broken = format!(
        "{{\"email\": \"{}\", \"password\": \"{}\"",
        c.email("broken_json_email"),
        c.text("broken_json_pw")
    );
    refused.push(
        d.raw("POST /v1/auth/login", &[], "application/json", broken, None)
            .await,
    );

    // A grant Coffer does not offer (RFC 6749's password grant), with a password in it.
    refused.push(
        d.raw(
            "POST /v1/oauth/token",
            &[],
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "password"),
                ("username", &c.email("ropc_username")),
                ("password", &c.text("ropc_password")),
            ]),
            None,
        )
        .await,
    );

    // Basic credentials, which Coffer does not take.
    let basic = STANDARD.encode(format!(
        "{}:{}",
        c.text("basic_user"),
        c.text("basic_password")
    ));
    let mut request = coffer_testkit::json_request(Method::GET, "/v1/auth/me", None, None);
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Basic {basic}")).unwrap(),
    );
    refused.push(d.send("GET /v1/auth/me", request).await);

    for reply in &refused {
        assert!(
            reply.status.is_client_error(),
            "{}: {}",
            reply.status,
            reply.body
        );
    }
    for field in [
        "malformed_register_pw",
        "malformed_login_pw",
        "broken_json_pw",
        "ropc_password",
        "basic_password",
    ] {
        c.never_echoed(field);
    }
}
