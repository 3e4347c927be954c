//! The `private_key_jwt` client assertion check (`ClientsService::authenticate`, the hot path of
//! every `client_credentials` grant) against a stored org, client and certificate.
//!
//! Inputs are assertions as a client would post them; inputs starting with `0xFF` edit one of
//! the valid assertions instead (see [`crate::tamper`]); inputs starting with `{` are also read as
//! claims and checked against the rules on their own. Only the valid assertions, unchanged,
//! authenticate, and then as the fixture's client and certificate.

use std::sync::LazyLock;

use coffer_core::clients::{AssertionClaims, AssertionRules};
use coffer_core::tokens::jws;
use serde_json::{Value, json};

use crate::fixture::{Fixture, NOW};
use crate::{tamper, text};

const TAMPER: u8 = 0xFF;

/// Valid assertions for the fixture's client, signed with its certificate's key (once).
static VALID: LazyLock<Vec<String>> = LazyLock::new(valid_assertions);

fn valid_assertions() -> Vec<String> {
    let fixture = Fixture::get();
    let settings = &fixture.state.settings.tokens;
    let client = fixture.client.as_str();
    let claims = [
        json!({"iss": client, "sub": client, "aud": settings.token_endpoint(), "exp": NOW + 60, "iat": NOW, "jti": "jti-1"}),
        json!({"iss": client, "sub": client, "aud": [settings.issuer, "https://other.example"], "exp": NOW + 299, "nbf": NOW - 5, "jti": "jti-2", "scope": "records:read"}),
        json!({"iss": client, "sub": client, "aud": settings.issuer, "exp": (NOW + 30) as f64 + 0.25, "jti": "ü"}),
    ];
    claims
        .iter()
        .filter_map(|c| jws::sign(&fixture.client_key, fixture.certificate.as_str(), "JWT", c).ok())
        .collect()
}

pub fn seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = VALID.iter().map(|a| a.clone().into_bytes()).collect();
    seeds.extend((0..3).map(|i| vec![TAMPER, i]));
    seeds.push(vec![TAMPER, 1, 0, 5, 0x20]);
    seeds.push(
        br#"{"iss":"c","sub":"c","aud":["x"],"exp":1e14,"iat":-1,"nbf":0.5,"jti":"j"}"#.to_vec(),
    );
    seeds
}

/// The client-assertion target (see the module doc).
pub fn client_assertion(data: &[u8]) {
    let fixture = Fixture::get();
    if data.first() == Some(&b'{') {
        claims_alone(data);
    }
    let valid = &*VALID;
    let candidate = match data.split_first() {
        Some((&TAMPER, rest)) => {
            let (which, edits) = rest.split_first().unwrap_or((&0, &[]));
            tamper(valid[usize::from(*which) % valid.len()].as_bytes(), edits)
        }
        _ => data.to_vec(),
    };
    let Some(assertion) = text(&candidate) else {
        return;
    };
    let client_id = fixture.client.as_str();
    for given in [None, Some(client_id)] {
        let outcome = fixture.block_on(fixture.clients.authenticate(assertion, given));
        if let Ok(authenticated) = outcome {
            assert!(
                valid.iter().any(|a| a == assertion),
                "an assertion the client never signed authenticated: {assertion:?}"
            );
            assert_eq!(authenticated.client, fixture.client);
            assert_eq!(authenticated.certificate, fixture.certificate);
        }
    }
}

/// The claims' own rules on any JSON object: parse, check, never panic.
fn claims_alone(data: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<AssertionClaims>(data) else {
        return;
    };
    let rules = AssertionRules {
        audiences: ["https://api.example/v1/oauth/token", "https://api.example"],
        now: NOW,
        leeway: 30,
    };
    if claims.check(&rules).is_ok() {
        assert_eq!(claims.iss, claims.sub);
        assert!(claims.exp > NOW - 30 && claims.exp <= NOW + 330);
        let raw: Value = serde_json::from_slice(data).unwrap_or_default();
        assert!(raw.get("jti").is_some_and(Value::is_string));
    }
}
