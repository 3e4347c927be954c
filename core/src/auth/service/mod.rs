//! [`AuthService`]: the business rules of identity, one file per concern. Handlers call these
//! methods with parsed input; these read through the stores and write every change as one
//! audited [`crate::audit::Change`].
//!
//! | file | what |
//! |---|---|
//! | `register.rs` | registration |
//! | `login.rs` | login, the session it opens, failed credential checks, hash upgrades |
//! | `profile.rs` | reading and changing the profile |
//! | `sessions.rs` | logout, listing and revoking sessions |
//! | `password.rs` | changing the password |
//! | `reset.rs` | password reset by mail |
//! | `verification.rs` | email verification (and the org invitations it accepts) |

mod activity;
mod login;
mod password;
mod profile;
mod register;
mod reset;
mod sessions;
mod verification;

use std::sync::Arc;
use std::time::Duration;

use super::outbox::{MessageKind, OutboxMessage, TableOutbox};
use super::password::{PasswordHasher, PasswordPolicy};
use super::rate_limit::{LockoutPolicy, Quota, RateLimiter};
use super::sessions::SessionStore;
use super::tokens::OneTimeTokens;
use super::users::{DisplayName, UserStore};
use super::{AuthError, Email, EmailDigest, EmailIndex, UserId};
use crate::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use crate::backends::Ports;
use crate::clock::Clock;
use crate::http::{ApiError, GroupService};
use crate::keys::KeyRing;
use crate::orgs::OrgsService;
use crate::settings::{AuthSettings, Settings};
use crate::store::schema::RateBucket;
use crate::store::{Table, TxOp};

pub use login::LoginSuccess;
pub use profile::ProfileUpdate;
pub use register::Registration;

const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

/// The outcome of a rate-limited operation, with the quota the reply's headers report even when
/// the operation failed.
#[derive(Debug)]
pub struct Limited<T> {
    pub quota: Option<Quota>,
    pub outcome: Result<T, AuthError>,
}

/// Identity's rules over the table, the password hasher and the outbox.
#[derive(Debug)]
pub struct AuthService {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    settings: AuthSettings,
    policy: PasswordPolicy,
    hasher: PasswordHasher,
    users: UserStore,
    sessions: SessionStore,
    limits: RateLimiter,
    tokens: OneTimeTokens,
    outbox: TableOutbox,
    audit: AuditSink,
    /// The keyed digests of addresses that keys hold (shared with `orgs`).
    emails: EmailIndex,
    /// Accepts an address's pending invitations once it is verified.
    orgs: OrgsService,
}

impl AuthService {
    /// The service on `table`; outbox messages are sealed under data keys from `keys`, and the
    /// email-index key is wrapped by it. Makes no I/O.
    pub fn new(
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
        keys: Arc<dyn KeyRing>,
        settings: &Settings,
    ) -> Result<Self, AuthError> {
        let auth = &settings.auth;
        let emails = EmailIndex::new(Arc::clone(&table), Arc::clone(&keys));
        Ok(Self {
            policy: PasswordPolicy::new(auth.password_min_length),
            hasher: PasswordHasher::from_settings(auth)?,
            users: UserStore::new(Arc::clone(&table)),
            sessions: SessionStore::new(Arc::clone(&table), Arc::clone(&clock)),
            limits: RateLimiter::new(Arc::clone(&table), Arc::clone(&clock)),
            tokens: OneTimeTokens::new(Arc::clone(&table)),
            outbox: TableOutbox::new(Arc::clone(&table), Arc::clone(&keys)),
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            orgs: OrgsService::with_email_index(
                Arc::clone(&table),
                Arc::clone(&clock),
                keys,
                emails.clone(),
                &settings.orgs,
            ),
            emails,
            settings: auth.clone(),
            table,
            clock,
        })
    }

    /// The service the settings ask for. Sends no mail itself: messages go to the outbox, and
    /// the `mailer` sends them. Makes no network call.
    pub async fn from_settings(settings: &Settings, ports: &Ports) -> Result<Self, AuthError> {
        Self::new(
            Arc::clone(&ports.table),
            Arc::clone(&ports.clock),
            Arc::clone(&ports.keys),
            settings,
        )
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// The recorded messages (admins and tests read them here).
    pub fn outbox(&self) -> &TableOutbox {
        &self.outbox
    }

    pub fn audit(&self) -> &AuditSink {
        &self.audit
    }

    pub fn sessions(&self) -> &SessionStore {
        &self.sessions
    }

    /// The keyed digest of `email`: its key in the table.
    async fn email_digest(&self, email: &Email) -> Result<EmailDigest, AuthError> {
        Ok(self.emails.digest(email).await?)
    }

    fn lockout(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.settings.login_failures_per_account_per_hour,
            window: HOUR,
            base: self.settings.lockout_base,
            max: self.settings.lockout_max,
        }
    }

