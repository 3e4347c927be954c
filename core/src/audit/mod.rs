//! The audit sink: one table item per event `{id, time, actor, action, resource, outcome, ip,
//! user_agent, request_id, org_id}`. Events never hold a sensitive value (no email, password,
//! token or record field): ids, an IP, an outcome. Changes write their events through
//! [`Change`], in the change's own transaction.
//!
//! # Keys (from `store::schema`; `docs/keys.md`)
//!
//! An event lives in its scope's day partition (`AUDIT#<org | _>#<YYYY-MM-DD>`, sorted by time and
//! id) and, in `gsi1`, in the partition of whom it concerns (`AUDIT#<scope>#ACTOR#<id>`): its
//! actor, or — for a failed login on an account — the user it was tried on, so the user's own
//! activity log (`GET /v1/auth/activity`) is one query. `scope` is the event's org id, or `_` for
//! platform events without one (identity's). Day partitions keep any one partition from growing
//! without bound. The per-org hash chain (`GET /v1/audit/verify`) is the audit issue's.

mod change;

pub use change::{ATTEMPTS, Change, ChangeError, Conflicted, retrying};

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::access::Scoped;
use crate::clock::Clock;
use crate::crypto::CryptoError;
use crate::ids::EventId;
use crate::store::{Condition, Item, Query, StoreError, Table, TxOp, schema};

pub use schema::PLATFORM_SCOPE;

const SORT_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");
const DAY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Where a request came from, as the audit (and session records) need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOrigin {
    /// The client IP (API Gateway's source IP on Lambda, the socket peer locally).
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Refused: bad credentials, bad token, conflict.
    Failure,
    /// Refused before trying: rate limit or lockout.
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// One audit event.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// `evt_<ulid>`.
    pub id: String,
    pub time: OffsetDateTime,
    /// Who acted (a user or client id); `None` before authentication.
    pub actor: Option<String>,
    /// What was done, `<area>.<verb>`, e.g. `auth.login`.
    pub action: &'static str,
    /// What it was done to (an id), if anything.
    pub resource: Option<String>,
    pub outcome: Outcome,
    pub ip: Option<String>,
    /// The client's user agent, shortened (for the user's own activity log).
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    /// The org the event belongs to; `None` for platform events.
    pub org_id: Option<String>,
    /// The names (never the values) of the fields a read decrypted or a change touched.
    pub fields: Vec<String>,
}

impl fmt::Debug for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditEvent")
            .field("id", &self.id)
            .field("action", &self.action)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl AuditEvent {
    fn scope(&self) -> &str {
        self.org_id.as_deref().unwrap_or(PLATFORM_SCOPE)
    }

    /// Whose index the event is filed under: its actor, or — for what was done to a user by
    /// nobody known, like a failed login on their account — that user, so that their own
    /// activity log shows it.
    fn subject(&self) -> Option<&str> {
        self.actor.as_deref().or_else(|| {
            self.resource
                .as_deref()
                .filter(|r| r.starts_with(crate::ids::UserId::PREFIX))
        })
    }

    fn sort_time(&self) -> String {
        self.time.format(SORT_TIME).unwrap_or_default()
    }

    fn day(&self) -> String {
        self.time.format(DAY).unwrap_or_default()
    }

    pub fn actor(mut self, actor: impl fmt::Display) -> Self {
        self.actor = Some(actor.to_string());
        self
    }

    pub fn resource(mut self, resource: impl fmt::Display) -> Self {
        self.resource = Some(resource.to_string());
        self
    }

    /// Names the fields the event concerns (names only: never a value).
    pub fn fields<S: AsRef<str>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.fields = fields.into_iter().map(|f| f.as_ref().to_owned()).collect();
        self
    }

    pub(crate) fn to_item(&self) -> Item {
        let (day, sort_time) = (self.day(), self.sort_time());
        let mut item = Item::new(schema::audit_event(
            self.scope(),
            &day,
            &sort_time,
            &self.id,
        ))
        .with_attr("id", self.id.as_str())
        .with_attr("time", sort_time.as_str())
        .with_attr("actor", self.actor.clone())
        .with_attr("action", self.action)
        .with_attr("resource", self.resource.clone())
        .with_attr("outcome", self.outcome.as_str())
        .with_attr("ip", self.ip.clone())
        .with_attr("user_agent", self.user_agent.clone())
        .with_attr("request_id", self.request_id.clone())
        .with_attr("org_id", self.org_id.clone());
        if !self.fields.is_empty() {
            item = item.with_attr("fields", self.fields.clone());
        }
        if let Some(subject) = self.subject() {
            let index = schema::audit_by_actor(self.scope(), subject, &sort_time, &self.id);
            item = item.with_gsi1(index.pk, index.sk);
        }
        item
    }
}

/// Writes audit events to the table.
#[derive(Debug, Clone)]
pub struct AuditSink {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

impl AuditSink {
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// A platform event happening now, from `origin`; add the actor and the resource after.
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

    /// The write of `event`, to go in the transaction of the change it records.
    pub fn put_op(&self, event: &AuditEvent) -> TxOp {
        TxOp::Put {
            item: event.to_item(),
            condition: Condition::MustNotExist,
        }
    }

