//! The table outbox: `OUTBOX#<recipient>` / `MSG#<created ms>#<msg_id>` (see `store::schema`),
//! sealed (see [`super::sealed`]), listed in the unsent-message index until the mailer marks it
//! sent, expiring with the token.

use std::sync::Arc;

use super::sealed::Sealer;
use super::{OutboxError, OutboxMessage};
use crate::auth::AuthError;
use crate::keys::KeyRing;
use crate::store::{Condition, Query, Table, TxOp, schema};

/// Writes messages into the table, sealed; sends nothing (the mailer does).
#[derive(Debug, Clone)]
pub struct TableOutbox {
    table: Arc<dyn Table>,
    sealer: Arc<Sealer>,
}

impl TableOutbox {
    /// The outbox on `table`, sealing under data keys from `keys`.
    pub fn new(table: Arc<dyn Table>, keys: Arc<dyn KeyRing>) -> Self {
        Self {
            table,
            sealer: Arc::new(Sealer::new(keys)),
        }
    }

    /// The write that puts `message` into the outbox, for the transaction of the change that
    /// needs it.
    pub async fn put_op(&self, message: &OutboxMessage) -> Result<TxOp, OutboxError> {
        self.op(message, false).await
    }

    /// The same write for a message the mailer discards: what a request for an unknown address
    /// writes so that it costs what a known one does.
    pub async fn decoy_op(&self, message: &OutboxMessage) -> Result<TxOp, OutboxError> {
        self.op(message, true).await
    }

    async fn op(&self, message: &OutboxMessage, decoy: bool) -> Result<TxOp, OutboxError> {
        Ok(TxOp::Put {
            item: self.sealer.seal(message, decoy).await?,
            condition: Condition::MustNotExist,
        })
    }

    /// The recipient's messages, opened, newest first (one query). For tests and local
    /// administration: on AWS the request-path functions may not decrypt under the outbox
    /// context (template.yaml), so there only the mailer can open them.
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
        let mut messages = Vec::with_capacity(page.items.len());
        for item in &page.items {
            messages.push(self.sealer.open(item).await?.message);
        }
        Ok(messages)
    }
}

impl TableOutbox {
    /// Records the message on its own (sealed, unsent), outside any change: for tests and
    /// tools; a request writes its message with [`Self::put_op`] in its own transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %message.id, kind = message.kind.as_str()))]
    pub async fn deliver(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
        let item = self.sealer.seal(message, false).await?;
        self.table.put(item, Condition::MustNotExist).await?;
        Ok(())
    }
}
