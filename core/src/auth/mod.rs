//! Identity: users, credentials, sessions, rate limits, single-use tokens and the outbox, and
//! [`AuthService`], which holds the business rules. Storage goes only through the Table port, so
//! everything here works on both backends.
//!
//! # Table keys
//!
//! Every access pattern is a get, a conditional write or a query on one partition; nothing scans.
//! Every key comes from [`crate::store::schema`] (its `LAYOUT` documents them: `docs/keys.md`).
//! Secrets that are only compared (session and single-use tokens) appear only as their digest;
//! an email address appears only inside its user's profile (and in the outbox message sent to
//! it): keys use its keyed digest instead ([`EmailIndex`]: HMAC-SHA256 under a key from the key
//! ring, so a dump of the table does not confirm which addresses have accounts). Failed logins,
//! the lock and the lockout count live in the address's partition next to its claim, so a login
//! reads them in one query.
//!
//! Every change is one [`crate::audit::Change`]: its writes and the audit events that record
//! them in one transaction, failed conditions mapped to [`AuthError`]s, races retried by
//! [`crate::audit::retrying`]. Refusals that change nothing (a failed login) are audited on
//! their own.
//!
//! # Rules worth knowing
//! - Registering a taken email answers 409: the product chose a clear message over hiding that an
//!   address has an account. Login (401, one Argon2 verification either way, against a dummy hash
//!   for an unknown email), the lockout (keyed by the email, known or not) and the reset request
//!   (202 either way) reveal nothing.
//! - A user keeps at most `max_sessions_per_user` live sessions, however many logins race: each
//!   session holds one of the user's places, taken in the login's transaction (the oldest
//!   session gives its place up).

pub mod email;
pub mod email_index;
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
pub use email_index::{EmailDigest, EmailIndex, EmailIndexError};
pub use error::AuthError;
pub use ids::{SessionId, UserId};
pub use outbox::{MailSender, Mailer, OutboxError, OutboxMessage, TableOutbox};
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
/// of the value itself. Only for values an attacker cannot list (random tokens): email
/// addresses go through [`EmailIndex`].
pub fn digest(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

/// Whether two digests are equal, in time that does not depend on where they differ.
pub fn digests_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
