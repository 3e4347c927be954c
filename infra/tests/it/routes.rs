//! The routes the code serves, the sample events in `events/` and the `HttpApi` routes in
//! `template.yaml` agree: every route has an event and a SAM route, and no event or SAM route
//! names a route the code does not serve (DESIGN.md, "A function group, the same way every
//! time"). Routes are compared as API Gateway route keys: `METHOD /path/{param}`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::{Path, PathBuf};

use coffer_core::Settings;
use serde_json::Value;

/// The repository root.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The route `coffer_core::http::app` serves next to, not inside, the document it serves.
const OPENAPI_ROUTE: &str = "GET /v1/openapi.json";

/// Folders of `events/` whose function no HTTP route invokes: their events carry no `routeKey`.
const NON_HTTP_EVENT_FOLDERS: &[&str] = &["cleanup", "mailer"];

/// The operations an OpenAPI path item may hold (its other members are not routes).
const OPENAPI_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The route keys the all-in-one app (every function's routes, as deployed) serves: each
/// operation of the OpenAPI document it generates, and the document's own route.
async fn served_routes() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::embedded(dir.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(coffer_local::serve(settings, listener, async {
        let _ = stopped.await;
    }));

    let reply = reqwest::get(format!("{base}/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "{OPENAPI_ROUTE} is served");
    let doc: Value = reply.json().await.unwrap();
    drop(stop);

    let mut routes: BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("the OpenAPI document has paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap_or_else(|| panic!("path item {path} is an object"))
                .keys()
                .filter(|key| OPENAPI_METHODS.contains(&key.as_str()))
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    routes.insert(OPENAPI_ROUTE.to_owned());
    routes
}

/// Every `.json` file under `dir`, at any depth.
fn json_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
}

/// The sample events: route key -> the files (relative to the repository) that carry it, and the
/// files of HTTP function folders that carry none.
struct SampleEvents {
    routes: BTreeMap<String, Vec<String>>,
    without_route_key: Vec<String>,
}

fn sample_events() -> SampleEvents {
    let root = Path::new(ROOT);
    let mut files = Vec::new();
    json_files(&root.join("events"), &mut files);
    files.sort();

    let mut events = SampleEvents {
        routes: BTreeMap::new(),
        without_route_key: Vec::new(),
    };
    for file in files {
        let relative = file.strip_prefix(root).unwrap();
        let name = relative.display().to_string();
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match event["routeKey"].as_str() {
            Some(route) => events
                .routes
                .entry(route.to_owned())
                .or_default()
                .push(name),
            None => {
                // events/<folder>/...
                let folder = relative.components().nth(1).unwrap().as_os_str();
                if !NON_HTTP_EVENT_FOLDERS.iter().any(|f| folder == *f) {
                    events.without_route_key.push(name);
                }
            }
        }
    }
    events
}

/// Every `HttpApi` event of every function in `template.yaml`: route key -> `Function.Event`.
fn template_routes() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(format!("{ROOT}/template.yaml")).unwrap();
    let template: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut routes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let function = name.as_str().unwrap();
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (event_name, event) in events {
            if event["Type"] != "HttpApi" {
                continue;
            }
            let at = format!("{function}.{}", event_name.as_str().unwrap());
            let properties = &event["Properties"];
            let method = properties["Method"]
                .as_str()
                .unwrap_or_else(|| panic!("{at} names no Method"))
                .to_uppercase();
            let path = properties["Path"]
                .as_str()
                .unwrap_or_else(|| panic!("{at} names no Path"));
            routes
                .entry(format!("{method} {path}"))
                .or_default()
                .push(at);
        }
    }
    routes
}

/// One item a line, indented under the message.
fn lines(items: impl IntoIterator<Item = impl Display>) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str("\n  ");
        out.push_str(&item.to_string());
    }
    out
}

