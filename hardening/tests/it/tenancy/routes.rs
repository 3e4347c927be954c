//! The route walk: every operation the app's own OpenAPI document (`/v1/openapi.json`) lists.
//! The matrix starts from here, so a route added to the code is in the matrix at once (and the
//! test fails until the expectation table classifies it).

use coffer_testkit::TestApp;

/// The operations an OpenAPI path item may hold.
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// `METHOD /path/{param}`, as the document writes it (method upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub method: String,
    pub path: String,
}

impl Operation {
    /// The key the expectation table uses: `GET /v1/orgs/{org}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Every operation of the document the app serves, in the document's order.
pub async fn documented_operations(app: &TestApp) -> Vec<Operation> {
    let doc = app.get("/v1/openapi.json", None).await;
    assert_eq!(doc.code(), 200, "{}", doc.body);
    let paths = doc.body["paths"]
        .as_object()
        .expect("the document has paths");
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(*method).is_some() {
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                });
            }
        }
    }
    assert!(
        operations.len() > 50,
        "the document lists only {} operations",
        operations.len()
    );
    operations
}
