//! `tokens` and `clients`: access and refresh tokens (session, refresh, OAuth refresh grant,
//! revoke), a machine client with a certificate, an RFC 7523 assertion and the token it buys.
//! Refresh tokens rest only as digests (docs/keys.md "refresh token"), access tokens nowhere
//! (a revocation names the `jti`), the certificate's private key nowhere (API.md "shown this
//! once and never stored"), an assertion's `jti` only as a digest (docs/keys.md "spent
//! assertion"); a client's name in its item (docs/keys.md "client": "its org, name, scopes").

use base64::Engine as _;
use coffer_core::ids::ClientId;
use coffer_core::store::schema;
use coffer_testkit::tokens::form;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::Scene;
use crate::canaries::driver::ok;
use crate::canaries::values::Place;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub async fn plant(s: &mut Scene<'_>) {
    let d = s.d;
    let owner = s.owner.token.clone();
    let token = Some(owner.as_str());

    let issued = ok(d
        .call(
            "POST /v1/tokens",
            &[],
            "",
            Some(json!({"vault_id": s.vault, "scopes": ["vaults:read"], "ttl_seconds": 600})),
            token,
        )
        .await);
    s.c.issued("access_first", &issued.text("/access_token"));
    s.c.issued("refresh_first", &issued.text("/refresh_token"));
    let refreshed = ok(d
        .call(
            "POST /v1/tokens/refresh",
            &[],
            "",
            Some(json!({"refresh_token": issued.text("/refresh_token")})),
            None,
        )
        .await);
    s.c.issued("access_second", &refreshed.text("/access_token"));
    s.c.issued("refresh_second", &refreshed.text("/refresh_token"));
    let granted = ok(d
        .raw(
            "POST /v1/oauth/token",
            &[],
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refreshed.text("/refresh_token")),
            ]),
            None,
        )
        .await);
    s.c.issued("access_third", &granted.text("/access_token"));
    s.c.issued("refresh_third", &granted.text("/refresh_token"));
    ok(d.call(
        "POST /v1/tokens/revoke",
        &[],
        "",
        Some(json!({"token": granted.text("/access_token")})),
        token,
    )
    .await);
    d.call(
        "POST /v1/tokens/revoke",
        &[],
        "",
        Some(json!({"token": granted.text("/refresh_token")})),
        token,
    )
    .await;

    let org = s.org.clone();
    let name = s.c.text("client_name");
    let client = ok(d
        .call(
            "POST /v1/orgs/{org}/clients",
            &[&org],
            "",
            Some(json!({"name": name, "scopes": ["org:read"]})),
            token,
        )
        .await)
    .text("/id");
    s.c.allow(
        "client_name",
        Place::Item(schema::client(&ClientId::parse(&client).unwrap())),
    );
    ok(d.call(
        "GET /v1/orgs/{org}/clients/{client}",
        &[&org, &client],
        "",
        None,
        token,
    )
    .await);
    let made = ok(d
        .call(
            "POST /v1/orgs/{org}/clients/{client}/certificates",
            &[&org, &client],
            "",
            Some(json!({})),
            token,
        )
        .await);
    let (certificate, pem) = (made.text("/id"), made.text("/private_key_pem"));
    let der: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    s.c.issued("client_private_key", &der);
    let seed = base64::engine::general_purpose::STANDARD
        .decode(&der)
        .unwrap();
    // The raw 32-byte seed ends the PKCS#8 document: looked for as base64 and hex too.
    s.c.issued_part(
        "client_private_seed",
        &base64::engine::general_purpose::STANDARD.encode(&seed[seed.len() - 32..]),
    );
    ok(d.call(
        "GET /v1/orgs/{org}/clients/{client}/certificates",
        &[&org, &client],
        "",
        None,
        token,
    )
    .await);

    let jti = s.c.text("assertion_jti");
    let now = coffer_core::Clock::unix(&*d.app.clock);
    let claims = json!({
        "iss": client, "sub": client,
        "aud": d.app.state.settings.tokens.token_endpoint(),
        "exp": now + 60, "iat": now, "jti": jti,
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(certificate.clone());
    let assertion = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    s.c.issued("assertion", &assertion);
    let bought = ok(d
        .raw(
            "POST /v1/oauth/token",
            &[],
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ]),
            None,
        )
        .await);
    s.c.issued("client_access", &bought.text("/access_token"));
    // An assertion for another audience: refused (the reason is logged at debug), never logged.
    let mut stray = claims.clone();
    stray["aud"] = json!("https://elsewhere.example.com/token");
    stray["jti"] = json!(s.c.text("stray_assertion_jti"));
    let stray = jsonwebtoken::encode(
        &header,
        &stray,
        &EncodingKey::from_ed_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    s.c.issued("stray_assertion", &stray);
    let refused = d
        .raw(
            "POST /v1/oauth/token",
            &[],
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &stray),
            ]),
            None,
        )
        .await;
    assert_eq!(refused.code(), 401, "{}", refused.body);
    // Replayed: refused, and the refusal names no part of it.
    let replay = d
        .raw(
            "POST /v1/oauth/token",
            &[],
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", &assertion),
            ]),
            None,
        )
        .await;
    assert_eq!(replay.code(), 401, "{}", replay.body);
    d.call(
        "GET /v1/orgs/{org}",
        &[&org],
        "",
        None,
        Some(&bought.text("/access_token")),
    )
    .await;
}
