//! Password reset by mail: a single-use code bound to the credential's version.

use secrecy::{ExposeSecret, SecretString};

use super::{AuthService, HOUR, personal_inputs};
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::auth::outbox::MessageKind;
use crate::auth::tokens::Purpose;
use crate::auth::{AuthError, Email};
use crate::store::schema::RateBucket;

/// Reset emails sent to one address per hour; further requests still answer 202 but send nothing.
const RESET_EMAILS_PER_HOUR: u32 = 5;

impl AuthService {
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
            let digest = email.digest();
            let quota = self
                .limits
                .hit(RateBucket::ResetEmail(&digest), RESET_EMAILS_PER_HOUR, HOUR)
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
            Change::new(event).op(put).commit(&*self.table).await?;
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
        let change = Change::new(self.user_event(
            "auth.password.reset",
            &profile.id,
            &profile.id,
            origin,
        )?)
        // Spent by someone else meanwhile: the token is no longer valid.
        .op_or(record.spend_op(), AuthError::InvalidToken);
        // A credential changed since it was read voids the token bound to its version.
        self.replace_credential(
            change,
            &account,
            password_hash,
            AuthError::InvalidToken,
            None,
            origin,
        )
        .await?
        .op(self.limits.unlock_op(&profile.email.digest()))
        .commit(&*self.table)
        .await?;
        tracing::info!(user_id = %profile.id, "password reset");
        Ok(())
    }
}
