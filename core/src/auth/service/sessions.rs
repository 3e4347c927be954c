//! The user's sessions: logout, listing, revoking one. Ending a session frees its place.

use super::AuthService;
use crate::audit::{Change, RequestOrigin, retrying};
use crate::auth::sessions::Session;
use crate::auth::{AuthError, SessionId, UserId};

impl AuthService {
    /// Ends the caller's session and frees its place.
    #[tracing::instrument(skip_all, fields(user_id = %session.user_id, session_id = %session.id))]
    pub async fn logout(&self, session: &Session, origin: &RequestOrigin) -> Result<(), AuthError> {
        let user = &session.user_id;
        retrying(|| async move {
            let places = self.sessions.places(user).await?;
            let mut change =
                Change::new(self.user_event("auth.logout", user, &session.id, origin)?)
                    .op(self.sessions.delete_op(session));
            if let Some(place) = places.iter().find(|p| p.session_id == session.id) {
                change = change.op(self.sessions.free_op(user, place));
            }
            change.commit(&*self.table).await?;
            Ok(())
        })
        .await
    }

    /// The user's live sessions, oldest first.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list_sessions(&self, user: &UserId) -> Result<Vec<Session>, AuthError> {
        self.sessions.list(user).await
    }

    /// Revokes one of the user's sessions and frees its place; another user's session id is
    /// not found.
    #[tracing::instrument(skip_all, fields(user_id = %user, session_id = %id))]
    pub async fn revoke_session(
        &self,
        user: &UserId,
        id: &SessionId,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError> {
        retrying(|| async move {
            let places = self.sessions.places(user).await?;
            let change = Change::new(self.user_event("auth.session.revoke", user, id, origin)?);
            let change = match places.iter().find(|p| &p.session_id == id) {
                Some(place) => change
                    .op(self.sessions.delete_held_op(place))
                    .op(self.sessions.free_op(user, place)),
                // A session from before places, if the index lists it.
                None => {
                    let sessions = self.sessions.list(user).await?;
                    let session = sessions
                        .iter()
                        .find(|s| &s.id == id)
                        .ok_or(AuthError::SessionNotFound)?;
                    change.op(self.sessions.delete_op(session))
                }
            };
            change.commit(&*self.table).await?;
            Ok(())
        })
        .await
    }
}