#[tokio::test]
async fn every_route_in_the_openapi_document_has_a_sample_event() {
    let served = served_routes().await;
    let events = sample_events();

    let missing: Vec<&String> = served
        .iter()
        .filter(|route| !events.routes.contains_key(*route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes the code serves without an event (a file under events/<group>/ whose routeKey \
         names the route):{}",
        lines(missing)
    );
}

#[tokio::test]
async fn every_route_in_the_openapi_document_is_routed_to_a_function_in_the_template() {
    let served = served_routes().await;
    let template = template_routes();

    let missing: Vec<&String> = served
        .iter()
        .filter(|route| !template.contains_key(*route))
        .collect();
    assert!(
        missing.is_empty(),
        "routes the code serves without an HttpApi event (Method and Path) in any \
         AWS::Serverless::Function of template.yaml:{}",
        lines(missing)
    );
}

#[tokio::test]
async fn every_sample_event_and_template_route_is_a_route_the_code_serves() {
    let served = served_routes().await;
    let events = sample_events();
    let template = template_routes();

    let mut problems = Vec::new();
    for (route, files) in &events.routes {
        if !served.contains(route) {
            problems.push(format!(
                "event routeKey {route:?} ({}) is not in the OpenAPI document",
                files.join(", ")
            ));
        }
    }
    for file in &events.without_route_key {
        problems.push(format!(
            "event {file} has no routeKey (only events/{NON_HTTP_EVENT_FOLDERS:?} may lack one)"
        ));
    }
    for (route, functions) in &template {
        if !served.contains(route) {
            problems.push(format!(
                "template route {route:?} ({}) is not in the OpenAPI document",
                functions.join(", ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "stale events or template routes:{}",
        lines(problems)
    );
}

/// The binaries (`Metadata.BuildProperties.Binary`) the template routes each route key to.
fn template_binaries() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(format!("{ROOT}/template.yaml")).unwrap();
    let template: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in template["Resources"].as_mapping().unwrap().values() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values().filter(|e| e["Type"] == "HttpApi") {
            let properties = &event["Properties"];
            let method = properties["Method"].as_str().unwrap().to_uppercase();
            let path = properties["Path"].as_str().unwrap();
            routes
                .entry(format!("{method} {path}"))
                .or_default()
                .insert(binary.to_owned());
        }
    }
    routes
}

/// `cargo lambda watch`'s router (`[workspace.metadata.lambda.watch.router]` in the root
/// Cargo.toml, read through `cargo metadata`): route key -> function. A path mapped to one
/// function for every method is keyed `* /path`.
fn watch_routes() -> BTreeMap<String, String> {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    let router = metadata["metadata"]["lambda"]["watch"]["router"]
        .as_object()
        .expect("[workspace.metadata.lambda.watch.router] in the root Cargo.toml");
    let mut routes = BTreeMap::new();
    for (path, target) in router {
        match target {
            Value::String(function) => {
                routes.insert(format!("* {path}"), function.clone());
            }
            Value::Array(by_method) => {
                for route in by_method {
                    let method = route["method"].as_str().unwrap().to_uppercase();
                    let function = route["function"].as_str().unwrap().to_owned();
                    routes.insert(format!("{method} {path}"), function);
                }
            }
            other => panic!("watch route {path}: {other}"),
        }
    }
    routes
}

/// The router lines that serve the template's routes (what to paste into Cargo.toml).
fn router_lines(template: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut by_path: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (route, binaries) in template {
        let (method, path) = route.split_once(' ').unwrap();
        for binary in binaries {
            by_path.entry(path).or_default().push(format!(
                "{{ method = \"{method}\", function = \"{binary}\" }}"
            ));
        }
    }
    lines(
        by_path
            .iter()
            .map(|(path, routes)| format!("\"{path}\" = [{}]", routes.join(", "))),
    )
}

#[tokio::test]
async fn cargo_lambda_watch_serves_every_route_with_the_function_the_template_routes_it_to() {
    let served = served_routes().await;
    let template = template_binaries();
    let watch = watch_routes();

    let mut problems = Vec::new();
    for route in &served {
        let (_, path) = route.split_once(' ').unwrap();
        let expected = template.get(route);
        let mapped = watch.get(route).or_else(|| watch.get(&format!("* {path}")));
        match (expected, mapped) {
            (Some(binaries), Some(function))
                if binaries.len() == 1 && binaries.contains(function) => {}
            (Some(binaries), mapped) => problems.push(format!(
                "{route}: the template routes it to {binaries:?}, watch to {mapped:?}"
            )),
            (None, _) => {} // reported by the template tests
        }
    }
    for (route, function) in &watch {
        let served_here = match route.strip_prefix("* ") {
            Some(path) => template
                .iter()
                .any(|(r, b)| r.ends_with(&format!(" {path}")) && b.contains(function)),
            None => template.get(route).is_some_and(|b| b.contains(function)),
        };
        if !served_here {
            problems.push(format!(
                "watch route {route} -> {function} is no template route of that function"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "[workspace.metadata.lambda.watch.router] (root Cargo.toml) and template.yaml \
         disagree:{}\nthe router the template asks for:{}",
        lines(problems),
        router_lines(&template)
    );
}
