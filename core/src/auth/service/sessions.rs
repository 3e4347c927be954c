//! The user's sessions: logout, listing, revoking one.

use super::AuthService;
use crate::audit::{Change, RequestOrigin};
use crate::auth::sessions::Session;
use crate::auth::{AuthError, SessionId, UserId};

impl AuthService {
    /// Ends the caller's session.
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id, session_id = %session.id))]
    pub async fn logout(&self, session: &Session, origin: &RequestOrigin) -> Result<(), AuthError> {
        Change::new(self.user_event("auth.logout", &session.user_id, &session.id, origin)?)
            .op(self.sessions.delete_op(session))
            .commit(&*self.table)
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
        Change::new(self.user_event("auth.session.revoke", user, id, origin)?)
            .op(self.sessions.delete_op(session))
            .commit(&*self.table)
            .await?;
        Ok(())
    }
}
