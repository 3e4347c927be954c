//! A failed run tells the scheduler whether trying again may help.

use std::sync::Arc;

use coffer_core::cleanup::CleanupError;
use coffer_core::faults::{FaultPlan, Faulty};
use coffer_core::store::{StoreError, Table};
use coffer_function_cleanup::Error;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};

fn scheduled_event()
-> LambdaEvent<aws_lambda_events::event::eventbridge::EventBridgeEvent<serde_json::Value>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/cleanup/scheduled.json"
    );
    let payload = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut context = Context::default();
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() as u64 * 1000;
    context.deadline = now_ms + 60_000;
    LambdaEvent::new(payload, context)
}

#[tokio::test]
async fn an_unavailable_store_fails_the_run_with_a_retryable_diagnostic() {
    let app = crate::embedded();
    let mut ports = app.state.ports.clone();
    let failing: Arc<dyn Table> = Arc::new(Faulty::new(
        Arc::clone(&ports.table),
        FaultPlan::always_fail(),
    ));
    ports.table = failing;
    let err = coffer_function_cleanup::handle(&ports, &crate::settings_of(&app), scheduled_event())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    let diagnostic = Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "Cleanup.Retryable");
    assert!(!diagnostic.error_message.is_empty());
}

#[test]
fn a_throttled_store_is_retryable_and_a_broken_request_is_fatal() {
    let throttled = Diagnostic::from(Error::from(CleanupError::Store(StoreError::Throttled)));
    assert_eq!(throttled.error_type, Error::RETRYABLE);
    let invalid = Diagnostic::from(Error::from(CleanupError::Store(StoreError::Invalid(
        "a key too long".into(),
    ))));
    assert_eq!(invalid.error_type, Error::FATAL);
}
