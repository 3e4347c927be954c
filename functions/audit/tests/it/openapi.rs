//! The OpenAPI document describes the audit routes as they behave: the org named in the query
//! string (required), the filters and pages, every problem answer, and the reply shapes.

use serde_json::Value;

fn parameters(operation: &Value) -> Vec<(String, bool)> {
    operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["required"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_openapi_document_describes_every_audit_route() {
    let app = crate::spawn();
    let doc = app.get("/v1/openapi.json", None).await;
    assert_eq!(doc.code(), 200, "{}", doc.body);
    let paths = &doc.body["paths"];
    let routes = [
        (
            "/v1/audit/logs",
            "get",
            vec![
                "org_id", "actor", "action", "resource", "from", "to", "limit", "cursor",
            ],
            "200",
            vec!["401", "403", "404", "422"],
        ),
        (
            "/v1/audit/verify",
            "get",
            vec!["org_id", "from", "to"],
            "200",
            vec!["401", "403", "404", "422"],
        ),
        (
            "/v1/audit/checkpoints",
            "get",
            vec!["org_id", "limit", "cursor"],
            "200",
            vec!["401", "403", "404", "422"],
        ),
        (
            "/v1/audit/checkpoints",
            "post",
            vec!["org_id"],
            "201",
            vec!["401", "403", "404", "409", "422", "503"],
        ),
    ];
    for (path, method, params, success, problems) in routes {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        let documented = parameters(operation);
        let names: Vec<&str> = documented.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, params, "{method} {path}");
        assert!(
            documented.contains(&("org_id".to_owned(), true)),
            "{method} {path}: org_id is required"
        );
        let responses = &operation["responses"];
        assert!(responses[success].is_object(), "{method} {path} {success}");
        for status in problems {
            assert_eq!(
                responses[status]["content"]["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
        assert_eq!(operation["tags"][0], "audit");
    }
    let schemas = &doc.body["components"]["schemas"];
    for schema in [
        "EventList",
        "EventView",
        "ChainView",
        "VerificationView",
        "BreakView",
        "BreakReason",
        "CheckpointList",
        "CheckpointView",
        "HeadView",
    ] {
        assert!(schemas[schema].is_object(), "{schema} is in the document");
    }
    let reasons: Vec<&str> = schemas["BreakReason"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        [
            "altered",
            "removed",
            "inserted",
            "reordered",
            "checkpoint_mismatch",
            "checkpoint_signature",
            "head_mismatch"
        ]
    );
}
