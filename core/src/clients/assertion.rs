//! A client assertion's claims (RFC 7523 §3) and the rules they must meet. The signature and the
//! header are [`crate::tokens::jws`]'s; this is what the payload must say: who (`iss` = `sub` =
//! the client), for whom (`aud` names the token endpoint or the issuer), when (a short life, not
//! from the future), and a `jti` to spend once.

use serde::{Deserialize, Deserializer};

/// The longest life an assertion may have from now, in seconds (plus the leeway).
pub const MAX_ASSERTION_LIFETIME: i64 = 300;

/// The longest `jti` accepted, in characters.
const MAX_JTI_CHARS: usize = 256;

/// The claims checked. Claims other libraries add (`client_id`, `scope`, ...) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    #[serde(deserialize_with = "numeric_date")]
    pub exp: i64,
    #[serde(default, deserialize_with = "optional_numeric_date")]
    pub iat: Option<i64>,
    #[serde(default, deserialize_with = "optional_numeric_date")]
    pub nbf: Option<i64>,
    pub jti: String,
}

/// `aud`: one audience or a list (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    /// Whether it names any of `accepted`.
    pub fn names_any(&self, accepted: &[&str]) -> bool {
        match self {
            Self::One(aud) => accepted.contains(&aud.as_str()),
            Self::Many(auds) => auds.iter().any(|aud| accepted.contains(&aud.as_str())),
        }
    }
}

/// What an assertion is checked against: the audiences this deployment answers to, the clock
/// and its allowed skew.
#[derive(Debug, Clone, Copy)]
pub struct AssertionRules<'a> {
    /// The token endpoint's URL and the issuer.
    pub audiences: [&'a str; 2],
    /// Unix seconds.
    pub now: i64,
    /// Seconds of clock skew allowed either way.
    pub leeway: i64,
}

impl AssertionClaims {
    /// Checks everything but the signature and the key; the error is the reason, for a debug
    /// log only (every refusal answers alike).
    pub fn check(&self, rules: &AssertionRules<'_>) -> Result<(), &'static str> {
        let AssertionRules {
            audiences,
            now,
            leeway,
        } = *rules;
        if self.iss != self.sub {
            return Err("iss and sub differ");
        }
        if !self.aud.names_any(&audiences) {
            return Err("aud names neither the token endpoint nor the issuer");
        }
        if self.exp.saturating_add(leeway) <= now {
            return Err("expired");
        }
        if self.exp > now.saturating_add(MAX_ASSERTION_LIFETIME + leeway) {
            return Err("exp is too far ahead");
        }
        if self.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err("nbf is in the future");
        }
        if self.iat.is_some_and(|iat| iat > now.saturating_add(leeway)) {
            return Err("iat is in the future");
        }
        let jti_chars = self.jti.chars().count();
        if jti_chars == 0 || jti_chars > MAX_JTI_CHARS {
            return Err("jti is empty or too long");
        }
        Ok(())
    }
}

/// A NumericDate (RFC 7519 §2): seconds, which some libraries write with a fraction.
fn numeric_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    number
        .as_i64()
        .or_else(|| {
            number
                .as_f64()
                .filter(|secs| secs.is_finite() && secs.abs() < 1e15)
                .map(|secs| secs.floor() as i64)
        })
        .ok_or_else(|| serde::de::Error::custom("expected seconds since the epoch"))
}

fn optional_numeric_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    numeric_date(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_750_000_000;
    const ENDPOINT: &str = "https://api.example.com/v1/oauth/token";
    const ISSUER: &str = "https://api.example.com";

    fn rules() -> AssertionRules<'static> {
        AssertionRules {
            audiences: [ENDPOINT, ISSUER],
            now: NOW,
            leeway: 30,
        }
    }

    fn claims(changes: serde_json::Value) -> AssertionClaims {
        let mut base = json!({
            "iss": "cli_1", "sub": "cli_1", "aud": ENDPOINT,
            "exp": NOW + 60, "iat": NOW, "jti": "j-1",
        });
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                base.as_object_mut().unwrap().remove(name);
            } else {
                base[name] = value.clone();
            }
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn a_short_lived_assertion_for_this_endpoint_passes() {
        for changes in [
            json!({}),
            json!({"aud": ISSUER}),
            json!({"aud": ["https://elsewhere.example", ENDPOINT]}),
            json!({"iat": null, "nbf": NOW}),
            json!({"exp": NOW + MAX_ASSERTION_LIFETIME + 30}),
            json!({"exp": NOW - 29}),
            json!({"iat": NOW + 30, "nbf": NOW + 30}),
            json!({"exp": (NOW + 60) as f64 + 0.5}),
            json!({"client_id": "cli_1", "scope": "vaults:read"}),
            json!({"jti": "x".repeat(256)}),
        ] {
            assert_eq!(claims(changes.clone()).check(&rules()), Ok(()), "{changes}");
        }
    }

    #[test]
    fn each_broken_rule_is_refused() {
        for changes in [
            json!({"sub": "cli_2"}),
            json!({"aud": "https://elsewhere.example"}),
            json!({"aud": []}),
            json!({"aud": [ENDPOINT.to_uppercase()]}),
            json!({"exp": NOW - 30}),
            json!({"exp": NOW + MAX_ASSERTION_LIFETIME + 31}),
            json!({"nbf": NOW + 31}),
            json!({"iat": NOW + 31}),
            json!({"jti": ""}),
            json!({"jti": "x".repeat(257)}),
        ] {
            assert!(
                claims(changes.clone()).check(&rules()).is_err(),
                "{changes}"
            );
        }
    }

    #[test]
    fn claims_of_the_wrong_shape_do_not_parse() {
        for bad in [
            json!({"iss": "c", "sub": "c", "aud": ENDPOINT, "exp": NOW}),
            json!({"iss": "c", "sub": "c", "aud": ENDPOINT, "jti": "j"}),
            json!({"iss": "c", "sub": "c", "aud": 7, "exp": NOW, "jti": "j"}),
            json!({"iss": "c", "sub": "c", "aud": ENDPOINT, "exp": "soon", "jti": "j"}),
            json!({"iss": "c", "sub": "c", "aud": ENDPOINT, "exp": 1e300, "jti": "j"}),
        ] {
            assert!(
                serde_json::from_value::<AssertionClaims>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
