#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    coffer_core::http::lambda::serve(coffer_function_audit::group()).await
}
