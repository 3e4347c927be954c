use coffer_core::auth::Mailer;
use coffer_core::http::lambda::emf_invocation;
use coffer_core::telemetry::{self, emf};
use coffer_core::{Ports, Settings, SystemClock};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_json);
    let ports = Ports::from_settings(&settings, Arc::new(SystemClock)).await?;
    let mailer = &Mailer::from_settings(&settings, &ports).await;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        // The key-ring calls that opening the messages made, as one EMF document.
        let invocation = emf_invocation(&event.context);
        let (result, recording) =
            telemetry::scoped(coffer_function_mailer::handle_wake(mailer, event)).await;
        emf::print(&emf::documents(&recording, &invocation, emf::now_ms()));
        result
    }))
    .await
}
