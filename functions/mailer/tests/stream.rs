//! The `mailer` function on a DynamoDB stream batch: the sample event in `events/mailer/` goes
//! through the handler, and the outbox message it names is opened, sent once and marked sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::event::dynamodb::Event;
use coffer_core::auth::outbox::{MailSender, MessageKind, OutboxError, TableOutbox};
use coffer_core::auth::{Email, Mailer, OutboxMessage};
use coffer_core::{Clock, ManualClock, Ports, Settings};
use lambda_runtime::{Context, LambdaEvent};

/// A sender that keeps what it was given.
#[derive(Debug, Default)]
struct Captured(Mutex<Vec<OutboxMessage>>);

#[async_trait]
impl MailSender for Captured {
    async fn send(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
        self.0.lock().unwrap().push(message.clone());
        Ok(())
    }
}

fn sample_event() -> Event {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/mailer/stream.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The message the sample event's first record names (its id, recipient and creation time).
fn named_message() -> OutboxMessage {
    let created_at = time::macros::datetime!(2026-11-22 10:00 UTC);
    OutboxMessage {
        id: "msg_01kahq3f000000000000000000".into(),
        recipient: "usr_01kahq3f000000000000000000".into(),
        to: Email::parse("ada@example.com").unwrap(),
        kind: MessageKind::VerifyEmail,
        subject: "Verify your email address for Coffer".into(),
        text: "Your verification code: stream-code-123\n".into(),
        created_at,
        // Far ahead of the clock, so it is live whenever the test runs.
        expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(1),
    }
}

struct World {
    ports: Ports,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_now();
    let ports = Ports::embedded(&Settings::embedded(dir.path()), clock as Arc<dyn Clock>).unwrap();
    World { ports, _dir: dir }
}

fn mailer(world: &World, sender: Option<Arc<Captured>>) -> Mailer {
    Mailer::new(
        world.ports.table.clone(),
        world.ports.keys.clone(),
        world.ports.clock.clone(),
        sender.map(|s| s as Arc<dyn MailSender>),
    )
}

#[tokio::test]
async fn the_sample_stream_event_sends_the_outbox_message_it_names_once() {
    let world = world();
    let outbox = TableOutbox::new(world.ports.table.clone(), world.ports.keys.clone());
    outbox.deliver(&named_message()).await.unwrap();
    let captured = Arc::new(Captured::default());
    let mailer = mailer(&world, Some(captured.clone()));

    let response = coffer_function_mailer::handle(
        &mailer,
        LambdaEvent::new(sample_event(), Context::default()),
    )
    .await;

    assert!(response.batch_item_failures.is_empty());
    let sent = captured.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to.as_str(), "ada@example.com");
    assert!(sent[0].text.contains("stream-code-123"));

    // Delivered again (a retried batch): nothing is sent twice.
    let again = coffer_function_mailer::handle_records(&mailer, &sample_event().records).await;
    assert_eq!(again.report.sent, 0);
    assert_eq!(captured.0.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_record_whose_message_cannot_be_opened_is_reported_for_retry() {
    let world = world();
    // Sealed under another key ring: this mailer cannot open it.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Ports::embedded(
        &Settings::embedded(elsewhere.path()),
        Arc::new(coffer_core::SystemClock),
    )
    .unwrap();
    let outbox = TableOutbox::new(world.ports.table.clone(), other.keys.clone());
    outbox.deliver(&named_message()).await.unwrap();
    let captured = Arc::new(Captured::default());

    let handled = coffer_function_mailer::handle_records(
        &mailer(&world, Some(captured.clone())),
        &sample_event().records,
    )
    .await;

    assert_eq!(handled.report.failed, 1);
    assert_eq!(
        handled.response.batch_item_failures[0]
            .item_identifier
            .as_deref(),
        Some("111100000000000000000001")
    );
    assert!(captured.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn without_a_sender_the_message_is_held_and_stays_unsent() {
    let world = world();
    let outbox = TableOutbox::new(world.ports.table.clone(), world.ports.keys.clone());
    outbox.deliver(&named_message()).await.unwrap();

    let handled =
        coffer_function_mailer::handle_records(&mailer(&world, None), &sample_event().records)
            .await;

    assert_eq!(handled.report.held, 1);
    assert!(handled.response.batch_item_failures.is_empty());
}

#[tokio::test]
async fn the_schedule_sends_mail_whose_stream_records_were_given_up_on() {
    let world = world();
    let outbox = TableOutbox::new(world.ports.table.clone(), world.ports.keys.clone());
    outbox.deliver(&named_message()).await.unwrap();
    let captured = Arc::new(Captured::default());
    let mailer = mailer(&world, Some(captured.clone()));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/mailer/scheduled.json"
    );
    let wake: coffer_function_mailer::Wake =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        matches!(wake, coffer_function_mailer::Wake::Schedule(_)),
        "a schedule is not read as a stream batch"
    );
    let stream: coffer_function_mailer::Wake = serde_json::to_value(sample_event())
        .map(|v| serde_json::from_value(v).unwrap())
        .unwrap();
    assert!(matches!(stream, coffer_function_mailer::Wake::Stream(_)));

    let reply =
        coffer_function_mailer::handle_wake(&mailer, LambdaEvent::new(wake, Context::default()))
            .await
            .unwrap();
    assert_eq!(reply["sent"], 1);
    assert_eq!(captured.0.lock().unwrap().len(), 1);
}
