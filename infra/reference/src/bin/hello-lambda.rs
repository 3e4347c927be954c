//! A hello-world `lambda_runtime` function: the reference a Coffer function's cold start is
//! measured against (same runtime crate, same build profile, nothing else at init).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<Value, Error>(json!({"statusCode": 200, "body": "hello"}))
    }))
    .await
}
