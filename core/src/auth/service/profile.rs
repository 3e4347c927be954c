//! The user's profile.

use super::AuthService;
use crate::audit::{Change, RequestOrigin, retrying};
use crate::auth::users::{DisplayName, Profile, Versioned};
use crate::auth::{AuthError, UserId};
use crate::store::Condition;

/// A profile change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub name: Option<Option<DisplayName>>,
}

impl AuthService {
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
        let update = &update;
        retrying(|| async move {
            let Versioned { mut value, version } = self
                .users
                .profile(user)
                .await?
                .ok_or(AuthError::Unauthenticated)?;
            if let Some(name) = update.name.clone() {
                value.name = name;
            }
            value.updated_at = self.clock.now();
            Change::new(self.user_event("auth.profile.update", user, user, origin)?)
                .put(
                    value.to_item(version + 1),
                    Condition::VersionEquals(version),
                )
                .commit(&*self.table)
                .await?;
            Ok(value)
        })
        .await
    }
}
