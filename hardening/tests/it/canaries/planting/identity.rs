//! `auth`: register, login (failed, CLI, web), profile, sessions, password change, email
//! verification, password reset, logout.

use axum::http::{HeaderValue, Method, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::auth::outbox::MessageKind;
use serde_json::json;

use super::{Person, credentials, mailed, profile};
use crate::canaries::driver::{Driver, ok};
use crate::canaries::values::{Canaries, Place};

/// The org's owner, through every identity route. Passwords sit nowhere (DESIGN "Keys and
/// encryption": only an Argon2id hash is kept; docs/keys.md "user credential"); session and
/// one-time tokens only as SHA-256 digests (DESIGN, same section); the address and name in the
/// profile (docs/keys.md "user profile") and the mail folder.
pub async fn owner(d: &Driver, c: &mut Canaries) -> Person {
    let email = c.email("owner_email");
    let passwords: Vec<String> = [
        "owner_pw_weak",
        "owner_pw",
        "owner_pw_taken",
        "owner_pw_wrong",
        "owner_pw_changed",
        "owner_pw_reset",
    ]
    .iter()
    .map(|field| {
        let value = c.text(field);
        c.never_echoed(field);
        value
    })
    .collect();
    let name = c.text("owner_name");

    // A refused registration: the weak password must not come back in the problem.
    let weak = d
        .call(
            "POST /v1/auth/register",
            &[],
            "",
            Some(json!({"email": email, "password": "password"})),
            None,
        )
        .await;
    assert_eq!(weak.code(), 422, "{}", weak.body);
    ok(d.call(
        "POST /v1/auth/register",
        &[],
        "",
        Some(json!({"email": email, "password": passwords[1], "name": name})),
        None,
    )
    .await);
    let taken = d
        .call(
            "POST /v1/auth/register",
            &[],
            "",
            Some(json!({"email": email.to_uppercase(), "password": passwords[2]})),
            None,
        )
        .await;
    assert!(taken.status.is_client_error(), "{}", taken.body);
    let wrong = d
        .call(
            "POST /v1/auth/login",
            &[],
            "",
            Some(credentials(&email, &passwords[3])),
            None,
        )
        .await;
    assert_eq!(wrong.code(), 401, "{}", wrong.body);
    let unknown = c.email("unknown_email");
    let nobody = d
        .call(
            "POST /v1/auth/login",
            &[],
            "",
            Some(credentials(&unknown, &passwords[3])),
            None,
        )
        .await;
    assert_eq!(nobody.code(), 401, "{}", nobody.body);

    let login = ok(d
        .call(
            "POST /v1/auth/login",
            &[],
            "",
            Some(credentials(&email, &passwords[1])),
            None,
        )
        .await);
    let id = login.text("/user/id");
    let first = login.text("/session_token");
    c.issued("session_first", &first);
    c.allow("owner_email", profile(&id));
    c.allow("owner_email", Place::Mail);
    c.allow("owner_name", profile(&id));

    // A web session: its token comes in the cookie too.
    let web = ok(d
        .call(
            "POST /v1/auth/login",
            &[],
            "",
            Some(json!({"email": email, "password": passwords[1], "client": "web"})),
            None,
        )
        .await);
    c.issued("session_web", &web.text("/session_token"));
    c.allow("session_web", Place::Header);
    let web_id = web.text("/session_id");

    let token = Some(first.as_str());
    ok(d.call("GET /v1/auth/me", &[], "", None, token).await);
    wrong_credentials(d, c).await;
    let renamed = c.text("owner_name_new");
    c.allow("owner_name_new", profile(&id));
    ok(d.call(
        "PUT /v1/users/me",
        &[],
        "",
        Some(json!({"name": renamed})),
        token,
    )
    .await);
    ok(d.call("GET /v1/auth/sessions", &[], "", None, token).await);
    ok(
        d.call("DELETE /v1/auth/sessions/{id}", &[&web_id], "", None, token)
            .await,
    );

    ok(d.call(
        "POST /v1/auth/email/verify/request",
        &[],
        "",
        Some(json!({})),
        token,
    )
    .await);
    let code = mailed(d, c, &id, MessageKind::VerifyEmail, "verify_code").await;
    ok(d.call(
        "POST /v1/auth/email/verify/confirm",
        &[],
        "",
        Some(json!({"token": code})),
        token,
    )
    .await);

    ok(d.call(
        "POST /v1/auth/password",
        &[],
        "",
        Some(json!({"current_password": passwords[1], "new_password": passwords[4]})),
        token,
    )
    .await);
    let guess = c.text("owner_pw_guess");
    c.never_echoed("owner_pw_guess");
    let refused = d
        .call(
            "POST /v1/auth/password",
            &[],
            "",
            Some(json!({"current_password": guess, "new_password": passwords[5]})),
            token,
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    ok(d.call("POST /v1/auth/logout", &[], "", None, token).await);

    ok(d.call(
        "POST /v1/auth/password/reset/request",
        &[],
        "",
        Some(json!({"email": email})),
        None,
    )
    .await);
    d.call(
        "POST /v1/auth/password/reset/request",
        &[],
        "",
        Some(json!({"email": unknown})),
        None,
    )
    .await;
    let code = mailed(d, c, &id, MessageKind::ResetPassword, "reset_code").await;
    ok(d.call(
        "POST /v1/auth/password/reset/confirm",
        &[],
        "",
        Some(json!({"token": code, "new_password": passwords[5]})),
        None,
    )
    .await);

    let login = ok(d
        .call(
            "POST /v1/auth/login",
            &[],
            "",
            Some(credentials(&email, &passwords[5])),
            None,
        )
        .await);
    let token = login.text("/session_token");
    c.issued("session_owner", &token);
    Person { id, token }
}

/// Credentials that are not (a typo of a real one, a guess): refused, and never logged.
async fn wrong_credentials(d: &Driver, c: &mut Canaries) {
    let bearer = c.text("wrong_session_token");
    let refused = d
        .call("GET /v1/auth/me", &[], "", None, Some(&bearer))
        .await;
    assert_eq!(refused.code(), 401, "{}", refused.body);
    let cookie = c.text("wrong_session_cookie");
    let mut request = coffer_testkit::json_request(Method::GET, "/v1/auth/me", None, None);
    request.headers_mut().insert(
        header::COOKIE,
        HeaderValue::from_str(&format!("__Host-coffer_session={cookie}")).unwrap(),
    );
    let refused = d.send("GET /v1/auth/me", request).await;
    assert_eq!(refused.code(), 401, "{}", refused.body);
    let part = |json: serde_json::Value| URL_SAFE_NO_PAD.encode(json.to_string());
    let jwt = format!(
        "{}.{}.{}",
        part(json!({"alg": "EdDSA", "typ": "JWT", "kid": "kid-of-nothing"})),
        part(json!({"sub": "usr_01jd5zq7x3m4k8r2v6n9p0t1wy", "jti": c.text("wrong_jwt_jti")})),
        URL_SAFE_NO_PAD.encode([7u8; 64]),
    );
    c.issued("wrong_jwt", &jwt);
    let refused = d.call("GET /v1/auth/me", &[], "", None, Some(&jwt)).await;
    assert_eq!(refused.code(), 401, "{}", refused.body);
    let refresh = c.text("wrong_refresh_token");
    let refused = d
        .call(
            "POST /v1/tokens/refresh",
            &[],
            "",
            Some(json!({"refresh_token": refresh})),
            None,
        )
        .await;
    assert_eq!(refused.code(), 401, "{}", refused.body);
    let code = c.text("wrong_verify_code");
    let refused = d
        .call(
            "POST /v1/auth/email/verify/confirm",
            &[],
            "",
            Some(json!({"token": code})),
            None,
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
    let code = c.text("wrong_reset_code");
    let password = c.text("wrong_reset_password");
    c.never_echoed("wrong_reset_password");
    let refused = d
        .call(
            "POST /v1/auth/password/reset/confirm",
            &[],
            "",
            Some(json!({"token": code, "new_password": password})),
            None,
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
}

/// Another user (`<who>_email`, `<who>_pw`), registered, logged in and verified.
pub async fn registered(d: &Driver, c: &mut Canaries, who: &str) -> Person {
    let email = c.email(&format!("{who}_email"));
    let password = c.text(&format!("{who}_pw"));
    c.never_echoed(&format!("{who}_pw"));
    ok(d.call(
        "POST /v1/auth/register",
        &[],
        "",
        Some(json!({"email": email, "password": password})),
        None,
    )
    .await);
    let login = ok(d
        .call(
            "POST /v1/auth/login",
            &[],
            "",
            Some(credentials(&email, &password)),
            None,
        )
        .await);
    let person = Person {
        id: login.text("/user/id"),
        token: login.text("/session_token"),
    };
    c.issued(&format!("session_{who}"), &person.token);
    c.allow(&format!("{who}_email"), profile(&person.id));
    c.allow(&format!("{who}_email"), Place::Mail);
    ok(d.call(
        "POST /v1/auth/email/verify/request",
        &[],
        "",
        Some(json!({})),
        Some(&person.token),
    )
    .await);
    let code = mailed(
        d,
        c,
        &person.id,
        MessageKind::VerifyEmail,
        &format!("{who}_verify_code"),
    )
    .await;
    ok(d.call(
        "POST /v1/auth/email/verify/confirm",
        &[],
        "",
        Some(json!({"token": code})),
        Some(&person.token),
    )
    .await);
    person
}
