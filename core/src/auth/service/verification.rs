//! Email verification: a single-use code bound to the address, and the org invitations the
//! verified address accepts.

use secrecy::{ExposeSecret, SecretString};

use super::{AuthService, HOUR};
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::auth::outbox::MessageKind;
use crate::auth::rate_limit::ip_bucket;
use crate::auth::tokens::Purpose;
use crate::auth::users::{Profile, Versioned};
use crate::auth::{AuthError, UserId};
use crate::store::Condition;
use crate::store::schema::RateBucket;

impl AuthService {
    /// Puts a verification code for the user into the outbox (quotas per user and per client
    /// IP from the settings; 429 beyond), in the transaction that stores the code.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn request_email_verification(
        &self,
        user: &UserId,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        let ip = ip_bucket(origin.ip);
        self.limits
            .hit(
                RateBucket::VerifyIp(&ip),
                self.settings.verify_per_ip_per_hour,
                HOUR,
            )
            .await?
            .check()?;
        let profile = self.profile(user).await?;
        if profile.email_verified {
            return Err(AuthError::AlreadyVerified);
        }
        self.limits
            .hit(
                RateBucket::VerifyUser(user),
                self.settings.verify_per_account_per_hour,
                HOUR,
            )
            .await?
            .check()?;
        let binding = self.email_digest(&profile.email).await?;
        let now = self.clock.now();
        let ttl = self.settings.verify_token_ttl;
        let (token, put) =
            self.tokens
                .issue(Purpose::VerifyEmail, user, binding.as_str(), now, ttl)?;
        let text = format!(
            "Confirm that this address belongs to your Coffer account.\n\n\
             Your verification code: {}\n\n\
             Send it to POST /v1/auth/email/verify/confirm within {} hours.\n",
            token.expose_secret(),
            ttl.as_secs() / 3_600,
        );
        let mail = self
            .mail_op(
                user,
                &profile.email,
                MessageKind::VerifyEmail,
                "Verify your email address for Coffer",
                text,
                ttl,
                false,
            )
            .await?;
        Change::new(self.user_event("auth.email.verify_request", user, user, origin)?)
            .op(put)
            .op(mail)
            .commit(&*self.table)
            .await?;
        Ok(())
    }

    /// Marks the email verified with a verification token, which is spent; then the address's
    /// pending org invitations become memberships.
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
        let record = &record;
        let verified = retrying(|| async move {
            let Versioned { mut value, version } = self
                .users
                .profile(&record.user_id)
                .await?
                .ok_or(AuthError::InvalidToken)?;
            if record.binding != self.email_digest(&value.email).await?.as_str() {
                return Err(AuthError::InvalidToken);
            }
            value.email_verified = true;
            value.updated_at = self.clock.now();
            Change::new(self.user_event("auth.email.verify", &value.id, &value.id, origin)?)
                // Spent by someone else meanwhile.
                .op_or(record.spend_op(), AuthError::InvalidToken)
                .put(
                    value.to_item(version + 1),
                    Condition::VersionEquals(version),
                )
                .commit(&*self.table)
                .await?;
            Ok(value)
        })
        .await?;
        self.accept_invitations(&verified, origin).await;
        Ok(())
    }

    /// Turns the verified address's pending invitations into memberships. A failure is logged,
    /// not returned: the verification has happened; the invitations stay pending.
    async fn accept_invitations(&self, verified: &Profile, origin: &RequestOrigin) {
        match self
            .orgs
            .accept_invitations(&verified.id, &verified.email, origin)
            .await
        {
            Ok(joined) if !joined.is_empty() => {
                tracing::info!(user_id = %verified.id, orgs = joined.len(), "invitations accepted");
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(user_id = %verified.id, error = %err, "invitations not accepted after verification");
            }
        }
    }
}
