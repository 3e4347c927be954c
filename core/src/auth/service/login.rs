//! Login: the credential check (with the lockout it counts towards), the session it opens, and
//! the upgrade of an old password hash.

use secrecy::{ExposeSecret, SecretString};

use super::{AuthService, Failure, HOUR, Limited};
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::auth::password::MAX_PASSWORD_BYTES;
use crate::auth::rate_limit::{LockoutPolicy, ip_bucket};
use crate::auth::sessions::{ClientKind, NewSession, Session};
use crate::auth::users::{Account, Credential, Profile};
use crate::auth::{AuthError, Email, UserId};
use crate::store::schema::RateBucket;
use crate::store::{Condition, TxOp};

/// A successful login: the token exists only here.
#[derive(Debug)]
pub struct LoginSuccess {
    pub token: SecretString,
    pub session: Session,
    pub profile: Profile,
}

impl AuthService {
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
        let ip = ip_bucket(origin.ip);
        self.within_quota(
            "auth.login",
            RateBucket::LoginIp(&ip),
            self.settings.login_per_ip_per_hour,
            HOUR,
            origin,
            self.login_unlimited(email, password, client, origin),
        )
        .await
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
        let email_digest = email.digest();
        let lockout = self.lockout();
        let (owner, items) = self.users.login_identity(email).await?;
        let standing = self.limits.standing_of(&email_digest, &items, &lockout);
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
                    .credential_check_failed(&email_digest, &lockout, failure, origin)
                    .await);
            }
        };
        let user = account.profile.value.id.clone();
        if verification.needs_rehash {
            self.upgrade_hash(&account, &password).await;
        }
        let clear_failures =
            (standing.failures > 0).then(|| self.limits.clear_failures_op(&email_digest, &lockout));
        let new = self
            .open_session(&user, client, origin, clear_failures)
            .await?;
        tracing::info!(user_id = %user, session_id = %new.session.id, "logged in");
        Ok(LoginSuccess {
            token: new.token,
            session: new.session,
            profile: account.profile.value,
        })
    }

    /// Counts a failed credential check towards the address's lockout, audits it, and gives
    /// the error to answer.
    pub(super) async fn credential_check_failed(
        &self,
        email_digest: &str,
        lockout: &LockoutPolicy,
        failure: Failure<'_>,
        origin: &RequestOrigin,
    ) -> AuthError {
        match self.limits.record_failure(email_digest, lockout).await {
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
    /// login. Not audited: the password is the same.
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
                    Condition::VersionEquals(version),
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

    /// Writes a new session with the removal of the oldest ones past the limit (each audited)
    /// and `extra` (forgetting the failed logins), in one change; a lost race reads again.
    async fn open_session(
        &self,
        user: &UserId,
        client: ClientKind,
        origin: &RequestOrigin,
        extra: Option<TxOp>,
    ) -> Result<NewSession, AuthError> {
        let ttl = match client {
            ClientKind::Web => self.settings.web_session_ttl,
            ClientKind::Cli => self.settings.cli_session_ttl,
        };
        let extra = &extra;
        retrying(|| async move {
            let new = self.sessions.issue(user, client, ttl, origin)?;
            let live = self.sessions.list(user).await?;
            let surplus = (live.len() + 1).saturating_sub(self.settings.max_sessions_per_user);
            let event = self.user_event("auth.login", user, &new.session.id, origin)?;
            let mut change = Change::new(event)
                .op(self.sessions.put_op(&new.session))
                .ops(extra.clone());
            for old in live.iter().take(surplus) {
                change = change
                    .op(self.sessions.delete_op(old))
                    .also(self.user_event("auth.session.revoke", user, &old.id, origin)?);
            }
            change.commit(&*self.table).await?;
            Ok(new)
        })
        .await
    }
}
