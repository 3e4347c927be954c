//! The `mailer` function: triggered by the table's DynamoDB stream (filtered to outbox items in
//! `template.yaml`), it delivers each new outbox message through the core [`Mailer`] (open,
//! send with SES v2, mark sent). A record that fails is reported as a batch item failure, so
//! Lambda retries from it; a message already sent is skipped, so a retry sends nothing twice
//! that was marked. A schedule also runs it over every message still listed as unsent, so mail
//! whose stream records were given up on (an outage longer than the retries, or no sender
//! configured at the time) still goes out.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use coffer_core::auth::Mailer;
use coffer_core::auth::outbox::MailerReport;
use coffer_core::store::Key;
use lambda_runtime::LambdaEvent;
use serde::Deserialize;

/// The primary key of a stream record.
#[derive(Deserialize)]
struct StreamKey {
    pk: String,
    sk: String,
}

/// What one invocation did, and the records Lambda should retry from.
#[derive(Debug, Default)]
pub struct Handled {
    pub report: MailerReport,
    pub response: DynamoDbEventResponse,
}

/// What wakes the mailer: a batch of the table's stream, or its schedule.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub enum Wake {
    Stream(Event),
    Schedule(serde_json::Value),
}

/// Unsent messages a scheduled sweep takes per shard of the pending index.
const SWEEP_PER_SHARD: usize = 100;

/// Handles whatever woke the mailer: stream records, or a sweep of every unsent message.
pub async fn handle_wake(
    mailer: &Mailer,
    event: LambdaEvent<Wake>,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    match event.payload {
        Wake::Stream(batch) => {
            let handled = handle_records(mailer, &batch.records).await;
            Ok(serde_json::to_value(handled.response)?)
        }
        Wake::Schedule(_) => {
            let report = mailer.deliver_pending(SWEEP_PER_SHARD).await?;
            tracing::info!(report = ?report, "scheduled sweep of unsent mail done");
            Ok(serde_json::json!({
                "sent": report.sent,
                "failed": report.failed,
            }))
        }
    }
}

/// Handles one batch of stream records: each outbox INSERT is delivered.
pub async fn handle(mailer: &Mailer, event: LambdaEvent<Event>) -> DynamoDbEventResponse {
    handle_records(mailer, &event.payload.records)
        .await
        .response
}

/// The same, with the report (for tests).
pub async fn handle_records(mailer: &Mailer, records: &[EventRecord]) -> Handled {
    let mut handled = Handled::default();
    for record in records {
        if record.event_name != "INSERT" {
            handled.report.skipped += 1;
            continue;
        }
        let key = match serde_dynamo::from_item::<_, StreamKey>(record.change.keys.clone()) {
            Ok(key) => Key::new(key.pk, key.sk),
            Err(_) => {
                tracing::warn!(event_id = %record.event_id, "a stream record without pk and sk");
                handled.report.skipped += 1;
                continue;
            }
        };
        match mailer.deliver(&key).await {
            Ok(delivery) => handled.report.count(delivery),
            Err(err) => {
                tracing::error!(event_id = %record.event_id, error = %err, "message not delivered; Lambda retries the batch from it");
                handled.report.failed += 1;
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                handled.response.batch_item_failures.push(failure);
                // Retried from this record: the rest of the batch comes again.
                break;
            }
        }
    }
    tracing::info!(report = ?handled.report, "mailer batch done");
    handled
}
