//! Registration.

use secrecy::SecretString;

use super::{AuthService, DAY, Limited, personal_inputs};
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::auth::rate_limit::ip_bucket;
use crate::auth::users::{Credential, DisplayName, Profile, email_claim_item};
use crate::auth::{AuthError, Email, UserId};
use crate::store::Condition;
use crate::store::schema::RateBucket;

/// A registration, parsed.
#[derive(Debug)]
pub struct Registration {
    pub email: Email,
    pub password: SecretString,
    pub name: Option<DisplayName>,
}

impl AuthService {
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
        let ip = ip_bucket(origin.ip);
        self.within_quota(
            "auth.register",
            RateBucket::RegisterIp(&ip),
            self.settings.register_per_ip_per_day,
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
        let digest = self.email_digest(&email).await?;
        let created = if self.users.id_by_email(&digest).await?.is_some() {
            Err(AuthError::EmailTaken)
        } else {
            let password_hash = self.hasher.hash(&password).await?;
            let (email, digest, name, password_hash) = (&email, &digest, &name, &password_hash);
            retrying(|| async move {
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
                let event = self.user_event("auth.register", &profile.id, &profile.id, origin)?;
                Change::new(event)
                    // The address's claim decides who registered it first.
                    .put_or(
                        email_claim_item(digest, &profile.id),
                        Condition::MustNotExist,
                        AuthError::EmailTaken,
                    )
                    .put(profile.to_item(1), Condition::MustNotExist)
                    .put(credential.to_item(&profile.id, 1), Condition::MustNotExist)
                    .commit(&*self.table)
                    .await?;
                Ok(profile)
            })
            .await
        };
        match created {
            Ok(profile) => {
                tracing::info!(user_id = %profile.id, "user registered");
                Ok(profile)
            }
            Err(AuthError::EmailTaken) => {
                self.record(self.event("auth.register", Outcome::Failure, origin)?)
                    .await;
                Err(AuthError::EmailTaken)
            }
            Err(err) => Err(err),
        }
    }
}
