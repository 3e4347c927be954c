//! Changing the password, and the credential replacement a reset shares.

use secrecy::SecretString;

use super::{AuthService, Failure, personal_inputs};
use crate::audit::{Change, RequestOrigin};
use crate::auth::password::secrets_equal;
use crate::auth::sessions::Session;
use crate::auth::users::{Account, Credential};
use crate::auth::{AuthError, SessionId, UserId};
use crate::store::Condition;

impl AuthService {
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
        let email_digest = profile.email.digest();
        let lockout = self.lockout();
        if let Some(retry_after) = self
            .limits
            .standing(&email_digest, &lockout)
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
                .credential_check_failed(&email_digest, &lockout, failure, origin)
                .await);
        }
        let password_hash = self.hasher.hash(&new).await?;
        let keep = current_session.map(|s| &s.id);
        let change = Change::new(self.user_event("auth.password.change", user, user, origin)?);
        // A credential changed since it was read: another change won; the caller retries.
        self.replace_credential(
            change,
            &account,
            password_hash,
            AuthError::ConcurrentChange,
            keep,
            origin,
        )
        .await?
        .commit(&*self.table)
        .await?;
        Ok(())
    }

    /// Adds to `change` the writes that store a new password hash (refused with `stale` if the
    /// credential is no longer at the version read) and end every session of the user but
    /// `keep`, each with its audit event.
    pub(super) async fn replace_credential(
        &self,
        change: Change<AuthError>,
        account: &Account,
        password_hash: String,
        stale: AuthError,
        keep: Option<&SessionId>,
        origin: &RequestOrigin,
    ) -> Result<Change<AuthError>, AuthError> {
        let user = &account.profile.value.id;
        let credential = Credential {
            password_hash,
            changed_at: self.clock.now(),
        };
        let version = account.credential.version;
        let mut change = change.put_or(
            credential.to_item(user, version + 1),
            Condition::VersionEquals(version),
            stale,
        );
        for session in self.sessions.list(user).await? {
            if Some(&session.id) == keep {
                continue;
            }
            change = change
                .op(self.sessions.delete_op(&session))
                .also(self.user_event("auth.session.revoke", user, &session.id, origin)?);
        }
        Ok(change)
    }
}
