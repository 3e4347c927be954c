//! What the identity routes send and receive, and the reply headers they share.

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponseParts, ResponseParts};
use coffer_core::auth::sessions::SESSION_COOKIE;
use coffer_core::auth::{Profile, Quota, Session};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A user's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// `usr_...`
    pub id: String,
    #[schema(format = Email)]
    pub email: String,
    pub name: Option<String>,
    pub email_verified: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<&Profile> for UserView {
    fn from(profile: &Profile) -> Self {
        Self {
            id: profile.id.to_string(),
            email: profile.email.as_str().to_owned(),
            name: profile.name.as_ref().map(|n| n.as_str().to_owned()),
            email_verified: profile.email_verified,
            created_at: profile.created_at,
            updated_at: profile.updated_at,
        }
    }
}

/// `{user}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: UserView,
}

/// One of the caller's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// `ses_...`
    pub id: String,
    /// `web` or `cli`.
    pub client: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// The client IP at login.
    pub ip: Option<String>,
    /// The user agent at login.
    pub user_agent: Option<String>,
    /// This is the session the request came with.
    pub current: bool,
}

impl SessionView {
    pub fn new(session: &Session, current: bool) -> Self {
        Self {
            id: session.id.to_string(),
            client: session.client.as_str(),
            created_at: session.created_at,
            expires_at: session.expires_at,
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
            current,
        }
    }
}

/// A page of sessions. A user has at most a few live sessions, so there is never a next page.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionPage {
    pub items: Vec<SessionView>,
    /// Always null: every live session fits on one page.
    pub next_cursor: Option<String>,
}

/// `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds until the
/// window resets), when the route counted the request.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitHeaders(pub Option<Quota>);

impl IntoResponseParts for RateLimitHeaders {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        if let Some(quota) = self.0 {
            let headers = parts.headers_mut();
            headers.insert(
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderValue::from(quota.limit),
            );
            headers.insert(
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderValue::from(quota.remaining),
            );
            headers.insert(
                HeaderName::from_static("x-ratelimit-reset"),
                HeaderValue::from(quota.reset_after),
            );
        }
        Ok(parts)
    }
}

/// The `Set-Cookie` of a web session, or the one that clears it.
#[derive(Debug)]
pub struct SessionCookie(Option<HeaderValue>);

impl SessionCookie {
    /// Sets the cookie to `token` until the session ends.
    pub fn set(token: &str, max_age_seconds: i64) -> Self {
        let cookie = format!(
            "{SESSION_COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
            max_age_seconds.max(0)
        );
        Self(HeaderValue::from_str(&cookie).ok())
    }

    /// Tells the browser to drop the cookie.
    pub fn clear() -> Self {
        let cookie =
            format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
        Self(HeaderValue::from_str(&cookie).ok())
    }

    pub fn none() -> Self {
        Self(None)
    }
}

impl IntoResponseParts for SessionCookie {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        if let Some(value) = self.0 {
            parts.headers_mut().append(SET_COOKIE, value);
        }
        Ok(parts)
    }
}

/// One of the user's own security events.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    /// `evt_...`
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// What happened, e.g. `auth.login`, `auth.password.change`.
    pub action: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// What it concerned (a session or user id), if anything.
    pub resource: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<&coffer_core::audit::AuditEvent> for ActivityView {
    fn from(event: &coffer_core::audit::AuditEvent) -> Self {
        Self {
            id: event.id.clone(),
            time: event.time,
            action: event.action.to_owned(),
            outcome: event.outcome.as_str().to_owned(),
            resource: event.resource.clone(),
            ip: event.ip.clone(),
            user_agent: event.user_agent.clone(),
        }
    }
}

/// A page of the user's activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityView>,
    /// Pass as `?cursor=` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}
