//! The table outbox: `OUTBOX#<recipient>` / `MSG#<created ms>#<msg_id>` (see `store::schema`),
//! expiring with the token.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{MessageKind, Outbox, OutboxError, OutboxMessage};
use crate::auth::users::{rfc3339, text, time_attr};
use crate::auth::{AuthError, Email};
use crate::store::{Condition, Item, Query, Table, schema};

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
    #[tracing::instrument(level = "debug", skip_all, fields(recipient = %recipient))]
    pub async fn messages_for(
        &self,
        recipient: &(impl std::fmt::Display + ?Sized),
        limit: usize,
    ) -> Result<Vec<OutboxMessage>, AuthError> {
        let page = self
            .table
            .query(
                &Query::partition(schema::outbox_partition(&recipient.to_string()))
                    .prefix(schema::OUTBOX_MESSAGES_PREFIX)
                    .limit(limit)
                    .descending(),
            )
            .await?;
        page.items.iter().map(from_item).collect()
    }
}

fn to_item(message: &OutboxMessage) -> Item {
    let created_ms = message.created_at.unix_timestamp_nanos() / 1_000_000;
    Item::new(schema::outbox_message(
        &message.recipient,
        created_ms,
        &message.id,
    ))
    .with_expiry(message.expires_at.unix_timestamp())
    .with_attr("id", message.id.as_str())
    .with_attr("recipient", message.recipient.as_str())
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
        recipient: text(item, "recipient")?.to_owned(),
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
