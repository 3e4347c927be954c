//! The OpenAPI document lists every identity route with its body and its error statuses.

use axum::http::StatusCode;

use super::spawn_app;

#[tokio::test]
async fn every_identity_route_is_in_the_openapi_document_with_its_statuses() {
    let app = spawn_app();

    let reply = app.get("/v1/openapi.json", None).await;

    assert_eq!(reply.status, StatusCode::OK);
    let doc = &reply.body;
    let routes = [
        (
            "/v1/auth/register",
            "post",
            &["201", "409", "422", "429"][..],
        ),
        ("/v1/auth/login", "post", &["200", "401", "422", "429"]),
        ("/v1/auth/logout", "post", &["204", "401"]),
        ("/v1/auth/me", "get", &["200", "401"]),
        ("/v1/users/me", "put", &["200", "401", "422"]),
        ("/v1/auth/sessions", "get", &["200", "401"]),
        ("/v1/auth/sessions/{id}", "delete", &["204", "401", "404"]),
        ("/v1/auth/password", "post", &["204", "401", "403", "422"]),
        (
            "/v1/auth/email/verify/request",
            "post",
            &["202", "401", "409"],
        ),
        ("/v1/auth/email/verify/confirm", "post", &["204", "400"]),
        ("/v1/auth/password/reset/request", "post", &["202", "422"]),
        (
            "/v1/auth/password/reset/confirm",
            "post",
            &["204", "400", "422"],
        ),
    ];
    for (path, method, statuses) in routes {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is missing");
        for status in statuses {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} lacks {status}"
            );
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["scheme"], "bearer");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert!(doc["components"]["schemas"]["RegisterRequest"].is_object());
    assert!(doc["paths"]["/v1/auth/me"]["get"]["security"].is_array());
}
