//! Compact JWS (RFC 7515) with one algorithm: EdDSA over Ed25519 (RFC 8037). Coffer's tokens and
//! the client assertions it accepts are all this shape, so the parser refuses everything else up
//! front: another `alg` (`none`, `HS256`, ...), header parameters that point at keys (`jku`,
//! `x5u`, `jwk`, `x5c`) or demand extensions (`crit`), unknown header fields, padding, non-base64
//! and oversized tokens. Keys are parsed once by the caller ([`VerifyingKey`] holds the
//! decompressed point), so a verification costs one signature check plus the base64 and JSON.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The longest token accepted, in bytes: far above any token Coffer or a client makes.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// The one algorithm.
pub const ALG: &str = "EdDSA";

/// Why a token was refused. Callers answer all of them alike (401 or `invalid_grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    #[error("the token is not a compact JWS")]
    Malformed,
    #[error("the token is too long")]
    TooLong,
    #[error("the token's header is not an EdDSA header with a kid")]
    Header,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token's claims are not what was expected")]
    Claims,
}

/// The protected header: exactly what Coffer writes and accepts.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<&'a str>,
}

/// A token split and decoded, its signature not yet checked.
#[derive(Debug)]
pub struct Unverified<'a> {
    kid: String,
    typ: Option<String>,
    signing_input: &'a str,
    signature: Signature,
    payload: Vec<u8>,
}

impl<'a> Unverified<'a> {
    /// Splits and decodes `token`; refuses anything but an EdDSA header with a `kid`.
    pub fn parse(token: &'a str) -> Result<Self, JwsError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(JwsError::TooLong);
        }
        let (signing_input, signature) = token.rsplit_once('.').ok_or(JwsError::Malformed)?;
        let (header, payload) = signing_input.split_once('.').ok_or(JwsError::Malformed)?;
        if payload.contains('.') || header.is_empty() || payload.is_empty() {
            return Err(JwsError::Malformed);
        }
        let header = decode(header)?;
        let header: Header<'_> = serde_json::from_slice(&header).map_err(|_| JwsError::Header)?;
        if header.alg != ALG || header.kid.is_empty() || header.kid.len() > 128 {
            return Err(JwsError::Header);
        }
        let mut raw_signature = [0u8; Signature::BYTE_SIZE];
        let decoded = URL_SAFE_NO_PAD
            .decode_slice(signature, &mut raw_signature)
            .map_err(|_| JwsError::Malformed)?;
        if decoded != Signature::BYTE_SIZE {
            return Err(JwsError::Malformed);
        }
        Ok(Self {
            kid: header.kid.to_owned(),
            typ: header.typ.map(str::to_owned),
            signing_input,
            signature: Signature::from_bytes(&raw_signature),
            payload: decode(payload)?,
        })
    }

    /// The key the token says signed it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The header's `typ`, if any.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The claims before the signature is checked: only to find which key to check it with.
    pub fn claims_unverified<T: DeserializeOwned>(&self) -> Result<T, JwsError> {
        serde_json::from_slice(&self.payload).map_err(|_| JwsError::Claims)
    }

    /// The claims, if `key` made the signature (strict RFC 8032 verification: no malleable
    /// signatures, no small-order keys).
    pub fn verify<T: DeserializeOwned>(&self, key: &VerifyingKey) -> Result<T, JwsError> {
        key.verify_strict(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| JwsError::Signature)?;
        self.claims_unverified()
    }
}

/// Signs `claims` as a compact JWS with `key`, naming it `kid`.
pub fn sign<T: Serialize>(
    key: &SigningKey,
    kid: &str,
    typ: &str,
    claims: &T,
) -> Result<String, JwsError> {
    let header = serde_json::to_vec(&Header {
        alg: ALG,
        kid,
        typ: Some(typ),
    })
    .map_err(|_| JwsError::Header)?;
    let payload = serde_json::to_vec(claims).map_err(|_| JwsError::Claims)?;
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 100);
    URL_SAFE_NO_PAD.encode_string(&header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let signature = key.sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature.to_bytes(), &mut token);
    Ok(token)
}

