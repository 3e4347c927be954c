//! The table outbox: `OUTBOX#<usr_id>` / `MSG#<created ms>#<msg_id>`, expiring with the token.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{MessageKind, Outbox, OutboxError, OutboxMessage};
use crate::auth::users::{rfc3339, text, time_attr};
use crate::auth::{AuthError, Email, UserId};
use crate::store::{Condition, Item, Key, Query, Table};

/// Records every message in the table, then hands it to a sender if there is one. A sender's
/// failure is logged, not returned: the message stays recorded, and the caller's reply must not
/// depend on it (a reset request answers 202 whatever happens).
#[derive(Debug, Clone)]
pub struct TableOutbox {
    table: Arc<dyn Table>,
    sender: Option<Arc<dyn Outbox>>,
}

impl TableOutbox {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self {
            table,
            sender: None,
        }
    }

    /// Records, then sends through `sender`.
    pub fn with_sender(mut self, sender: Arc<dyn Outbox>) -> Self {
        self.sender = Some(sender);
        self
    }

    /// The user's recorded messages, newest first (one query): for admins and tests.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    pub async fn messages_for(
        &self,
        user: &UserId,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>, AuthError> {
        let page = self
            .table
            .query(
                &Query::partition(partition(user))
                    .prefix("MSG#")
                    .limit(limit)
                    .descending(),
            )
            .await?;
        page.items.iter().map(from_item).collect()
    }
}

fn partition(user: &UserId) -> String {
    format!("OUTBOX#{user}")
}

fn to_item(message: &OutboxMessage) -> Item {
    let created_ms = message.created_at.unix_timestamp_nanos() / 1_000_000;
    Item::new(Key::new(
        partition(&message.user_id),
        format!("MSG#{created_ms:015}#{}", message.id),
    ))
    .with_expiry(message.expires_at.unix_timestamp())
    .with_attr("id", message.id.as_str())
    .with_attr("user_id", message.user_id.as_str())
    .with_attr("to", message.to.as_str())
    .with_attr("kind", message.kind.as_str())
    .with_attr("subject", message.subject.as_str())
    .with_attr("text", message.text.as_str())
    .with_attr("created_at", rfc3339(message.created_at))
    .with_attr("valid_until", rfc3339(message.expires_at))
}

fn from_item(item: &Item) -> Result<OutboxMessage, AuthError> {
    Ok(OutboxMessage {
        id: text(item, "id")?.to_owned(),
        user_id: UserId::parse(text(item, "user_id")?).ok_or(AuthError::Corrupt("message user"))?,
        to: Email::parse(text(item, "to")?).map_err(|_| AuthError::Corrupt("message address"))?,
        kind: MessageKind::parse(text(item, "kind")?).ok_or(AuthError::Corrupt("message kind"))?,
        subject: text(item, "subject")?.to_owned(),
        text: text(item, "text")?.to_owned(),
        created_at: time_attr(item, "created_at")?,
        expires_at: time_attr(item, "valid_until").unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

#[async_trait]
impl Outbox for TableOutbox {
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %message.id, kind = message.kind.as_str()))]
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
        self.table
            .put(to_item(message), Condition::MustNotExist)
            .await?;
        if let Some(sender) = &self.sender
            && let Err(err) = sender.deliver(message).await
        {
            let mut chain = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                chain = format!("{chain}: {cause}");
                source = cause.source();
            }
            tracing::error!(message_id = %message.id, error = %chain, "sending failed; the message stays in the outbox");
        }
        Ok(())
    }
}
