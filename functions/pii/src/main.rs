#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    // Compile the detector's automata and load the name lists at cold start, not on a request.
    coffer_core::pii::engine::Detector::shared();
    coffer_core::http::lambda::serve(coffer_function_pii::routes()).await
}
