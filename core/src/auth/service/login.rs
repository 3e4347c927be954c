//! Login: the guess counted before the password is checked (and the lockout it may lead to),
//! the session it opens in one of the user's places, and the upgrade of an old password hash.
//!
//! The round trips of a login that succeeds: the client IP's counter, one query of the
//! address's partition (owner, lock), the guess's counter, one query of the user's partition
//! (profile, credential, session places), Argon2, and one transaction (the session, its place,
//! the credential as checked, the cleared guesses and the audit events).
//!
//! A login that fails does the same up to Argon2 whether or not the address has an account: an
//! unknown one queries the partition of a made-up user and is verified against the dummy hash
//! (made at cold start, see `AuthService`'s warm-up), then both write the failure's event.

use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use super::{AuthService, Failure, HOUR, Limited};
use crate::audit::{Change, Outcome, RequestOrigin, retrying};
use crate::auth::password::MAX_PASSWORD_BYTES;
use crate::auth::rate_limit::{AccountStanding, Attempt, LockoutPolicy, ip_bucket};
use crate::auth::sessions::{ClientKind, NewSession, Place, Session};
use crate::auth::users::{Account, Credential, Profile};
use crate::auth::{AuthError, Email, UserId};
use crate::store::schema::RateBucket;
use crate::store::{Condition, TxOp};

/// Places past a lowered cap that one login empties (keeps its transaction small).
const PAST_CAP_PER_LOGIN: usize = 8;

/// A successful login: the token exists only here.
#[derive(Debug)]
pub struct LoginSuccess {
    pub token: SecretString,
    pub session: Session,
    pub profile: Profile,
}

/// A guess at an address's password, counted: what a failure or a success then needs.
pub(super) struct Guess<'a> {
    pub email_digest: &'a str,
    pub standing: AccountStanding,
    pub attempt: Attempt,
    pub lockout: LockoutPolicy,
}

impl AuthService {
    /// Opens a session: 100 attempts an hour per client IP, 10 failures an hour per account
    /// (then a lockout that lengthens each time), one Argon2 verification whether or not the
    /// email has an account, and one answer for every kind of failure.
    #[tracing::instrument(skip_all, fields(ip = ?origin.ip, client = client.as_str()))]
    pub async fn login(
        &self,
        email: &Email,
        password: SecretString,
        client: ClientKind,
        origin: &RequestOrigin,
    ) -> Limited<LoginSuccess> {
        let ip = ip_bucket(origin.ip);
        self.within_quota(
            "auth.login",
            RateBucket::LoginIp(&ip),
            self.settings.login_per_ip_per_hour,
            HOUR,
            origin,
            self.login_unlimited(email, password, client, origin),
        )
        .await
    }

