//! Sessions: 256-bit random tokens handed out once and stored only as their SHA-256.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use time::OffsetDateTime;

use super::users::{rfc3339, text, time_attr};
use super::{AuthError, SessionId, UserId, digest};
use crate::audit::RequestOrigin;
use crate::clock::Clock;
use crate::crypto::random;
use crate::store::{Condition, Item, Key, Query, Table, TxOp, schema};

/// The cookie a browser session travels in (HttpOnly, Secure, SameSite=Lax, `Path=/`, no
/// `Domain`: the `__Host-` prefix makes browsers insist on all of that).
pub const SESSION_COOKIE: &str = "__Host-coffer_session";

/// Longest user agent kept with a session, in characters.
const MAX_USER_AGENT_CHARS: usize = 256;

/// What kind of client a session is for; it decides the lifetime and the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientKind {
    /// A browser: 30 days by default, and the cookie is set.
    #[default]
    Web,
    /// A command-line tool: 90 days by default, no cookie.
    Cli,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Cli => "cli",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "web" => Some(Self::Web),
            "cli" => Some(Self::Cli),
            _ => None,
        }
    }
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub client: ClientKind,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The client IP at login, when known.
    pub ip: Option<String>,
    /// The user agent at login, shortened.
    pub user_agent: Option<String>,
    /// Where the session is stored: [`schema::session`] of the token's SHA-256.
    key: Key,
}

/// A session just made, with the token that exists nowhere else.
#[derive(Debug)]
pub struct NewSession {
    pub token: SecretString,
    pub session: Session,
}

/// Whether `token` has the shape of a session token (43 base64url characters): anything else is
/// refused without a table read.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Session {
    pub fn key(&self) -> Key {
        self.key.clone()
    }

    /// Whether this session is the one `token` opens (constant time).
    pub fn is_opened_by(&self, token: &SecretString) -> bool {
        let opened = schema::session(&digest(token.expose_secret()));
        super::digests_match(&self.key.pk, &opened.pk) && self.key.sk == opened.sk
    }

    fn to_item(&self) -> Item {
        let created_ms = self.created_at.unix_timestamp_nanos() / 1_000_000;
        let index = schema::session_in_user_index(&self.user_id, created_ms, self.id.as_str());
        Item::new(self.key())
            .with_gsi1(index.pk, index.sk)
            .with_expiry(self.expires_at.unix_timestamp())
            .with_attr("id", self.id.as_str())
            .with_attr("user_id", self.user_id.as_str())
            .with_attr("client", self.client.as_str())
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("valid_until", rfc3339(self.expires_at))
            .with_attr("ip", self.ip.clone())
            .with_attr("user_agent", self.user_agent.clone())
    }

    fn from_item(item: &Item) -> Result<Self, AuthError> {
        let optional = |name: &str| {
            item.attrs
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(Self {
            id: SessionId::parse(text(item, "id")?).ok_or(AuthError::Corrupt("session id"))?,
            user_id: UserId::parse(text(item, "user_id")?)
                .ok_or(AuthError::Corrupt("session user"))?,
            client: ClientKind::parse(text(item, "client")?)
                .ok_or(AuthError::Corrupt("session client"))?,
            created_at: time_attr(item, "created_at")?,
            expires_at: time_attr(item, "valid_until")?,
            ip: optional("ip"),
            user_agent: optional("user_agent"),
            key: item.key.clone(),
        })
    }
}

/// One of a user's session places ([`schema::session_slot`]) and the live session holding it. A
/// user's places are few (the cap), live in the user's own partition and so read in one strongly
/// consistent query, and every login takes one in its transaction: however many logins race,
/// no more sessions than places exist. A place whose session has expired is free (the place
/// expires with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub index: usize,
    pub session_id: SessionId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The occupation's tag: a fresh random number each time a session takes the place, so that
    /// a place freed and taken again never looks unchanged to a conditional write.
    version: u64,
    /// Where the session is stored.
    session: Key,
}

impl Place {
    fn from_item(item: &Item) -> Result<Self, AuthError> {
        let index = item
            .attrs
            .get("slot")
            .and_then(Value::as_u64)
            .and_then(|index| usize::try_from(index).ok())
            .ok_or(AuthError::Corrupt("session place"))?;
        Ok(Self {
            index,
            session_id: SessionId::parse(text(item, "session_id")?)
                .ok_or(AuthError::Corrupt("session place id"))?,
            created_at: time_attr(item, "created_at")?,
            expires_at: time_attr(item, "valid_until")?,
            version: item.version,
            session: Key::new(text(item, "session_pk")?, text(item, "session_sk")?),
        })
    }
}

/// Sessions in the table.
#[derive(Debug, Clone)]
pub struct SessionStore {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

impl SessionStore {
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// A new session for `user` (nothing written yet: see [`SessionStore::put_op`]).
    pub fn issue(
        &self,
        user: &UserId,
        client: ClientKind,
        ttl: Duration,
        origin: &RequestOrigin,
    ) -> Result<NewSession, AuthError> {
        let now = self.clock.now();
        let token = random::token()?;
        let session = Session {
            id: SessionId::generate(now)?,
            user_id: user.clone(),
            client,
            created_at: now,
            expires_at: now + ttl,
            ip: origin.ip.map(|ip| ip.to_string()),
            user_agent: origin
                .user_agent
                .as_ref()
                .map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect()),
            key: schema::session(&digest(&token)),
        };
        Ok(NewSession {
            token: SecretString::from(token),
            session,
        })
    }

    /// Writes a session that must be new.
    pub fn put_op(&self, session: &Session) -> TxOp {
        TxOp::Put {
            item: session.to_item(),
            condition: Condition::MustNotExist,
        }
    }