    fn event(
        &self,
        action: &'static str,
        outcome: Outcome,
        origin: &RequestOrigin,
    ) -> Result<AuditEvent, AuthError> {
        Ok(self.audit.event(action, outcome, origin)?)
    }

    /// A successful `action` by `user` on `resource`.
    fn user_event(
        &self,
        action: &'static str,
        user: &UserId,
        resource: impl std::fmt::Display,
        origin: &RequestOrigin,
    ) -> Result<AuditEvent, AuthError> {
        Ok(self
            .event(action, Outcome::Success, origin)?
            .actor(user)
            .resource(resource))
    }

    /// Records an event on its own; a failure is logged, not returned, because the reply is
    /// already decided (used only for refusals, which change nothing else).
    async fn record(&self, event: AuditEvent) {
        if let Err(err) = self.audit.record(&event).await {
            tracing::error!(error = %err, action = event.action, "audit event not written");
        }
    }

    /// Counts the request against `bucket`'s quota and runs `work` only if the quota allows; a
    /// refusal is audited as `denied` under `action`.
    async fn within_quota<T>(
        &self,
        action: &'static str,
        bucket: RateBucket<'_>,
        limit: u32,
        window: Duration,
        origin: &RequestOrigin,
        work: impl std::future::Future<Output = Result<T, AuthError>>,
    ) -> Limited<T> {
        let quota = match self.limits.hit(bucket, limit, window).await {
            Ok(quota) => quota,
            Err(err) => {
                return Limited {
                    quota: None,
                    outcome: Err(err),
                };
            }
        };
        let outcome = match quota.check() {
            Ok(()) => work.await,
            Err(err) => {
                if let Ok(event) = self.event(action, Outcome::Denied, origin) {
                    self.record(event).await;
                }
                Err(err)
            }
        };
        Limited {
            quota: Some(quota),
            outcome,
        }
    }

    /// The write that puts a message for `recipient` at `to` into the outbox (sealed), for the
    /// transaction of the change that needs it. A `decoy` is sealed alike and discarded by the
    /// mailer: it is what a request about an unknown address writes instead.
    #[allow(clippy::too_many_arguments)]
    async fn mail_op(
        &self,
        recipient: &UserId,
        to: &Email,
        kind: MessageKind,
        subject: &str,
        text: String,
        ttl: Duration,
        decoy: bool,
    ) -> Result<TxOp, AuthError> {
        let now = self.clock.now();
        let message = OutboxMessage {
            id: format!(
                "msg_{}",
                super::ids::ulid_at(now)?.to_string().to_lowercase()
            ),
            recipient: recipient.to_string(),
            to: to.clone(),
            kind,
            subject: subject.to_owned(),
            text,
            created_at: now,
            expires_at: now + ttl,
        };
        Ok(if decoy {
            self.outbox.decoy_op(&message).await?
        } else {
            self.outbox.put_op(&message).await?
        })
    }
}

/// The `auth` group's service: built once per process from the settings and the ports.
impl GroupService for AuthService {
    async fn build(state: &crate::http::AppState) -> Result<Self, ApiError> {
        Ok(Self::from_settings(&state.settings, &state.ports).await?)
    }

    /// Hashes the dummy password that unknown emails are checked against, so that the first
    /// login after a cold start costs the same for a known and an unknown address. CPU only:
    /// the email-index key is loaded by the first request that needs it (known or unknown
    /// address alike), since nothing at init may wait on the network. A failure is logged; the
    /// first request that needs the hash makes it then.
    async fn warm(&self) {
        if let Err(err) = self.hasher.prepare().await {
            tracing::warn!(error = %err, "dummy password hash not made at start");
        }
    }
}

/// A failed credential check: what to audit and what to answer.
struct Failure<'a> {
    action: &'static str,
    error: AuthError,
    actor: Option<&'a UserId>,
    resource: Option<&'a UserId>,
}

/// What a password must not contain: the address, its local part, the name and its words.
fn personal_inputs<'a>(email: &'a Email, name: Option<&'a DisplayName>) -> Vec<&'a str> {
    let mut inputs = vec![email.as_str(), email.local_part()];
    if let Some(name) = name {
        inputs.push(name.as_str());
        inputs.extend(
            name.as_str()
                .split_whitespace()
                .filter(|word| word.chars().count() >= 4),
        );
    }
    inputs
}