fn decode(segment: &str) -> Result<Vec<u8>, JwsError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| JwsError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    fn with_header(header: Value) -> String {
        let input = format!("{}.{}", b64(&header), b64(&json!({"sub": "x"})));
        let signature = key().sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    #[test]
    fn a_signed_token_verifies_with_its_key_and_names_its_kid() {
        let token = sign(&key(), "k1", "at+jwt", &json!({"sub": "usr_1"})).unwrap();
        let parsed = Unverified::parse(&token).unwrap();
        assert_eq!(parsed.kid(), "k1");
        assert_eq!(parsed.typ(), Some("at+jwt"));
        let claims: Value = parsed.verify(&key().verifying_key()).unwrap();
        assert_eq!(claims["sub"], "usr_1");
    }

    #[test]
    fn another_key_or_a_changed_payload_fails_the_signature() {
        let token = sign(&key(), "k1", "JWT", &json!({"sub": "usr_1"})).unwrap();
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        let parsed = Unverified::parse(&token).unwrap();
        assert_eq!(
            parsed.verify::<Value>(&other).unwrap_err(),
            JwsError::Signature
        );
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(&json!({"sub": "usr_2"})),
            parts[2]
        );
        let parsed = Unverified::parse(&forged).unwrap();
        assert_eq!(
            parsed.verify::<Value>(&key().verifying_key()).unwrap_err(),
            JwsError::Signature
        );
    }

    #[test]
    fn headers_other_than_eddsa_with_a_kid_are_refused() {
        for header in [
            json!({"alg": "none", "kid": "k1"}),
            json!({"alg": "HS256", "kid": "k1"}),
            json!({"alg": "EdDSA"}),
            json!({"alg": "EdDSA", "kid": ""}),
            json!({"alg": "EdDSA", "kid": "k1", "jku": "https://evil.example/jwks"}),
            json!({"alg": "EdDSA", "kid": "k1", "x5u": "https://evil.example/cert"}),
            json!({"alg": "EdDSA", "kid": "k1", "jwk": {"kty": "OKP"}}),
            json!({"alg": "EdDSA", "kid": "k1", "crit": ["exp"]}),
            json!(["EdDSA"]),
        ] {
            assert_eq!(
                Unverified::parse(&with_header(header.clone())).unwrap_err(),
                JwsError::Header,
                "{header}"
            );
        }
        assert!(Unverified::parse(&with_header(json!({"alg": "EdDSA", "kid": "k1"}))).is_ok());
    }

    #[test]
    fn malformed_and_oversized_tokens_are_refused() {
        let token = sign(&key(), "k1", "JWT", &json!({"sub": "usr_1"})).unwrap();
        let (rest, signature) = token.rsplit_once('.').unwrap();
        for bad in [
            String::new(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            format!("{rest}."),
            format!("{rest}.{}", &signature[..signature.len() - 4]),
            format!("{rest}.{signature}=="),
            format!("{rest}.{signature}AAAA"),
            format!("{rest}.!!!{}", &signature[3..]),
            format!(".{}", token.split_once('.').unwrap().1),
            token.replacen('.', "..", 1),
        ] {
            assert!(Unverified::parse(&bad).is_err(), "{bad}");
        }
        let long = format!("{rest}{}.{signature}", "A".repeat(MAX_TOKEN_BYTES));
        assert_eq!(Unverified::parse(&long).unwrap_err(), JwsError::TooLong);
    }

    proptest! {
        #[test]
        fn any_string_is_refused_or_parsed_without_panicking(raw in ".{0,600}") {
            let _ = Unverified::parse(&raw);
        }

        #[test]
        fn any_claims_round_trip_through_sign_and_verify(sub in "[a-z0-9_]{1,40}", n in any::<i64>()) {
            let token = sign(&key(), "k", "JWT", &json!({"sub": sub, "n": n})).unwrap();
            let claims: Value = Unverified::parse(&token).unwrap().verify(&key().verifying_key()).unwrap();
            prop_assert_eq!(claims, json!({"sub": sub, "n": n}));
        }

        #[test]
        fn a_flipped_bit_anywhere_is_refused(position in 0usize..200, bit in 0u8..6) {
            let token = sign(&key(), "k", "JWT", &json!({"sub": "usr_1"})).unwrap();
            let mut bytes = token.into_bytes();
            let position = position % bytes.len();
            if bytes[position] == b'.' { return Ok(()); }
            bytes[position] ^= 1 << bit;
            let Ok(tampered) = String::from_utf8(bytes) else { return Ok(()); };
            if let Ok(parsed) = Unverified::parse(&tampered) {
                prop_assert!(parsed.verify::<Value>(&key().verifying_key()).is_err());
            }
        }
    }
}
