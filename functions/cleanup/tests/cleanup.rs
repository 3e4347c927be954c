#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use coffer_core::store::{Condition, Item, Key};
use coffer_core::{Clock, ManualClock, Ports, Settings};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;

fn scheduled_event(deadline_in_ms: u64) -> LambdaEvent<EventBridgeEvent<Value>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/cleanup/scheduled.json"
    );
    let payload = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut context = Context::default();
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() as u64 * 1000;
    context.deadline = now_ms + deadline_in_ms;
    LambdaEvent::new(payload, context)
}

/// Embedded ports with `count` expired items in partition `pk` (`<pk-initial><n>`), the time
/// they were made at, and the folder that holds them.
async fn with_expired_items(pk: &str, count: usize) -> (Ports, i64, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_now();
    let ports = Ports::embedded(
        &Settings::embedded(dir.path()),
        clock.clone() as Arc<dyn Clock>,
    )
    .unwrap();
    let now = clock.unix();
    let initial = &pk[..1];
    for i in 0..count {
        let item = Item::new(Key::new(pk, format!("{initial}{i}"))).with_expiry(now - 1);
        ports.table.put(item, Condition::None).await.unwrap();
    }
    (ports, now, dir)
}

#[tokio::test]
async fn a_scheduled_run_purges_expired_items_and_keeps_live_ones() {
    let (ports, now, _dir) = with_expired_items("session", 250).await;
    let live = Item::new(Key::new("session", "live")).with_expiry(now + 60);
    ports
        .table
        .put(live.clone(), Condition::None)
        .await
        .unwrap();

    let report = coffer_function_cleanup::handle(
        &ports,
        &Settings::embedded(std::env::temp_dir()),
        scheduled_event(60_000),
    )
    .await
    .unwrap();
    assert_eq!(report.expired_items, 250);
    assert!(!report.out_of_time);
    assert_eq!(ports.table.get(&live.key).await.unwrap(), Some(live));

    // Running again finds nothing: the run is idempotent.
    let again = coffer_function_cleanup::handle(
        &ports,
        &Settings::embedded(std::env::temp_dir()),
        scheduled_event(60_000),
    )
    .await
    .unwrap();
    assert_eq!(again.expired_items, 0);
}

#[tokio::test]
async fn a_run_without_time_left_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let ports =
        Ports::embedded(&Settings::embedded(dir.path()), ManualClock::starting_now()).unwrap();
    let report = coffer_function_cleanup::handle(
        &ports,
        &Settings::embedded(std::env::temp_dir()),
        scheduled_event(1_000),
    )
    .await
    .unwrap();
    assert!(report.out_of_time);
}

#[tokio::test]
async fn a_run_resumes_the_sweep_where_the_last_one_stopped_and_forgets_it_once_done() {
    use coffer_core::store::{Cursor, schema};
    let (ports, _, _dir) = with_expired_items("token", 30).await;
    // A run that stopped midway left its position.
    let stopped_at = Cursor::after(&Item::new(Key::new("token", "t9")));
    ports
        .table
        .put(
            Item::new(schema::cleanup_state()).with_attr("resume", stopped_at.encode()),
            Condition::None,
        )
        .await
        .unwrap();
    let report = coffer_function_cleanup::handle(
        &ports,
        &Settings::embedded(std::env::temp_dir()),
        scheduled_event(60_000),
    )
    .await
    .unwrap();
    assert_eq!(report.expired_items, 30);
    assert!(!report.sweep_resumes);
    let state = ports
        .table
        .get(&schema::cleanup_state())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        state.attrs["resume"],
        Value::Null,
        "a finished pass starts afresh next time"
    );
}

#[tokio::test]
async fn a_scheduled_run_makes_the_first_signing_key_and_the_next_one_when_rotation_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::starting_now();
    let settings = Settings::embedded(dir.path());
    let ports = Ports::embedded(&settings, clock.clone() as Arc<dyn Clock>).unwrap();
    let run = || coffer_function_cleanup::handle(&ports, &settings, scheduled_event(60_000));

    let first = run().await.unwrap().signing_key_added;
    assert!(first.is_some(), "the first run makes the first key");
    assert_eq!(run().await.unwrap().signing_key_added, None, "not due yet");

    let rotation = settings.tokens.signing_key_rotation - settings.tokens.signing_key_lead;
    clock.advance(time::Duration::seconds(rotation.as_secs() as i64));
    let second = run().await.unwrap().signing_key_added;
    assert!(second.is_some() && second != first, "due: a second key");
    assert_eq!(run().await.unwrap().signing_key_added, None);
}

#[tokio::test]
async fn a_run_checkpoints_every_scope_whose_chains_moved_and_the_next_run_none() {
    use coffer_core::audit::{AuditSink, Outcome, RequestOrigin, checkpoint};
    let dir = tempfile::tempdir().unwrap();
    let ports =
        Ports::embedded(&Settings::embedded(dir.path()), ManualClock::starting_now()).unwrap();
    let sink = AuditSink::new(ports.table.clone(), ports.clock.clone());
    let org = "org_01arz3ndektsv4rrffq69g5fav";
    let mut event = sink
        .event(
            "orgs.vault.create",
            Outcome::Success,
            &RequestOrigin::default(),
        )
        .unwrap()
        .actor("usr_01arz3ndektsv4rrffq69g5fav");
    event.org_id = Some(org.to_owned());
    sink.record(&event).await.unwrap();

    let settings = Settings::embedded(std::env::temp_dir());
    let first = coffer_function_cleanup::handle(&ports, &settings, scheduled_event(60_000))
        .await
        .unwrap();
    // The org, and the platform (the signing keys this first run made are audited there).
    assert_eq!(first.audit_checkpoints_written, 2, "{first:?}");
    let (written, _) = checkpoint::list(&*ports.table, org, 10, None)
        .await
        .unwrap();
    assert_eq!(written.len(), 1);
    assert_eq!(
        written[0].claims.heads.iter().map(|h| h.seq).sum::<u64>(),
        1,
        "the checkpoint covers the org's one event"
    );

    let second = coffer_function_cleanup::handle(&ports, &settings, scheduled_event(60_000))
        .await
        .unwrap();
    assert_eq!(second.audit_checkpoints_written, 0, "{second:?}");
}

#[tokio::test]
async fn an_invocation_without_a_usable_deadline_runs_for_the_local_budget() {
    let dir = tempfile::tempdir().unwrap();
    let ports =
        Ports::embedded(&Settings::embedded(dir.path()), ManualClock::starting_now()).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/cleanup/scheduled.json"
    );
    let payload = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // `cargo lambda watch` sends a duration (600000) where Lambda sends a Unix time.
    let mut context = Context::default();
    context.deadline = 600_000;
    let report = coffer_function_cleanup::handle(
        &ports,
        &Settings::embedded(std::env::temp_dir()),
        LambdaEvent::new(payload, context),
    )
    .await
    .unwrap();
    assert!(!report.out_of_time, "{report:?}");
}
