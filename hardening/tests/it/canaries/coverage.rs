//! The plantings cover the API: every operation of the OpenAPI document that takes a body or a
//! searched value was sent a canary, so a new route with input fails here until it is planted.

use super::driver::Driver;

/// Routes with a body that carries nothing a client holds secret, each with why.
const NOTHING_SENSITIVE: &[(&str, &str)] = &[];

/// Each `METHOD /template` of the document with a request body or a `value` query parameter
/// that the scenario did not call.
pub async fn unplanted(d: &Driver) -> Vec<String> {
    let doc = d.app.get("/v1/openapi.json", None).await.body;
    let called = d.called.lock().unwrap().clone();
    let mut missing = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().unwrap() {
            let searched = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["in"] == "query" && p["name"] == "value");
            let route = format!("{} {path}", method.to_uppercase());
            let takes_input = operation.get("requestBody").is_some() || searched;
            if takes_input
                && !called.contains(&route)
                && !NOTHING_SENSITIVE.iter().any(|(r, _)| *r == route)
            {
                missing.push(route);
            }
        }
    }
    missing
}
