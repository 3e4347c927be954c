//! The mailer: opens each unsent outbox message, delivers it through a [`MailSender`] and marks
//! it sent. The `mailer` Lambda runs it for each outbox item of the table's stream; `coffer-local`
//! runs it over the unsent-message index in the background. At-least-once and idempotent per
//! message: it re-reads the item, skips one already sent, and marks with a conditional write, so
//! of two mailers racing on one message only one marks it (both may have sent it).

use std::sync::Arc;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use super::sealed::Sealer;
use super::{EmlFiles, MailSender, OutboxError, SesOutbox, error_chain};
use crate::backends::Ports;
use crate::clock::Clock;
use crate::keys::KeyRing;
use crate::settings::{Backend, Settings};
use crate::store::{Condition, Item, Key, Query, StoreError, Table, schema};

/// The sender of local mail when `COFFER_SES_FROM_ADDRESS` names none.
const LOCAL_FROM: &str = "coffer@localhost";

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered and marked sent.
    Sent,
    /// A decoy: marked sent without sending.
    Discarded,
    /// Gone, expired or already sent: nothing to do.
    Skipped,
    /// No sender is configured: left unsent.
    Held,
    /// Not an outbox item.
    NotOutbox,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MailerReport {
    pub sent: usize,
    pub discarded: usize,
    pub skipped: usize,
    pub held: usize,
    pub failed: usize,
}

impl MailerReport {
    pub fn count(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Sent => self.sent += 1,
            Delivery::Discarded => self.discarded += 1,
            Delivery::Skipped | Delivery::NotOutbox => self.skipped += 1,
            Delivery::Held => self.held += 1,
        }
    }
}

/// Opens, delivers and marks sent.
#[derive(Debug, Clone)]
pub struct Mailer {
    table: Arc<dyn Table>,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    sender: Option<Arc<dyn MailSender>>,
}

impl Mailer {
    /// A mailer on `table` opening with `keys`; without a sender it leaves messages unsent.
    pub fn new(
        table: Arc<dyn Table>,
        keys: Arc<dyn KeyRing>,
        clock: Arc<dyn Clock>,
        sender: Option<Arc<dyn MailSender>>,
    ) -> Self {
        Self {
            table,
            sealer: Arc::new(Sealer::new(keys)),
            clock,
            sender,
        }
    }

    /// The mailer the settings ask for: on AWS, SES v2 from `COFFER_SES_FROM_ADDRESS` (none
    /// without it); embedded, `.eml` files under `<data_dir>/mail/`. Makes no network call.
    pub async fn from_settings(settings: &Settings, ports: &Ports) -> Self {
        let sender: Option<Arc<dyn MailSender>> =
            match (&settings.backend, &settings.auth.ses_from_address) {
                (Backend::Aws, Some(from)) => {
                    let config = crate::aws::sdk_config(settings).await;
                    Some(Arc::new(SesOutbox::new(&config, from.clone())))
                }
                (Backend::Aws, None) => None,
                (Backend::Embedded, _) => return Self::eml_files(settings, ports),
            };
        Self::new(
            Arc::clone(&ports.table),
            Arc::clone(&ports.keys),
            Arc::clone(&ports.clock),
            sender,
        )
    }

    /// The local stack's mailer, whatever the backend: `.eml` files under `<data_dir>/mail/`,
    /// from `COFFER_SES_FROM_ADDRESS` or `coffer@localhost`.
    pub fn eml_files(settings: &Settings, ports: &Ports) -> Self {
        let from = settings
            .auth
            .ses_from_address
            .as_deref()
            .unwrap_or(LOCAL_FROM);
        Self::new(
            Arc::clone(&ports.table),
            Arc::clone(&ports.keys),
            Arc::clone(&ports.clock),
            Some(Arc::new(EmlFiles::new(
                settings.data_dir.join("mail"),
                from,
            ))),
        )
    }

    /// Delivers the outbox message at `key` if it is still unsent.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn deliver(&self, key: &Key) -> Result<Delivery, OutboxError> {
        if !key.pk.starts_with(&schema::outbox_partition("")) {
            return Ok(Delivery::NotOutbox);
        }
        // Read again: the stream's image or the index may be older than the item.
        let Some(item) = self.table.get(key).await? else {
            return Ok(Delivery::Skipped);
        };
        if item.gsi1.is_none() {
            return Ok(Delivery::Skipped);
        }
        let opened = self.sealer.open(&item).await?;
        let id = opened.message.id.clone();
        if opened.decoy {
            self.mark_sent(item).await?;
            return Ok(Delivery::Discarded);
        }
        let Some(sender) = &self.sender else {
            tracing::warn!(message_id = %id, "no sender configured (COFFER_SES_FROM_ADDRESS); the message stays unsent");
            return Ok(Delivery::Held);
        };
        sender.send(&opened.message).await?;
        self.mark_sent(item).await?;
        tracing::info!(message_id = %id, kind = opened.message.kind.as_str(), "message sent");
        Ok(Delivery::Sent)
    }

    /// Takes the item out of the unsent index, once: a mailer that lost the race finds the
    /// version moved and leaves it.
    async fn mark_sent(&self, item: Item) -> Result<(), OutboxError> {
        let version = item.version;
        let sent_at = self.clock.now().format(&Rfc3339).unwrap_or_default();
        let mut sent = item.with_version(version + 1).with_attr("sent_at", sent_at);
        sent.gsi1 = None;
        match self
            .table
            .put(sent, Condition::VersionEquals(version))
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(other) => Err(other.into()),
        }
    }

    /// Delivers up to `per_shard` unsent messages of each shard of the index, oldest first. A
    /// message that fails is logged and stays unsent for the next run.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn deliver_pending(&self, per_shard: usize) -> Result<MailerReport, OutboxError> {
        let mut report = MailerReport::default();
        for shard in 0..schema::OUTBOX_PENDING_SHARDS {
            let page = self
                .table
                .query(&Query::gsi1(schema::outbox_pending_partition(shard)).limit(per_shard))
                .await?;
            for item in &page.items {
                match self.deliver(&item.key).await {
                    Ok(delivery) => report.count(delivery),
                    Err(err) => {
                        report.failed += 1;
                        tracing::error!(error = %error_chain(&err), "message not delivered; it stays unsent");
                    }
                }
            }
        }
        Ok(report)
    }
}
