//! Access and refresh tokens made through the API, as a client would make them (needs the
//! `tokens` group, and `auth` for the users).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::app::json_request;
use crate::{Reply, TestApp, User};

/// A pair that `POST /v1/tokens` or a refresh handed out.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

impl TokenPair {
    /// The pair in a 200 or 201 reply.
    pub fn from_reply(reply: &Reply) -> Self {
        Self {
            access: reply.text("/access_token"),
            refresh: reply.text("/refresh_token"),
        }
    }
}

/// `pairs` as an `application/x-www-form-urlencoded` body (names and values percent-encoded).
pub fn form(pairs: &[(&str, &str)]) -> String {
    fn encode(raw: &str) -> String {
        raw.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

impl TestApp {
    /// `POST /v1/tokens` with `user`'s session and `body` (`{}` for an unbound token).
    pub async fn issue_tokens(&self, user: &User, body: Value) -> Reply {
        self.post("/v1/tokens", body, Some(&user.token)).await
    }

    /// A pair for `user` that must be issued (201).
    pub async fn token_pair(&self, user: &User, body: Value) -> TokenPair {
        let issued = self.issue_tokens(user, body).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
        TokenPair::from_reply(&issued)
    }

    /// `POST /v1/tokens/refresh` with `refresh_token` (no credential: the token is one).
    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post(
            "/v1/tokens/refresh",
            json!({"refresh_token": refresh_token}),
            None,
        )
        .await
    }

    /// `POST /v1/tokens/revoke` with `body` (`{token}` or `{vault_id}`), as `credential` (a
    /// session token or an access token).
    pub async fn revoke(&self, credential: &str, body: Value) -> Reply {
        self.post("/v1/tokens/revoke", body, Some(credential)).await
    }

    /// `POST /v1/oauth/token` with a form-encoded body of `pairs`.
    pub async fn oauth_token(&self, pairs: &[(&str, &str)]) -> Reply {
        self.oauth_token_raw("application/x-www-form-urlencoded", form(pairs))
            .await
    }

    /// `POST /v1/oauth/token` with any body and content type.
    pub async fn oauth_token_raw(&self, content_type: &str, body: String) -> Reply {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri("/v1/oauth/token")
                .header(header::USER_AGENT, "coffer-tests/1")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// `GET /v1/auth/me` with `credential`: how tests ask whether a token is accepted.
    pub async fn me(&self, credential: &str) -> Reply {
        self.send(json_request(
            Method::GET,
            "/v1/auth/me",
            None,
            Some(credential),
        ))
        .await
    }

    /// The JWKS (`GET /.well-known/jwks.json`), which must answer 200.
    pub async fn jwks(&self) -> Reply {
        let jwks = self.get("/.well-known/jwks.json", None).await;
        assert_eq!(jwks.status, StatusCode::OK, "{}", jwks.body);
        jwks
    }

    /// The kids the JWKS lists, in its order.
    pub async fn published_kids(&self) -> Vec<String> {
        self.jwks().await.body["keys"]
            .as_array()
            .expect("a keys array")
            .iter()
            .map(|key| key["kid"].as_str().expect("a kid").to_owned())
            .collect()
    }
}
