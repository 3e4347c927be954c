//! JWS parsing and access-token verification.
//!
//! - [`jws`]: `Unverified::parse` on any text, then the claims and the signature under a fixed
//!   key. A token that verifies must be one this module signed (a forgery or a malleable
//!   signature would be a finding). Inputs starting with a NUL byte are claims to sign instead:
//!   sign → parse → verify must give them back.
//! - [`access_token`]: `AccessTokens::verify`, and the `Caller` extractor every authenticated
//!   route runs (`Authorization: Bearer ...`), over the product's own issued tokens and edits of
//!   them; inputs starting with `0x01` are a whole `Authorization` header. Only an issued token,
//!   unchanged, passes; everything else is a 401.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::http::Caller;
use coffer_core::tokens::ACCESS_TOKEN_TYP;
use coffer_core::tokens::jws::{self, JwsError, MAX_TOKEN_BYTES, Unverified};
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

use crate::fixture::Fixture;
use crate::{tamper, text};

const KEY: [u8; 32] = [7; 32];
const KID: &str = "fuzz-kid";

fn key() -> SigningKey {
    SigningKey::from_bytes(&KEY)
}

/// Tokens signed with the fixed key: the seeds, and all that may verify.
static SIGNED: LazyLock<Vec<String>> = LazyLock::new(signed_tokens);

fn signed_tokens() -> Vec<String> {
    let key = key();
    [
        json!({"sub": "usr_1", "exp": 1_780_003_600, "scope": "records:read"}),
        json!({"iss": "cli_1", "sub": "cli_1", "aud": "http://localhost:8080/v1/oauth/token", "exp": 1_780_000_060, "jti": "j-1"}),
        json!({}),
        json!({"nested": {"a": [1, 2.5, null, true, "é\u{1F600}"]}}),
    ]
    .iter()
    .enumerate()
    .filter_map(|(i, claims)| jws::sign(&key, KID, ["JWT", "at+jwt"][i % 2], claims).ok())
    .collect()
}

pub fn jws_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = SIGNED.iter().map(|t| t.clone().into_bytes()).collect();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k"}"#);
    seeds.push(format!("{header}.e30.").into_bytes());
    seeds.push(b"\0{\"sub\":\"usr_1\",\"n\":1}".to_vec());
    seeds
}

/// The JWS target (see the module doc).
pub fn jws(data: &[u8]) {
    if let Some(claims) = data.strip_prefix(b"\0") {
        return sign_round_trip(claims);
    }
    let Some(token) = text(data) else { return };
    let parsed = match Unverified::parse(token) {
        Ok(parsed) => parsed,
        Err(JwsError::TooLong) => return assert!(token.len() > MAX_TOKEN_BYTES),
        Err(_) => return,
    };
    assert!(token.len() <= MAX_TOKEN_BYTES);
    assert!(!parsed.kid().is_empty() && parsed.kid().len() <= 128);
    let unverified = parsed.claims_unverified::<Value>();
    if let Ok(claims) = parsed.verify::<Value>(&key().verifying_key()) {
        assert!(
            SIGNED.iter().any(|t| t == token),
            "a token the fixed key never signed verified: {token:?}"
        );
        assert_eq!(Ok(claims), unverified);
    }
}

/// Claims → sign → parse → verify gives the same claims back.
fn sign_round_trip(claims: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<Value>(claims) else {
        return;
    };
    let Ok(token) = jws::sign(&key(), KID, "JWT", &claims) else {
        return;
    };
    match Unverified::parse(&token) {
        Ok(parsed) => {
            assert_eq!(parsed.kid(), KID);
            assert_eq!(parsed.typ(), Some("JWT"));
            let verified: Value = parsed
                .verify(&key().verifying_key())
                .unwrap_or_else(|e| panic!("a token just signed does not verify: {e}"));
            assert_eq!(verified, claims);
        }
        Err(e) => assert!(
            e == JwsError::TooLong && token.len() > MAX_TOKEN_BYTES,
            "a token just signed does not parse: {e}"
        ),
    }
}

/// Inputs starting with this byte edit an issued token instead (see [`tamper`]).
const TAMPER: u8 = 0xFF;

pub fn access_token_seeds() -> Vec<Vec<u8>> {
    let fixture = Fixture::get();
    let mut seeds: Vec<Vec<u8>> = fixture
        .issued_tokens
        .iter()
        .map(|t| t.clone().into_bytes())
        .collect();
    seeds.extend((0..fixture.issued_tokens.len() as u8).map(|i| vec![TAMPER, i]));
    seeds.push(vec![TAMPER, 0, 0, 10, 1]);
    seeds.push(b"\x01bearer  x.y.z ".to_vec());
    seeds.push(format!("\x01Basic {}", fixture.issued_tokens[0]).into_bytes());
    seeds.push(format!("\x01bearer {}", fixture.issued_tokens[1]).into_bytes());
    // A token signed by a key Coffer does not publish, with an access token's header.
    if let Ok(forged) = jws::sign(
        &key(),
        KID,
        ACCESS_TOKEN_TYP,
        &json!({"sub": "usr_1", "iss": "http://localhost:8080", "aud": "coffer"}),
    ) {
        seeds.push(forged.into_bytes());
    }
    seeds
}

/// Inputs starting with this byte are a whole `Authorization` header value instead.
const HEADER: u8 = 0x01;

/// The access-token target (see the module doc).
pub fn access_token(data: &[u8]) {
    let fixture = Fixture::get();
    let issued = &fixture.issued_tokens;
    let candidate = match data.split_first() {
        Some((&TAMPER, rest)) => {
            let (which, edits) = rest.split_first().unwrap_or((&0, &[]));
            let seed = &issued[usize::from(*which) % issued.len()];
            tamper(seed.as_bytes(), edits)
        }
        Some((&HEADER, header)) => return authorization(header),
        _ => data.to_vec(),
    };
    let Some(token) = text(&candidate) else {
        return;
    };
    let verified = fixture.block_on(fixture.state.access_tokens.verify(token));
    if let Ok(claims) = verified {
        assert!(
            issued.iter().any(|t| t == token),
            "a token Coffer never issued verified: {token:?}"
        );
        assert!(claims.principal().is_some());
    }
    let mut header = b"Bearer ".to_vec();
    header.extend_from_slice(&candidate);
    authorization(&header);
}

/// The `Caller` extractor every authenticated route runs, with this `Authorization` header:
/// a caller only for an issued token (there are no sessions), else a 401.
fn authorization(header: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(header) else {
        return;
    };
    let Ok(request) = Request::builder()
        .uri("/v1/auth/me")
        .header(AUTHORIZATION, value)
        .body(())
    else {
        return;
    };
    let (mut parts, ()) = request.into_parts();
    let fixture = Fixture::get();
    match fixture.block_on(Caller::from_request_parts(&mut parts, &fixture.state)) {
        Ok(_) => {
            let presented = text(header)
                .and_then(|h| h.trim().split_once(' '))
                .map(|(_, token)| token.trim());
            assert!(
                presented.is_some_and(|t| fixture.issued_tokens.iter().any(|i| i == t)),
                "a caller from a header with no issued token: {header:?}"
            );
        }
        Err(e) => assert_eq!(e.status(), StatusCode::UNAUTHORIZED, "{e:?}"),
    }
}
