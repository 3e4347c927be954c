//! Password reset by mail: a single-use code bound to the credential's version.

use secrecy::{ExposeSecret, SecretString};

use super::{AuthService, HOUR, personal_inputs};
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::auth::outbox::MessageKind;
use crate::auth::rate_limit::ip_bucket;
use crate::auth::tokens::Purpose;
use crate::auth::{AuthError, Email, UserId};
use crate::store::schema::RateBucket;

impl AuthService {
    /// Sends a reset code if the address has an account, through the outbox. Answers the same
    /// either way and does the same reads and writes either way: for an unknown address it reads
    /// an account that does not exist and writes a decoy token and a sealed decoy message (the
    /// mailer discards it) with its audit event. An error after the look-up is logged, not
    /// returned, so that it cannot tell either. Over the client IP's quota: 429.
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip))]
    pub async fn request_password_reset(
        &self,
        email: &Email,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let ip = ip_bucket(origin.ip);
        let per_ip = self
            .limits
            .hit(
                RateBucket::ResetIp(&ip),
                self.settings.reset_per_ip_per_hour,
                HOUR,
            )
            .await?;
        if let Err(refused) = per_ip.check() {
            self.record(self.event("auth.password.reset_request", Outcome::Denied, origin)?)
                .await;
            return Err(refused);
        }
        let digest = self.email_digest(email).await?;
        let user = self.users.id_by_email(&digest).await?;
        let result = async {
            let quota = self
                .limits
                .hit(
                    RateBucket::ResetEmail(digest.as_str()),
                    self.settings.reset_per_account_per_hour,
                    HOUR,
                )
                .await?;
            if quota.exceeded {
                self.record(self.event("auth.password.reset_request", Outcome::Denied, origin)?)
                    .await;
                return Ok(());
            }
            let now = self.clock.now();
            // An unknown address stands in for a user who does not exist.
            let (target, known) = match &user {
                Some(user) => (user.clone(), true),
                None => (UserId::generate(now)?, false),
            };
            let account = self.users.account(&target).await?;
            let binding = match (&account, known) {
                (Some(account), true) => account.credential.version.to_string(),
                (None, false) => "0".to_owned(),
                _ => return Err(AuthError::Corrupt("account of the email claim")),
            };
            let ttl = self.settings.reset_token_ttl;
            let (token, put) =
                self.tokens.issue(Purpose::ResetPassword, &target, &binding, now, ttl)?;
            let text = format!(
                "Someone asked to reset the password of your Coffer account.\n\n\
                 Your reset code: {}\n\n\
                 Send it with a new password to POST /v1/auth/password/reset/confirm within {} minutes.\n\
                 If this was not you, ignore this message: your password stays as it is.\n",
                token.expose_secret(),
                ttl.as_secs() / 60,
            );
            let mail = self
                .mail_op(
                    &target,
                    email,
                    MessageKind::ResetPassword,
                    "Reset your Coffer password",
                    text,
                    ttl,
                    !known,
                )
                .await?;
            let event = if known {
                self.event("auth.password.reset_request", Outcome::Success, origin)?
                    .resource(&target)
            } else {
                self.event("auth.password.reset_request", Outcome::Failure, origin)?
            };
            Change::new(event).op(put).op(mail).commit(&*self.table).await?;
            Ok::<(), AuthError>(())
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
        let email_digest = self.email_digest(&profile.email).await?;
        let password_hash = self.hasher.hash(&new).await?;
        let unlock = self
            .limits
            .unlock_op(email_digest.as_str(), &self.lockout());
        let (record, unlock) = (&record, &unlock);
        let head = || {
            Ok(Change::new(self.user_event(
                "auth.password.reset",
                &profile.id,
                &profile.id,
                origin,
            )?)
            // Spent by someone else meanwhile: the token is no longer valid.
            .op_or(record.spend_op(), AuthError::InvalidToken)
            .op(unlock.clone()))
        };
        match self
            .replace_credential(head, &account, password_hash, None, origin)
            .await
        {
            // A credential changed since it was read voids the token bound to its version.
            Err(AuthError::CredentialChanged) => return Err(AuthError::InvalidToken),
            other => other?,
        }
        tracing::info!(user_id = %profile.id, "password reset");
        Ok(())
    }
}