    async fn login_unlimited(
        &self,
        email: &Email,
        password: SecretString,
        client: ClientKind,
        origin: &RequestOrigin,
    ) -> Result<LoginSuccess, AuthError> {
        if password.expose_secret().len() > MAX_PASSWORD_BYTES {
            return Err(AuthError::Invalid {
                field: "password",
                message: format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
            });
        }
        let email_digest = self.email_digest(email).await?;
        let (owner, items) = self.users.login_identity(&email_digest).await?;
        let standing = self
            .limits
            .standing_of(email_digest.as_str(), &items, &self.lockout());
        let guess = self
            .count_guess("auth.login", email_digest.as_str(), standing, origin)
            .await?;
        let (mut account, mut items) = match &owner {
            Some(id) => self.users.account_with_items(id).await?,
            None => {
                // An unknown address reads the partition of a user who does not exist: the same
                // round trip as a known one, so the time to answer does not tell them apart.
                let nobody = UserId::generate(self.clock.now())?;
                self.users.account_with_items(&nobody).await?;
                (None, Vec::new())
            }
        };
        // Twice at most: once more only when the password was replaced between the check and
        // the commit (a reset, or another login upgrading the hash), against the new one.
        for round in 0..2 {
            let stored = account
                .as_ref()
                .map(|a| a.credential.value.password_hash.as_str());
            let verification = self.hasher.verify(&password, stored).await?;
            let found = match account {
                Some(found) if verification.matches => found,
                other => {
                    let failure = Failure {
                        action: "auth.login",
                        error: AuthError::InvalidCredentials,
                        actor: None,
                        resource: other.as_ref().map(|a| &a.profile.value.id),
                    };
                    return Err(self.credential_check_failed(&guess, failure, origin).await);
                }
            };
            let upgraded = if verification.needs_rehash {
                self.rehash(&found, &password).await
            } else {
                None
            };
            let places = self.sessions.places_in(&items)?;
            match self
                .open_session(&found, places, upgraded, &guess, client, origin)
                .await
            {
                Ok(new) => {
                    let user = &found.profile.value.id;
                    tracing::info!(user_id = %user, session_id = %new.session.id, "logged in");
                    return Ok(LoginSuccess {
                        token: new.token,
                        session: new.session,
                        profile: found.profile.value,
                    });
                }
                Err(AuthError::CredentialChanged) if round == 0 => {
                    tracing::info!("the password changed during the login; checking again");
                    (account, items) = self
                        .users
                        .account_with_items(&found.profile.value.id)
                        .await?;
                }
                Err(AuthError::CredentialChanged) => return Err(AuthError::InvalidCredentials),
                Err(err) => return Err(err),
            }
        }
        Err(AuthError::InvalidCredentials)
    }