    /// Writes `event` on its own (for what changes nothing else, like a failed login).
    #[tracing::instrument(level = "debug", skip_all, fields(action = event.action, outcome = event.outcome.as_str()))]
    pub async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.table
            .put(event.to_item(), Condition::MustNotExist)
            .await
    }

    /// The day's events of a scope, newest first, at most `limit` (one query): for tests and
    /// admins until the audit API reads them.
    pub async fn day(
        &self,
        org_id: Option<&str>,
        day: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let scope = org_id.unwrap_or(PLATFORM_SCOPE);
        let page = self
            .table
            .query(
                &Query::partition(schema::audit_day_partition(
                    scope,
                    &day.format(DAY).unwrap_or_default(),
                ))
                .limit(limit)
                .descending(),
            )
            .await?;
        Ok(page.items.iter().filter_map(from_item).collect())
    }
}

/// One page of events.
#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<AuditEvent>,
    pub next_cursor: Option<crate::store::Cursor>,
}

impl AuditSink {
    /// The events that concern `user` outside any org (their own security events), newest
    /// first: one query on the index.
    pub async fn user_activity(
        &self,
        user: &crate::ids::UserId,
        limit: usize,
        cursor: Option<crate::store::Cursor>,
    ) -> Result<EventPage, StoreError> {
        let page = self
            .table
            .query(
                &Query::gsi1(schema::audit_actor_partition(PLATFORM_SCOPE, user.as_str()))
                    .limit(limit)
                    .descending()
                    .after(cursor),
            )
            .await?;
        Ok(EventPage {
            events: page.items.iter().filter_map(from_item).collect(),
            next_cursor: page.next_cursor,
        })
    }
}

fn from_item(item: &Item) -> Option<AuditEvent> {
    let text = |name: &str| {
        item.attrs
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let time_text = text("time")?;
    let time =
        OffsetDateTime::parse(&time_text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(AuditEvent {
        id: text("id")?,
        time,
        actor: text("actor"),
        action: known_action(&text("action")?),
        resource: text("resource"),
        outcome: match text("outcome")?.as_str() {
            "success" => Outcome::Success,
            "failure" => Outcome::Failure,
            _ => Outcome::Denied,
        },
        ip: text("ip"),
        user_agent: text("user_agent"),
        request_id: text("request_id"),
        org_id: text("org_id"),
        fields: item
            .attrs
            .get("fields")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Every action this code writes, so that a read event can carry a `&'static str`.
pub const ACTIONS: &[&str] = &[
    "auth.register",
    "auth.login",
    "auth.logout",
    "auth.profile.update",
    "auth.session.revoke",
    "auth.password.change",
    "auth.email.verify_request",
    "auth.email.verify",
    "auth.password.reset_request",
    "auth.password.reset",
    "pii.deanonymize",
    "orgs.org.create",
    "orgs.org.rename",
    "orgs.org.delete",
    "orgs.member.add",
    "orgs.member.role",
    "orgs.member.remove",
    "orgs.invitation.create",
    "orgs.invitation.revoke",
    "orgs.invitation.accept",
    "orgs.team.create",
    "orgs.team.delete",
    "orgs.team.member.add",
    "orgs.team.member.remove",
    "orgs.vault.create",
    "orgs.vault.delete",
    "tokens.issue",
    "tokens.refresh",
    "tokens.refresh.retry",
    "tokens.refresh.reuse_detected",
    "tokens.revoke",
    "tokens.revoke_vault",
    "tokens.signing_key.rotate",
    "clients.create",
    "clients.delete",
    "clients.certificate.create",
    "clients.certificate.revoke",
    "keys.create",
    "keys.rotate",
    "keys.update",
    "keys.trim",
    "keys.delete",
    "keys.decrypt",
    "keys.rewrap",
    "datasets.create",
    "datasets.update",
    "datasets.delete",
    "datasets.rotate",
    "datasets.job.finish",
    "records.create",
    "records.read",
    "records.delete",
    "records.search",
    "records.reseal",
    "records.payload.write",
    "records.payload.read",
    "records.payload.upload_url",
    "records.payload.download_url",
];

fn known_action(action: &str) -> &'static str {
    ACTIONS
        .iter()
        .find(|known| **known == action)
        .copied()
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::store::sqlite::SqliteTable;

    #[tokio::test]
    async fn events_are_read_back_newest_first_without_sensitive_fields() {
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
        let first = sink.event("auth.login", Outcome::Failure, &origin).unwrap();
        sink.record(&first).await.unwrap();
        clock.advance(time::Duration::milliseconds(5));
        let second = sink
            .event("auth.login", Outcome::Success, &origin)
            .unwrap()
            .actor("usr_x")
            .resource("usr_x");
        sink.record(&second).await.unwrap();

        let events = sink.day(None, clock.now(), 10).await.unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].id, second.id);
        assert_eq!(events[0].actor.as_deref(), Some("usr_x"));
        assert_eq!(events[0].outcome, Outcome::Success);
        assert_eq!(events[1].ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(events[1].request_id.as_deref(), Some("req_1"));
        assert!(events[0].id.starts_with("evt_"));
    }
}
