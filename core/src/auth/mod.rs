//! Identity: users, credentials, sessions, rate limits, single-use tokens and the outbox, and
//! [`AuthService`], which holds the business rules. Storage goes only through the Table port, so
//! everything here works on both backends.
//!
//! # Table keys
//!
//! Every access pattern is a get, a conditional write or a query on one partition; nothing scans.
//! Secrets that are only compared (session and single-use tokens) appear only as `digest(token)`
//! (SHA-256, base64url); an email address appears only inside its user's `PROFILE` item (and in
//! the outbox message sent to it): keys use `digest(canonical email)` instead.
//!
//! | pk | sk | gsi1pk / gsi1sk | what | expiry |
//! |---|---|---|---|---|
//! | `USER#<usr_id>` | `PROFILE` | | `{id, email, name, email_verified, created_at, updated_at}`; `version` for optimistic updates | |
//! | `USER#<usr_id>` | `CREDENTIAL` | | `{password_hash (Argon2id PHC string), changed_at}`; `version` binds reset tokens | |
//! | `EMAIL#<digest(email)>` | `EMAIL` | | `{user_id}`: the uniqueness rule, written with `MustNotExist` in the registration transaction | |
//! | `EMAIL#<digest(email)>` | `FAILS#<window start>`, `LOCK`, `LOCKOUTS` | | failed logins this hour, the current lockout, lockouts in the last day; a login reads them and the owner in one query | hour / lockout / day |
//! | `SESSION#<digest(token)>` | `SESSION` | `USER#<usr_id>` / `SESSION#<created ms>#<ses_id>` | `{id, user_id, client, created_at, expires_at, ip, user_agent}`; the index lists a user's sessions oldest first | 30 / 90 days |
//! | `TOKEN#<digest(token)>` | `VERIFY_EMAIL` or `RESET_PASSWORD` | | `{user_id, binding}`: the email digest, or the credential version, the token was issued for | 24 h / 1 h |
//! | `RATE#<bucket>#<window start>` | `COUNT` | | fixed-window counter (`Table::increment`), e.g. `login-ip#203.0.113.7` | end of window |
//! | `OUTBOX#<usr_id>` | `MSG#<created ms>#<msg_id>` | | `{id, user_id, to, kind, subject, text, created_at}` for admins and tests | the token's lifetime |
//!
//! Audit events are written by [`crate::audit::AuditSink`] (its module documents its keys), in the
//! same transaction as the change they record whenever there is one.
//!
//! # Rules worth knowing
//! - Registering a taken email answers 409: the product chose a clear message over hiding that an
//!   address has an account. Login (401, one Argon2 verification either way, against a dummy hash
//!   for an unknown email), the lockout (keyed by the email, known or not) and the reset request
//!   (202 either way) reveal nothing.
//! - A user keeps at most `max_sessions_per_user` live sessions: each login removes the oldest in
//!   the transaction that adds the new one. Two logins racing may briefly leave one extra, which
//!   the next login removes.

pub mod email;
mod error;
pub mod ids;
pub mod outbox;
pub mod password;
pub mod rate_limit;
mod service;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use email::Email;
pub use error::AuthError;
pub use ids::{SessionId, UserId};
pub use outbox::{Outbox, OutboxError, OutboxMessage, TableOutbox};
pub use password::{PasswordHasher, PasswordPolicy};
pub use rate_limit::Quota;
pub use secrecy::{ExposeSecret, SecretString};
pub use service::{AuthService, Limited, LoginSuccess, ProfileUpdate, Registration};
pub use sessions::{ClientKind, Session, SessionStore};
pub use users::{DisplayName, Profile};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// The SHA-256 of a secret or an identifier, base64url without padding: what keys hold instead
/// of the value itself.
pub fn digest(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

/// Whether two digests are equal, in time that does not depend on where they differ.
pub fn digests_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
