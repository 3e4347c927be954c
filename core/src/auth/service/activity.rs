//! The user's own activity: the security events that concern them, read from the audit log
//! (no second copy), newest first.

use super::AuthService;
use crate::audit::EventPage;
use crate::auth::{AuthError, UserId};

impl AuthService {
    /// One page of the user's own security events: logins (failed ones on their account too),
    /// logouts, sessions revoked, password changes and resets, verification.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn activity(
        &self,
        user: &UserId,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<EventPage, AuthError> {
        self.audit
            .user_activity(user, limit, cursor)
            .await
            .map_err(AuthError::from)
    }
}