    /// Removes a session, whether or not it is still there.
    pub fn delete_op(&self, session: &Session) -> TxOp {
        TxOp::Delete {
            key: session.key(),
            condition: Condition::None,
        }
    }

    /// The live session `token` opens, if any (one get). An expired session is refused here
    /// too, not only by the store's expiry.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resolve(&self, token: &SecretString) -> Result<Option<Session>, AuthError> {
        let token = token.expose_secret();
        if !well_formed(token) {
            return Ok(None);
        }
        let Some(item) = self.table.get(&schema::session(&digest(token))).await? else {
            return Ok(None);
        };
        let session = Session::from_item(&item)?;
        Ok((session.expires_at > self.clock.now()).then_some(session))
    }

    /// The user's places that hold a live session, by index, from the items of the user's
    /// partition (read with the profile and credential, so that a login needs one query).
    pub fn places_in(&self, items: &[Item]) -> Result<Vec<Place>, AuthError> {
        let now = self.clock.now();
        let mut places = Vec::new();
        for item in items {
            if item.key.sk.starts_with(schema::USER_SESSION_SLOTS_PREFIX) {
                let place = Place::from_item(item)?;
                if place.expires_at > now {
                    places.push(place);
                }
            }
        }
        places.sort_by_key(|place| place.index);
        Ok(places)
    }

    /// The user's places that hold a live session (one strongly consistent query).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    pub async fn places(&self, user: &UserId) -> Result<Vec<Place>, AuthError> {
        let query = Query::partition(schema::user_partition(user))
            .prefix(schema::USER_SESSION_SLOTS_PREFIX)
            .limit(Query::MAX_LIMIT);
        self.places_in(&self.table.query(&query).await?.items)
    }

    /// `session` takes place `index` of its user: a free place (`held` is `None`, and then no
    /// live session may hold it) or the one `held` names, unchanged since it was read.
    pub fn take_op(&self, index: usize, held: Option<&Place>, session: &Session) -> TxOp {
        let key = session.key();
        let item = Item::new(schema::session_slot(&session.user_id, index))
            .with_version(fastrand::u64(1..1 << 53))
            .with_expiry(session.expires_at.unix_timestamp())
            .with_attr("slot", index)
            .with_attr("session_id", session.id.as_str())
            .with_attr("created_at", rfc3339(session.created_at))
            .with_attr("valid_until", rfc3339(session.expires_at))
            .with_attr("session_pk", key.pk)
            .with_attr("session_sk", key.sk);
        TxOp::Put {
            item,
            condition: held.map_or(Condition::MustNotExist, |place| {
                Condition::VersionEquals(place.version)
            }),
        }
    }

    /// Frees `place` if it still holds what was read.
    pub fn free_op(&self, user: &UserId, place: &Place) -> TxOp {
        TxOp::Delete {
            key: schema::session_slot(user, place.index),
            condition: Condition::VersionEquals(place.version),
        }
    }

    /// Requires that `place` still holds what was read.
    pub fn unchanged_op(&self, user: &UserId, place: &Place) -> TxOp {
        TxOp::Check {
            key: schema::session_slot(user, place.index),
            condition: Condition::VersionEquals(place.version),
        }
    }

    /// Requires that place `index` is still free.
    pub fn still_free_op(&self, user: &UserId, index: usize) -> TxOp {
        TxOp::Check {
            key: schema::session_slot(user, index),
            condition: Condition::MustNotExist,
        }
    }

    /// Removes the session holding `place`, whether or not it is still there.
    pub fn delete_held_op(&self, place: &Place) -> TxOp {
        TxOp::Delete {
            key: place.session.clone(),
            condition: Condition::None,
        }
    }

    /// The user's live sessions, oldest first (one query on `gsi1`).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    pub async fn list(&self, user: &UserId) -> Result<Vec<Session>, AuthError> {
        let query = Query::gsi1(schema::user_partition(user))
            .prefix(schema::USER_SESSIONS_PREFIX)
            .limit(Query::MAX_LIMIT);
        let page = self.table.query(&query).await?;
        let now = self.clock.now();
        let mut sessions = Vec::with_capacity(page.items.len());
        for item in &page.items {
            let session = Session::from_item(item)?;
            if session.expires_at > now {
                sessions.push(session);
            }
        }
        Ok(sessions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_43_base64url_characters_look_like_a_token() {
        assert!(well_formed(&random::token().unwrap()));
        assert!(!well_formed("short"));
        assert!(!well_formed(&"a".repeat(44)));
        assert!(!well_formed(&format!("{}.", "a".repeat(42))));
    }

    #[test]
    fn a_session_item_holds_the_digest_not_the_token() {
        let clock: Arc<dyn Clock> = crate::ManualClock::starting_now();
        let table: Arc<dyn Table> = Arc::new(
            crate::store::sqlite::SqliteTable::open(
                tempfile::tempdir().unwrap().path().join("t.sqlite3"),
                clock.clone(),
            )
            .unwrap(),
        );
        let store = SessionStore::new(table, clock);
        let user = UserId::generate(OffsetDateTime::now_utc()).unwrap();
        let new = store
            .issue(
                &user,
                ClientKind::Cli,
                Duration::from_secs(60),
                &RequestOrigin::default(),
            )
            .unwrap();
        let item = new.session.to_item();
        let dump = format!("{item:?}");
        assert!(!dump.contains(new.token.expose_secret()));
        assert!(new.session.is_opened_by(&new.token));
        assert_eq!(Session::from_item(&item).unwrap(), new.session);
    }
}