    /// Refuses a guess at the password of `email_digest` while the address is locked, and
    /// counts it before anything checks it: one past the window's limit is refused unchecked,
    /// however many race (each refusal audited as `denied` under `action`).
    pub(super) async fn count_guess<'a>(
        &self,
        action: &'static str,
        email_digest: &'a str,
        standing: AccountStanding,
        origin: &RequestOrigin,
    ) -> Result<Guess<'a>, AuthError> {
        let lockout = self.lockout();
        let counted = match standing.locked_for {
            Some(retry_after) => {
                crate::telemetry::rate_limit_refused("login-lockout");
                Err(AuthError::Locked { retry_after })
            }
            None => {
                self.limits
                    .count_guess(email_digest, &standing, &lockout)
                    .await?
            }
        };
        match counted {
            Ok(attempt) => Ok(Guess {
                email_digest,
                standing,
                attempt,
                lockout,
            }),
            Err(refusal) => {
                self.record(self.event(action, Outcome::Denied, origin)?)
                    .await;
                Err(refusal)
            }
        }
    }

    /// A failed credential check: the failure that uses the window up locks the address (once,
    /// however many fail together); audited; gives the error to answer.
    pub(super) async fn credential_check_failed(
        &self,
        guess: &Guess<'_>,
        failure: Failure<'_>,
        origin: &RequestOrigin,
    ) -> AuthError {
        if guess.attempt.number >= i64::from(guess.lockout.max_failures) {
            match self
                .limits
                .lock(guess.email_digest, &guess.standing, &guess.lockout)
                .await
            {
                Ok(Some(length)) => tracing::warn!(
                    lockout_seconds = length.as_secs(),
                    "account locked after failed logins"
                ),
                Ok(None) => {}
                // The count alone keeps refusing guesses until the window ends.
                Err(err) => tracing::error!(error = %err, "lockout not written"),
            }
        }
        match self.event(failure.action, Outcome::Failure, origin) {
            Ok(mut event) => {
                event.actor = failure.actor.map(ToString::to_string);
                event.resource = failure.resource.map(ToString::to_string);
                self.record(event).await;
                failure.error
            }
            Err(err) => err,
        }
    }

    /// The password hashed again with the current parameters, to store with the session; a
    /// failure only waits for the next login.
    async fn rehash(&self, account: &Account, password: &SecretString) -> Option<Credential> {
        match self.hasher.hash(password).await {
            Ok(password_hash) => Some(Credential {
                password_hash,
                changed_at: account.credential.value.changed_at,
            }),
            Err(err) => {
                tracing::warn!(user_id = %account.profile.value.id, error = %err, "password hash not upgraded");
                None
            }
        }
    }

    /// Writes a new session into a free place of the user's, or into the place of the oldest
    /// session (which ends, audited), with the credential exactly as it was checked (or its
    /// upgraded hash), the cleared guesses and the login's event: one transaction. A place
    /// taken meanwhile reads the places again; a credential changed meanwhile is
    /// [`AuthError::CredentialChanged`].
    async fn open_session(
        &self,
        account: &Account,
        places: Vec<Place>,
        upgraded: Option<Credential>,
        guess: &Guess<'_>,
        client: ClientKind,
        origin: &RequestOrigin,
    ) -> Result<NewSession, AuthError> {
        let user = &account.profile.value.id;
        let checked = account.credential.version;
        let ttl = match client {
            ClientKind::Web => self.settings.web_session_ttl,
            ClientKind::Cli => self.settings.cli_session_ttl,
        };
        let cap = self.settings.max_sessions_per_user;
        let credential_op = match &upgraded {
            Some(credential) => TxOp::Put {
                item: credential.to_item(user, checked + 1),
                condition: Condition::VersionEquals(checked),
            },
            None => TxOp::Check {
                key: crate::store::schema::user_credential(user),
                condition: Condition::VersionEquals(checked),
            },
        };
        // The first round uses the places read with the credential.
        let first = Mutex::new(Some(places));
        let (first, credential_op) = (&first, &credential_op);
        let new = retrying(|| async move {
            let read = first.lock().ok().and_then(|mut places| places.take());
            let places = match read {
                Some(places) => places,
                None => {
                    let (account, items) = self.users.account_with_items(user).await?;
                    if account.is_none_or(|a| a.credential.version != checked) {
                        return Err(AuthError::CredentialChanged);
                    }
                    self.sessions.places_in(&items)?
                }
            };
            let new = self.sessions.issue(user, client, ttl, origin)?;
            let mut change =
                Change::new(self.user_event("auth.login", user, &new.session.id, origin)?)
                    .op_or(credential_op.clone(), AuthError::CredentialChanged)
                    .op(self.sessions.put_op(&new.session))
                    .op(self
                        .limits
                        .clear_failures_op(guess.email_digest, &guess.standing));
            // Any free place (racing logins that each pick one at random rarely collide).
            let free: Vec<usize> = (0..cap)
                .filter(|index| places.iter().all(|p| p.index != *index))
                .collect();
            let free = match free.len() {
                0 => None,
                n => free.get(fastrand::usize(..n)).copied(),
            };
            let oldest = places
                .iter()
                .filter(|p| p.index < cap)
                .min_by_key(|p| (p.created_at, p.index));
            change = match (free, oldest) {
                (Some(index), _) => change.op(self.sessions.take_op(index, None, &new.session)),
                (None, Some(oldest)) => change
                    .op(self
                        .sessions
                        .take_op(oldest.index, Some(oldest), &new.session))
                    .op(self.sessions.delete_held_op(oldest))
                    .also(self.user_event(
                        "auth.session.revoke",
                        user,
                        &oldest.session_id,
                        origin,
                    )?),
                (None, None) => return Err(AuthError::Corrupt("session places")),
            };
            // Places past a cap that was lowered empty as their user next logs in.
            for past in places
                .iter()
                .filter(|p| p.index >= cap)
                .take(PAST_CAP_PER_LOGIN)
            {
                change = change
                    .op(self.sessions.free_op(user, past))
                    .op(self.sessions.delete_held_op(past))
                    .also(self.user_event(
                        "auth.session.revoke",
                        user,
                        &past.session_id,
                        origin,
                    )?);
            }
            change.commit(&*self.table).await?;
            Ok(new)
        })
        .await?;
        if upgraded.is_some() {
            tracing::info!(user_id = %user, "password hash upgraded to the current parameters");
        }
        Ok(new)
    }
}
