//! The business rules of identity. Handlers call these methods with parsed input; these call the
//! stores, which call the Table port.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::outbox::{MessageKind, Outbox, OutboxMessage, SesOutbox, TableOutbox};
use super::password::{MAX_PASSWORD_BYTES, PasswordHasher, PasswordPolicy, secrets_equal};
use super::rate_limit::{LockoutPolicy, Quota, RateLimiter, ip_bucket};
use super::sessions::{ClientKind, NewSession, Session, SessionStore};
use super::tokens::{OneTimeTokens, Purpose};
use super::users::{
    Account, Credential, DisplayName, Profile, UserStore, Versioned, email_partition,
};
use super::{AuthError, Email, SessionId, UserId};
use crate::audit::{AuditEvent, AuditSink, Outcome, RequestOrigin};
use crate::backends::Ports;
use crate::clock::Clock;
use crate::settings::{AuthSettings, Backend, Settings};
use crate::store::{StoreError, Table, TxOp};

const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);
/// Reset emails sent to one address per hour; further requests still answer 202 but send nothing.
const RESET_EMAILS_PER_HOUR: u32 = 5;
/// Verification emails a user may ask for per hour.
const VERIFY_EMAILS_PER_HOUR: u32 = 5;
/// Rounds of an optimistic update before giving up with a conflict.
const ATTEMPTS: usize = 3;

/// A registration, parsed.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub password: SecretString,
    pub name: Option<DisplayName>,
}

/// A successful login: the token exists only here.
#[derive(Debug)]
pub struct LoginSuccess {
    pub token: SecretString,
    pub session: Session,
    pub profile: Profile,
}

/// A profile change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub name: Option<Option<DisplayName>>,
}

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
}

impl AuthService {
    /// The service on `table` with a table-only outbox (add a sender with [`Self::with_sender`]).
    pub fn new(
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
        settings: &AuthSettings,
    ) -> Result<Self, AuthError> {
        Ok(Self {
            policy: PasswordPolicy::new(settings.password_min_length),
            hasher: PasswordHasher::from_settings(settings)?,
            users: UserStore::new(Arc::clone(&table)),
            sessions: SessionStore::new(Arc::clone(&table), Arc::clone(&clock)),
            limits: RateLimiter::new(Arc::clone(&table), Arc::clone(&clock)),
            tokens: OneTimeTokens::new(Arc::clone(&table)),
            outbox: TableOutbox::new(Arc::clone(&table)),
            audit: AuditSink::new(Arc::clone(&table), Arc::clone(&clock)),
            settings: settings.clone(),
            table,
            clock,
        })
    }

    /// The service the settings ask for: on AWS with `COFFER_SES_FROM_ADDRESS`, messages are
    /// also sent through SES v2. Makes no network call.
    pub async fn from_settings(settings: &Settings, ports: &Ports) -> Result<Self, AuthError> {
        let service = Self::new(
            Arc::clone(&ports.table),
            Arc::clone(&ports.clock),
            &settings.auth,
        )?;
        match (&settings.backend, &settings.auth.ses_from_address) {
            (Backend::Aws, Some(from)) => {
                let config = crate::aws::sdk_config(settings).await;
                Ok(service.with_sender(Arc::new(SesOutbox::new(&config, from.clone()))))
            }
            _ => Ok(service),
        }
    }

    /// Sends every message through `sender` too, after recording it.
    pub fn with_sender(mut self, sender: Arc<dyn Outbox>) -> Self {
        self.outbox = self.outbox.with_sender(sender);
        self
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

    /// Records an event on its own; a failure is logged, not returned, because the reply is
    /// already decided (used only for refusals, which change nothing else).
    async fn record(&self, event: AuditEvent) {
        if let Err(err) = self.audit.record(&event).await {
            tracing::error!(error = %err, action = event.action, "audit event not written");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Registration and login
    // ------------------------------------------------------------------------------------------

    /// Creates a user: 422 for a weak password (not counted); then 5 a day per client IP; 409
    /// for a taken email (decided by the conditional write, so that concurrent registrations
    /// give one winner).
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip))]
    pub async fn register(
        &self,
        registration: Registration,
        origin: &RequestOrigin,
    ) -> Limited<Profile> {
        // A refused password does not use up the day's registrations.
        let personal = personal_inputs(&registration.email, registration.name.as_ref());
        if let Err(reasons) = self.policy.check(&registration.password, &personal) {
            return Limited {
                quota: None,
                outcome: Err(AuthError::WeakPassword {
                    field: "password",
                    reasons,
                }),
            };
        }
        let bucket = format!("register-ip#{}", ip_bucket(origin.ip));
        let limit = self.settings.register_per_ip_per_day;
        self.within_quota(
            "auth.register",
            &bucket,
            limit,
            DAY,
            origin,
            self.register_unlimited(registration, origin),
        )
        .await
    }

