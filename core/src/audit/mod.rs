//! The audit log: an event for every state change (in the change's own transaction, through
//! [`Change`]) and every read of decrypted data, never holding a sensitive value; each event a
//! link of a hash chain (`chain`), its scope's chains signed at checkpoints (`checkpoint`), read
//! newest first through indexes (`log`) and verified link by link (`verify`).
//!
//! # Keys (from `store::schema`; `docs/keys.md`)
//!
//! An event's scope is its org, else the user it concerns (their own logins, password changes),
//! else the platform (`_`). A scope's events are spread over 16 shards by a hash of the event id;
//! an event is link `seq` of its shard's chain (`AUDIT#<scope>#S<shard>` / `<seq>`), in `gsi1`
//! by time (`AUDITLOG#<scope>#S<shard>` / `<time>#<evt>`), and copied under its actor, action
//! and resource (`AUDITBY#…`) for filtered reads. No partition takes more than one shard's
//! writes, so a flood of failed logins cannot throttle anyone else's.

mod actions;
pub mod chain;
mod change;
pub mod checkpoint;
mod error;
mod event;
pub mod log;
pub mod retention;
mod service;
pub mod signing_key;
pub mod verify;

pub use actions::ACTIONS;

/// The most writes one event adds to its change's transaction: its link, its entries under
/// its actor, action and resource, and its shard head (one per shard a change touches).
pub const EVENT_WRITES: usize = 5;
pub(crate) use change::change_error;
pub use change::{ATTEMPTS, Change, ChangeError, Conflicted, retrying};
pub use error::AuditError;
pub use event::{AuditEvent, Outcome, PLATFORM_SCOPE, sort_time};
pub use service::AuditService;

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;

use crate::access::Scoped;
use crate::clock::Clock;
use crate::crypto::CryptoError;
use crate::ids::EventId;
use crate::store::{StoreError, Table};

/// Where a request came from, as the audit (and session records) need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// The client IP (API Gateway's source IP on Lambda, the socket peer locally).
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
}

/// Makes and writes audit events.
#[derive(Debug, Clone)]
pub struct AuditSink {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

impl AuditSink {
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// An event happening now, from `origin`; add the actor and the resource after.
    pub fn event(
        &self,
        action: &'static str,
        outcome: Outcome,
        origin: &RequestOrigin,
    ) -> Result<AuditEvent, CryptoError> {
        let time = self.clock.now();
        Ok(AuditEvent {
            id: EventId::generate(time)?.to_string(),
            time,
            actor: None,
            action,
            resource: None,
            outcome,
            ip: origin.ip.map(|ip| ip.to_string()),
            user_agent: origin.user_agent.clone(),
            request_id: origin.request_id.clone(),
            org_id: None,
            fields: Vec::new(),
        })
    }

    /// An event of `at`'s org happening now, by `at`'s principal, from `origin`; add the
    /// resource after.
    pub fn scoped_event(
        &self,
        at: &Scoped,
        action: &'static str,
        outcome: Outcome,
        origin: &RequestOrigin,
    ) -> Result<AuditEvent, CryptoError> {
        let mut event = self
            .event(action, outcome, origin)?
            .actor(at.principal().actor_id());
        event.org_id = Some(at.org().to_string());
        Ok(event)
    }

    /// Writes `event` on its own (for what changes nothing else: a failed login, a read of
    /// decrypted data), as the next link of its chain.
    #[tracing::instrument(level = "debug", skip_all, fields(action = event.action, outcome = event.outcome.as_str()))]
    pub async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        match Change::<Infallible>::new(event.clone())
            .commit(&*self.table)
            .await
        {
            Ok(()) => Ok(()),
            Err(ChangeError::Store(err)) => Err(err),
            Err(ChangeError::Conflict | ChangeError::Refused(_)) => Err(StoreError::Conflict),
        }
    }

    /// The newest events of a scope (an org id, a user id, or [`PLATFORM_SCOPE`]), at most
    /// `limit`: for tests and tools.
    pub async fn recent(&self, scope: &str, limit: usize) -> Result<Vec<AuditEvent>, AuditError> {
        let page = log::read(&*self.table, scope, &log::LogQuery::default(), limit, None).await?;
        Ok(page.links.into_iter().map(|link| link.event).collect())
    }

    /// The events that concern `user` outside any org (their own security events), newest
    /// first: their scope's log.
    pub async fn user_activity(
        &self,
        user: &crate::ids::UserId,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<EventPage, AuditError> {
        let page = log::read(
            &*self.table,
            user.as_str(),
            &log::LogQuery::default(),
            limit,
            cursor,
        )
        .await?;
        Ok(EventPage {
            events: page.links.into_iter().map(|link| link.event).collect(),
            next_cursor: page.next_cursor,
        })
    }
}

/// One page of events.
#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<AuditEvent>,
    /// Pass back for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::store::sqlite::SqliteTable;

    #[tokio::test]
    async fn events_are_read_back_newest_first_in_the_scope_of_whom_they_concern() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_now();
        let table: Arc<dyn Table> =
            Arc::new(SqliteTable::open(dir.path().join("t.sqlite3"), clock.clone()).unwrap());
        let sink = AuditSink::new(table, clock.clone());
        let origin = RequestOrigin {
            ip: Some("203.0.113.7".parse().unwrap()),
            request_id: Some("req_1".into()),
            user_agent: Some("curl".into()),
        };
        let nobody = sink.event("auth.login", Outcome::Failure, &origin).unwrap();
        sink.record(&nobody).await.unwrap();
        let first = sink
            .event("auth.login", Outcome::Failure, &origin)
            .unwrap()
            .resource("usr_x");
        sink.record(&first).await.unwrap();
        clock.advance(time::Duration::milliseconds(5));
        let second = sink
            .event("auth.login", Outcome::Success, &origin)
            .unwrap()
            .actor("usr_x")
            .resource("usr_x");
        sink.record(&second).await.unwrap();

        let events = sink.recent("usr_x", 10).await.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].id, second.id);
        assert_eq!(events[0].actor.as_deref(), Some("usr_x"));
        assert_eq!(events[0].outcome, Outcome::Success);
        assert_eq!(events[1].ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(events[1].request_id.as_deref(), Some("req_1"));
        assert!(events[0].id.starts_with("evt_"));
        let platform = sink.recent(PLATFORM_SCOPE, 10).await.unwrap();
        assert_eq!(platform.len(), 1);
        assert_eq!(platform[0].id, nobody.id);
    }
}
