//! One audit event: who did what to which resource, how it ended, from where. Never a sensitive
//! value (no email, password, token or record field): ids, an IP, an outcome, field names.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use super::actions::known_action;
use crate::ids::UserId;
use crate::store::{Item, attrs};

pub use crate::store::schema::PLATFORM_SCOPE;

/// RFC 3339 with nine fraction digits: text order is time order.
const SORT_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");

/// `time` as events sort by it.
pub fn sort_time(time: OffsetDateTime) -> String {
    time.to_offset(time::UtcOffset::UTC)
        .format(SORT_TIME)
        .unwrap_or_default()
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

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "denied" => Some(Self::Denied),
            _ => None,
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
    /// The org the event belongs to; `None` for a user's own (or platform) events.
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
    /// Whose chain the event is in: its org's; without an org, the user it concerns (their own
    /// logins, password changes, failed logins on their account); else the platform's (`_`:
    /// failed logins for addresses nobody has).
    pub fn scope(&self) -> &str {
        self.org_id
            .as_deref()
            .or_else(|| self.subject().filter(|s| s.starts_with(UserId::PREFIX)))
            .unwrap_or(PLATFORM_SCOPE)
    }

    /// Whom the event concerns: its actor, or — for what was done to a user by nobody known,
    /// like a failed login on their account — that user.
    fn subject(&self) -> Option<&str> {
        self.actor.as_deref().or_else(|| {
            self.resource
                .as_deref()
                .filter(|r| r.starts_with(UserId::PREFIX))
        })
    }

    pub fn sort_time(&self) -> String {
        sort_time(self.time)
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

    /// The event's own attributes on `item`.
    pub(crate) fn write_attrs(&self, sort_time: &str, mut item: Item) -> Item {
        item = item
            .with_attr("id", self.id.as_str())
            .with_attr("time", sort_time)
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
        item
    }

    /// The event an item holds (a chain link or a filter entry), if it is one.
    pub(crate) fn from_item(item: &Item) -> Option<Self> {
        let text = |name: &'static str| attrs::text(item, name).ok().map(str::to_owned);
        let time = OffsetDateTime::parse(
            attrs::text(item, "time").ok()?,
            &time::format_description::well_known::Rfc3339,
        )
        .ok()?;
        Some(Self {
            id: text("id")?,
            time,
            actor: text("actor"),
            action: known_action(attrs::text(item, "action").ok()?),
            resource: text("resource"),
            outcome: Outcome::parse(attrs::text(item, "outcome").ok()?)?,
            ip: text("ip"),
            user_agent: text("user_agent"),
            request_id: text("request_id"),
            org_id: text("org_id"),
            fields: item
                .attrs
                .get("fields")
                .and_then(serde_json::Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(serde_json::Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}