    async fn register_unlimited(
        &self,
        registration: Registration,
        origin: &RequestOrigin,
    ) -> Result<Profile, AuthError> {
        let Registration {
            email,
            password,
            name,
        } = registration;
        if self.users.id_by_email(&email).await?.is_some() {
            self.record(self.event("auth.register", Outcome::Failure, origin)?)
                .await;
            return Err(AuthError::EmailTaken);
        }
        let password_hash = self.hasher.hash(&password).await?;
        for _ in 0..ATTEMPTS {
            let now = self.clock.now();
            let profile = Profile {
                id: UserId::generate(now)?,
                email: email.clone(),
                name: name.clone(),
                email_verified: false,
                created_at: now,
                updated_at: now,
            };
            let credential = Credential {
                password_hash: password_hash.clone(),
                changed_at: now,
            };
            let event = self
                .event("auth.register", Outcome::Success, origin)?
                .actor(&profile.id)
                .resource(&profile.id);
            let mut ops = self.users.create_ops(&profile, &credential);
            ops.push(self.audit.put_op(&event));
            match self.table.transact(ops).await {
                Ok(()) => {
                    tracing::info!(user_id = %profile.id, "user registered");
                    return Ok(profile);
                }
                // Op 0 is the email item: someone else registered the address first.
                Err(StoreError::TransactionFailed { failed }) if failed.contains(&0) => break,
                Err(StoreError::Conflict) if self.users.id_by_email(&email).await?.is_some() => {
                    break;
                }
                Err(StoreError::Conflict | StoreError::TransactionFailed { .. }) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        self.record(self.event("auth.register", Outcome::Failure, origin)?)
            .await;
        Err(AuthError::EmailTaken)
    }

    /// Opens a session: 100 attempts an hour per client IP, 10 failures an hour per account
    /// (then a lockout that lengthens each time), one Argon2 verification whether or not the
    /// email has an account, and one answer for every kind of failure.
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip, client = client.as_str()))]
    pub async fn login(
        &self,
        email: &Email,
        password: SecretString,
        client: ClientKind,
        origin: &RequestOrigin,
    ) -> Limited<LoginSuccess> {
        let bucket = format!("login-ip#{}", ip_bucket(origin.ip));
        let limit = self.settings.login_per_ip_per_hour;
        let work = self.login_unlimited(email, password, client, origin);
        self.within_quota("auth.login", &bucket, limit, HOUR, origin, work)
            .await
    }

    /// Counts the request against `bucket`'s quota and runs `work` only if the quota allows; a
    /// refusal is audited as `denied` under `action`.
    async fn within_quota<T>(
        &self,
        action: &'static str,
        bucket: &str,
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

    async fn login_unlimited(
        &self,
        email: &Email,
        password: SecretString,
        client: ClientKind,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, AuthError> {
        if password.expose_secret().len() > MAX_PASSWORD_BYTES {
            return Err(AuthError::Invalid {
                field: "password",
                message: format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
            });
        }
        let account_key = email_partition(email);
        let lockout = self.lockout();
        let (owner, items) = self.users.login_identity(email).await?;
        let standing = self.limits.standing_of(&items, &lockout);
        if let Some(retry_after) = standing.locked_for {
            self.record(self.event("auth.login", Outcome::Denied, origin)?)
                .await;
            return Err(AuthError::Locked { retry_after });
        }
        let account = match owner {
            Some(id) => self.users.account(&id).await?,
            None => None,
        };
        let stored = account
            .as_ref()
            .map(|a| a.credential.value.password_hash.as_str());
        let verification = self.hasher.verify(&password, stored).await?;
        let account = match account {
            Some(account) if verification.matches => account,
            other => {
                let failure = Failure {
                    action: "auth.login",
                    error: AuthError::InvalidCredentials,
                    actor: None,
                    resource: other.as_ref().map(|a| &a.profile.value.id),
                };
                return Err(self
                    .credential_check_failed(&account_key, &lockout, failure, origin)
                    .await);
            }
        };
        let user = account.profile.value.id.clone();
        if verification.needs_rehash {
            self.upgrade_hash(&account, &password).await;
        }
        let mut extra = Vec::new();
        if standing.failures > 0 {
            extra.push(self.limits.clear_failures_op(&account_key, &lockout));
        }
        let new = self.open_session(&user, client, origin, extra).await?;
        tracing::info!(user_id = %user, session_id = %new.session.id, "logged in");
        Ok(LoginSuccess {
            token: new.token,
            session: new.session,
            profile: account.profile.value,
        })
    }

    /// Counts a failed credential check towards the account's lockout, audits it, and gives
    /// the error to answer.
    async fn credential_check_failed(
        &self,
        account_key: &str,
        lockout: &LockoutPolicy,
        failure: Failure<'_>,
        origin: &RequestOrigin,
    ) -> AuthError {
        match self.limits.record_failure(account_key, lockout).await {
            Ok(Some(length)) => tracing::warn!(
                lockout_seconds = length.as_secs(),
                "account locked after failed logins"
            ),
            Ok(None) => {}
            Err(err) => return err,
        }
        match self.event(failure.action, Outcome::Failure, origin) {
            Ok(mut event) => {
                event.actor = failure.actor.map(ToString::to_string);
                event.resource = failure.resource.map(ToString::to_string);
                self.record(event).await;
                failure.error
            }
            Err(err) => err,
        }
    }

    /// Rehashes with the current parameters; a lost race or a failure only waits for the next
    /// login.
    async fn upgrade_hash(&self, account: &Account, password: &SecretString) {
        let user = &account.profile.value.id;
        let result = async {
            let password_hash = self.hasher.hash(password).await?;
            let credential = Credential {
                password_hash,
                changed_at: account.credential.value.changed_at,
            };
            let version = account.credential.version;
            self.table
                .put(
                    credential.to_item(user, version + 1),
                    crate::store::Condition::VersionEquals(version),
                )
                .await?;
            Ok::<_, AuthError>(())
        }
        .await;
        match result {
            Ok(()) => {
                tracing::info!(user_id = %user, "password hash upgraded to the current parameters")
            }
            Err(err) => tracing::warn!(user_id = %user, error = %err, "password hash not upgraded"),
        }
    }

    /// Writes a new session, with the removal of the oldest ones past the limit, `extra` writes
    /// and the audit events, in one transaction.
    async fn open_session(
        &self,
        user: &UserId,
        client: ClientKind,
        origin: &RequestOrigin,
        extra: Vec<TxOp>,
    ) -> Result<NewSession, AuthError> {
        let ttl = match client {
            ClientKind::Web => self.settings.web_session_ttl,
            ClientKind::Cli => self.settings.cli_session_ttl,
        };
        let new = self.sessions.issue(user, client, ttl, origin)?;
        let live = self.sessions.list(user).await?;
        let surplus = (live.len() + 1).saturating_sub(self.settings.max_sessions_per_user);
        let mut ops = vec![self.sessions.put_op(&new.session)];
        for old in live.iter().take(surplus) {
            ops.push(self.sessions.delete_op(old));
            let event = self
                .event("auth.session.revoke", Outcome::Success, origin)?
                .actor(user)
                .resource(&old.id);
            ops.push(self.audit.put_op(&event));
        }
        ops.extend(extra);
        let event = self
            .event("auth.login", Outcome::Success, origin)?
            .actor(user)
            .resource(&new.session.id);
        ops.push(self.audit.put_op(&event));
        self.table.transact(ops).await?;
        Ok(new)
    }

    // ------------------------------------------------------------------------------------------
    // Profile and sessions
    // ------------------------------------------------------------------------------------------

    /// The user's profile; a session whose user is gone is no session.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn profile(&self, user: &UserId) -> Result<Profile, AuthError> {
        Ok(self
            .users
            .profile(user)
            .await?
            .ok_or(AuthError::Unauthenticated)?
            .value)
    }

    /// Changes the profile with an optimistic write (retried on a race).
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn update_profile(
        &self,
        user: &UserId,
        update: ProfileUpdate,
        origin: &RequestOrigin,
    ) -> Result<Profile, AuthError> {
        for _ in 0..ATTEMPTS {
            let Versioned { mut value, version } = self
                .users
                .profile(user)
                .await?
                .ok_or(AuthError::Unauthenticated)?;
            if let Some(name) = update.name.clone() {
                value.name = name;
            }
            value.updated_at = self.clock.now();
            let event = self
                .event("auth.profile.update", Outcome::Success, origin)?
                .actor(user)
                .resource(user);
            let ops = vec![
                TxOp::Put {
                    item: value.to_item(version + 1),
                    condition: crate::store::Condition::VersionEquals(version),
                },
                self.audit.put_op(&event),
            ];
            match self.table.transact(ops).await {
                Ok(()) => return Ok(value),
                Err(StoreError::TransactionFailed { .. } | StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(AuthError::ConcurrentChange)
    }

    /// Ends the caller's session.
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id, session_id = %session.id))]
    pub async fn logout(&self, session: &Session, origin: &RequestOrigin) -> Result<(), AuthError> {
        let event = self
            .event("auth.logout", Outcome::Success, origin)?
            .actor(&session.user_id)
            .resource(&session.id);
        self.table
            .transact(vec![
                self.sessions.delete_op(session),
                self.audit.put_op(&event),
            ])
            .await?;
        Ok(())
    }

    /// The user's live sessions, oldest first.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list_sessions(&self, user: &UserId) -> Result<Vec<Session>, AuthError> {
        self.sessions.list(user).await
    }

    /// Revokes one of the user's sessions; another user's session id is not found.
    #[tracing::instrument(skip_all, fields(user_id = %user, session_id = %id))]
    pub async fn revoke_session(
        &self,
        user: &UserId,
        id: &SessionId,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let sessions = self.sessions.list(user).await?;
        let session = sessions
            .iter()
            .find(|s| &s.id == id)
            .ok_or(AuthError::SessionNotFound)?;
        let event = self
            .event("auth.session.revoke", Outcome::Success, origin)?
            .actor(user)
            .resource(id);
        self.table
            .transact(vec![
                self.sessions.delete_op(session),
                self.audit.put_op(&event),
            ])
            .await?;
        Ok(())
    }

    // ------------------------------------------------------------------------------------------
    // Passwords
    // ------------------------------------------------------------------------------------------

    /// Changes the password given the current one; every other session of the user ends. A
    /// wrong current password counts towards the account's lockout, like a failed login.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn change_password(
        &self,
        user: &UserId,
        current_session: Option<&Session>,
        current: SecretString,
        new: SecretString,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let account = self
            .users
            .account(user)
            .await?
            .ok_or(AuthError::Unauthenticated)?;
        let profile = &account.profile.value;
        let personal = personal_inputs(&profile.email, profile.name.as_ref());
        let mut reasons = self.policy.check(&new, &personal).err().unwrap_or_default();
        if secrets_equal(&current, &new) {
            reasons.push("must differ from the current password".to_owned());
        }
        if !reasons.is_empty() {
            return Err(AuthError::WeakPassword {
                field: "new_password",
                reasons,
            });
        }
        let account_key = email_partition(&profile.email);
        let lockout = self.lockout();
        if let Some(retry_after) = self
            .limits
            .standing(&account_key, &lockout)
            .await?
            .locked_for
        {
            return Err(AuthError::Locked { retry_after });
        }
        let stored = account.credential.value.password_hash.as_str();
        if !self.hasher.verify(&current, Some(stored)).await?.matches {
            let failure = Failure {
                action: "auth.password.change",
                error: AuthError::WrongPassword,
                actor: Some(user),
                resource: Some(user),
            };
            return Err(self
                .credential_check_failed(&account_key, &lockout, failure, origin)
                .await);
        }
        let password_hash = self.hasher.hash(&new).await?;
        let keep = current_session.map(|s| &s.id);
        let mut ops = self
            .replace_credential_ops(&account, password_hash, keep, origin)
            .await?;
        let event = self
            .event("auth.password.change", Outcome::Success, origin)?
            .actor(user)
            .resource(user);
        ops.push(self.audit.put_op(&event));
        match self.table.transact(ops).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionFailed { .. } | StoreError::Conflict) => {
                Err(AuthError::ConcurrentChange)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The writes that store a new password hash (if the credential is still at the version
    /// read) and end every session of the user but `keep`, each with its audit event.
    async fn replace_credential_ops(
        &self,
        account: &Account,
        password_hash: String,
        keep: Option<&SessionId>,
        origin: &RequestOrigin,
    ) -> Result<Vec<TxOp>, AuthError> {
        let user = &account.profile.value.id;
        let credential = Credential {
            password_hash,
            changed_at: self.clock.now(),
        };
        let version = account.credential.version;
        let mut ops = vec![TxOp::Put {
            item: credential.to_item(user, version + 1),
            condition: crate::store::Condition::VersionEquals(version),
        }];
        for session in self.sessions.list(user).await? {
            if Some(&session.id) == keep {
                continue;
            }
            ops.push(self.sessions.delete_op(&session));
            let event = self
                .event("auth.session.revoke", Outcome::Success, origin)?
                .actor(user)
                .resource(&session.id);
            ops.push(self.audit.put_op(&event));
        }
        Ok(ops)
    }

    /// Sends a reset link if the address has an account. Answers the same either way; an
    /// error after the look-up is logged, not returned, so that it cannot tell either.
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip))]
    pub async fn request_password_reset(
        &self,
        email: &Email,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let user = self.users.id_by_email(email).await?;
        let result = async {
            let quota = self
                .limits
                .hit(&format!("reset-email#{}", email.digest()), RESET_EMAILS_PER_HOUR, HOUR)
                .await?;
            let Some(user) = user.filter(|_| !quota.exceeded) else {
                let outcome = if quota.exceeded { Outcome::Denied } else { Outcome::Failure };
                self.record(self.event("auth.password.reset_request", outcome, origin)?).await;
                return Ok(());
            };
            let account = self.users.account(&user).await?.ok_or(AuthError::Unauthenticated)?;
            let now = self.clock.now();
            let ttl = self.settings.reset_token_ttl;
            let binding = account.credential.version.to_string();
            let (token, put) = self.tokens.issue(Purpose::ResetPassword, &user, &binding, now, ttl)?;
            let event = self
                .event("auth.password.reset_request", Outcome::Success, origin)?
                .resource(&user);
            self.table.transact(vec![put, self.audit.put_op(&event)]).await?;
            let text = format!(
                "Someone asked to reset the password of your Coffer account.\n\n\
                 Your reset code: {}\n\n\
                 Send it with a new password to POST /v1/auth/password/reset/confirm within {} minutes.\n\
                 If this was not you, ignore this message: your password stays as it is.\n",
                token.expose_secret(),
                ttl.as_secs() / 60,
            );
            self.send(&account.profile.value, MessageKind::ResetPassword, "Reset your Coffer password", text, ttl)
                .await
        }
        .await;
        if let Err(err) = result {
            tracing::error!(error = %err, "password reset request failed after the look-up; answering 202");
        }
        Ok(())
    }

    /// Sets a new password with a reset token; the token is spent and every session ends.
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip))]
    pub async fn confirm_password_reset(
        &self,
        token: &SecretString,
        new: SecretString,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let Some(record) = self.tokens.find(Purpose::ResetPassword, token).await? else {
            self.record(self.event("auth.password.reset", Outcome::Failure, origin)?)
                .await;
            return Err(AuthError::InvalidToken);
        };
        let account = self
            .users
            .account(&record.user_id)
            .await?
            .ok_or(AuthError::InvalidToken)?;
        if record.binding != account.credential.version.to_string() {
            // The password changed since the token was issued.
            return Err(AuthError::InvalidToken);
        }
        let profile = &account.profile.value;
        if let Err(reasons) = self.policy.check(
            &new,
            &personal_inputs(&profile.email, profile.name.as_ref()),
        ) {
            return Err(AuthError::WeakPassword {
                field: "new_password",
                reasons,
            });
        }
        let password_hash = self.hasher.hash(&new).await?;
        let mut ops = vec![record.spend_op()];
        ops.extend(
            self.replace_credential_ops(&account, password_hash, None, origin)
                .await?,
        );
        ops.push(self.limits.unlock_op(&email_partition(&profile.email)));
        let event = self
            .event("auth.password.reset", Outcome::Success, origin)?
            .actor(&profile.id)
            .resource(&profile.id);
        ops.push(self.audit.put_op(&event));
        match self.table.transact(ops).await {
            Ok(()) => {
                tracing::info!(user_id = %profile.id, "password reset");
                Ok(())
            }
            Err(StoreError::TransactionFailed { .. }) => Err(AuthError::InvalidToken),
            Err(StoreError::Conflict) => Err(AuthError::ConcurrentChange),
            Err(err) => Err(err.into()),
        }
    }

    // ------------------------------------------------------------------------------------------
    // Email verification
    // ------------------------------------------------------------------------------------------

    /// Sends the user a verification code (5 an hour).
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn request_email_verification(
        &self,
        user: &UserId,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let profile = self.profile(user).await?;
        if profile.email_verified {
            return Err(AuthError::AlreadyVerified);
        }
        self.limits
            .hit(&format!("verify-user#{user}"), VERIFY_EMAILS_PER_HOUR, HOUR)
            .await?
            .check()?;
        let now = self.clock.now();
        let ttl = self.settings.verify_token_ttl;
        let (token, put) = self.tokens.issue(
            Purpose::VerifyEmail,
            user,
            &profile.email.digest(),
            now,
            ttl,
        )?;
        let event = self
            .event("auth.email.verify_request", Outcome::Success, origin)?
            .actor(user)
            .resource(user);
        self.table
            .transact(vec![put, self.audit.put_op(&event)])
            .await?;
        let text = format!(
            "Confirm that this address belongs to your Coffer account.\n\n\
             Your verification code: {}\n\n\
             Send it to POST /v1/auth/email/verify/confirm within {} hours.\n",
            token.expose_secret(),
            ttl.as_secs() / 3_600,
        );
        self.send(
            &profile,
            MessageKind::VerifyEmail,
            "Verify your email address for Coffer",
            text,
            ttl,
        )
        .await
    }

    /// Marks the email verified with a verification token, which is spent.
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip))]
    pub async fn confirm_email_verification(
        &self,
        token: &SecretString,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let Some(record) = self.tokens.find(Purpose::VerifyEmail, token).await? else {
            self.record(self.event("auth.email.verify", Outcome::Failure, origin)?)
                .await;
            return Err(AuthError::InvalidToken);
        };
        for _ in 0..ATTEMPTS {
            let Versioned { mut value, version } = self
                .users
                .profile(&record.user_id)
                .await?
                .ok_or(AuthError::InvalidToken)?;
            if record.binding != value.email.digest() {
                return Err(AuthError::InvalidToken);
            }
            value.email_verified = true;
            value.updated_at = self.clock.now();
            let event = self
                .event("auth.email.verify", Outcome::Success, origin)?
                .actor(&value.id)
                .resource(&value.id);
            let ops = vec![
                record.spend_op(),
                TxOp::Put {
                    item: value.to_item(version + 1),
                    condition: crate::store::Condition::VersionEquals(version),
                },
                self.audit.put_op(&event),
            ];
            match self.table.transact(ops).await {
                Ok(()) => return Ok(()),
                // Op 0 is the token: spent by someone else.
                Err(StoreError::TransactionFailed { failed }) if failed.contains(&0) => {
                    return Err(AuthError::InvalidToken);
                }
                Err(StoreError::TransactionFailed { .. } | StoreError::Conflict) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(AuthError::ConcurrentChange)
    }

    async fn send(
        &self,
        to: &Profile,
        kind: MessageKind,
        subject: &str,
        text: String,
        ttl: Duration,
    ) -> Result<(), AuthError> {
        let now = self.clock.now();
        let message = OutboxMessage {
            id: format!(
                "msg_{}",
                super::ids::ulid_at(now)?.to_string().to_lowercase()
            ),
            recipient: to.id.to_string(),
            to: to.email.clone(),
            kind,
            subject: subject.to_owned(),
            text,
            created_at: now,
            expires_at: now + ttl,
        };
        self.outbox.deliver(&message).await?;
        Ok(())
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
