//! Changing the password, and the credential replacement a reset shares.

use secrecy::SecretString;

use super::{AuthService, Failure, personal_inputs};
use crate::audit::{AuditEvent, Change, EVENT_WRITES, RequestOrigin, retrying};
use crate::auth::password::secrets_equal;
use crate::auth::sessions::{Place, Session};
use crate::auth::users::{Account, Credential};
use crate::auth::{AuthError, SessionId, UserId};
use crate::store::{Condition, MAX_TRANSACTION_OPS, TxOp};

/// Sessions ended per transaction when they do not all fit in the one that replaces the
/// password (the session, its place, and the event's writes).
const ENDED_PER_CHUNK: usize = MAX_TRANSACTION_OPS / (2 + EVENT_WRITES);

/// A session to end: one in a place, or one the index lists outside any place (made before
/// sessions had places).
enum Ending<'a> {
    Placed(&'a Place),
    Unplaced(&'a Session),
}

impl Ending<'_> {
    fn session_id(&self) -> &SessionId {
        match self {
            Self::Placed(place) => &place.session_id,
            Self::Unplaced(session) => &session.id,
        }
    }

    /// Its writes, the event included.
    fn writes(&self) -> usize {
        match self {
            Self::Placed(_) => 2 + EVENT_WRITES,
            Self::Unplaced(_) => 1 + EVENT_WRITES,
        }
    }
}

impl AuthService {
    /// Changes the password given the current one; every other session of the user ends. A
    /// guess at the current password counts towards the account's lockout before it is
    /// checked, like a login's.
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
        let email_digest = self.email_digest(&profile.email).await?;
        let email_digest = email_digest.as_str();
        let standing = self.limits.standing(email_digest, &self.lockout()).await?;
        let guess = self
            .count_guess("auth.password.change", email_digest, standing, origin)
            .await?;
        let stored = account.credential.value.password_hash.as_str();
        if !self.hasher.verify(&current, Some(stored)).await?.matches {
            let failure = Failure {
                action: "auth.password.change",
                error: AuthError::WrongPassword,
                actor: Some(user),
                resource: Some(user),
            };
            return Err(self.credential_check_failed(&guess, failure, origin).await);
        }
        let password_hash = self.hasher.hash(&new).await?;
        let keep = current_session.map(|s| &s.id);
        let cleared = self.limits.clear_failures_op(email_digest, &guess.standing);
        let cleared = &cleared;
        let head = || {
            Ok(
                Change::new(self.user_event("auth.password.change", user, user, origin)?)
                    .op(cleared.clone()),
            )
        };
        match self
            .replace_credential(head, &account, password_hash, keep, origin)
            .await
        {
            // Another change won; the caller may retry with the password that is now current.
            Err(AuthError::CredentialChanged) => Err(AuthError::ConcurrentChange),
            other => other,
        }
    }

    /// Stores `password_hash` as the user's password — with the writes and event of `head`,
    /// refused with [`AuthError::CredentialChanged`] if the credential is no longer at the
    /// version read — and ends every session of the user but `keep`, each audited.
    ///
    /// Sessions are found in the user's places (and, for sessions older than places, in the
    /// index). The transaction that replaces the password also requires every place to be as
    /// read, so a login that checked the old password cannot slip a session in; when the
    /// sessions are too many for that one transaction, the oldest end first in transactions of
    /// their own (bounded: the places are at most the cap), so it always fits.
    pub(super) async fn replace_credential<H>(
        &self,
        head: H,
        account: &Account,
        password_hash: String,
        keep: Option<&SessionId>,
        origin: &RequestOrigin,
    ) -> Result<(), AuthError>
    where
        H: Fn() -> Result<Change<AuthError>, AuthError>,
    {
        let user = &account.profile.value.id;
        let version = account.credential.version;
        let credential = Credential {
            password_hash,
            changed_at: self.clock.now(),
        }
        .to_item(user, version + 1);
        let cap = self.settings.max_sessions_per_user;
        let (head, credential) = (&head, &credential);
        retrying(|| async move {
            let places = self.sessions.places(user).await?;
            let listed = self.sessions.list(user).await?;
            let mut kept = Vec::new();
            let mut ending = Vec::new();
            for place in &places {
                if Some(&place.session_id) == keep {
                    kept.push(place);
                } else {
                    ending.push(Ending::Placed(place));
                }
            }
            let unplaced = listed.iter().filter(|session| {
                Some(&session.id) != keep && places.iter().all(|p| p.session_id != session.id)
            });
            // Oldest first: those that end early if not all fit.
            ending.splice(0..0, unplaced.map(Ending::Unplaced));
            let free: Vec<usize> = (0..cap)
                .filter(|index| places.iter().all(|p| p.index != *index))
                .collect();

            let mut change = head()?.put_or(
                credential.clone(),
                Condition::VersionEquals(version),
                AuthError::CredentialChanged,
            );
            for place in &kept {
                change = change.op(self.sessions.unchanged_op(user, place));
            }
            for index in &free {
                change = change.op(self.sessions.still_free_op(user, *index));
            }
            // Its own event's writes come on top.
            let mut room = MAX_TRANSACTION_OPS.saturating_sub(change.len() + EVENT_WRITES);
            let mut fit = 0;
            for end in ending.iter().rev() {
                if end.writes() > room {
                    break;
                }
                room -= end.writes();
                fit += 1;
            }
            let (early, last) = ending.split_at(ending.len() - fit);
            for chunk in early.chunks(ENDED_PER_CHUNK) {
                let mut ends = chunk.iter();
                let Some(first) = ends.next() else { continue };
                let mut revoke = self.end(
                    Change::new(self.revoke_event(user, first, origin)?),
                    user,
                    first,
                );
                for end in ends {
                    revoke = self.end(
                        revoke.also(self.revoke_event(user, end, origin)?),
                        user,
                        end,
                    );
                }
                revoke.commit(&*self.table).await?;
            }
            for end in last {
                change = self.end(
                    change.also(self.revoke_event(user, end, origin)?),
                    user,
                    end,
                );
            }
            change.commit(&*self.table).await?;
            Ok(())
        })
        .await
    }

    fn revoke_event(
        &self,
        user: &UserId,
        end: &Ending<'_>,
        origin: &RequestOrigin,
    ) -> Result<AuditEvent, AuthError> {
        self.user_event("auth.session.revoke", user, end.session_id(), origin)
    }

    /// Adds the writes that end a session (its event is added by the caller).
    fn end(&self, change: Change<AuthError>, user: &UserId, end: &Ending<'_>) -> Change<AuthError> {
        let writes: Vec<TxOp> = match end {
            Ending::Placed(place) => vec![
                self.sessions.free_op(user, place),
                self.sessions.delete_held_op(place),
            ],
            Ending::Unplaced(session) => vec![self.sessions.delete_op(session)],
        };
        change.ops(writes)
    }
}
