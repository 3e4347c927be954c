//! The docs page at `/docs`: served from files bundled into the binary, loading nothing from
//! another origin, and rendering the OpenAPI document in a real browser (Debian's `chromium`:
//! `COFFER_TEST_CHROMIUM` names it, else `chromium` on `PATH`; without either the browser test
//! is skipped).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::local_server::start_local_server;
use serde_json::Value;

/// Where the test finds the browser when `PATH` has none.
const CHROMIUM_ENV: &str = "COFFER_TEST_CHROMIUM";

/// How long the page may take to render, in the browser's virtual time.
const RENDER_BUDGET_MS: u64 = 15_000;

/// How long the browser process may run before the test kills it.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// Operations of several groups that the rendered page must show, by path and summary.
const RENDERED_OPERATIONS: &[(&str, &str)] = &[
    ("/v1/auth/login", "post"),
    ("/v1/datasets/{id}/records", "post"),
    ("/v1/audit/logs", "get"),
    ("/v1/keys/{key}/rotate", "post"),
    ("/.well-known/jwks.json", "get"),
];

/// The one thing the bundle tries to load from elsewhere: the logo beside "API docs by Redocly"
/// at the foot of the menu. The page's content-security-policy refuses it before any request
/// is made (and the test's browser resolves no other host anyway); Redoc then leaves it out.
const REDOCLY_LOGO: &str = "https://cdn.redoc.ly/redoc/logo-mini.svg";

/// The page's HTML, after checking the headers it is served with.
async fn served_page(base: &str) -> String {
    let reply = reqwest::get(format!("{base}/docs")).await.unwrap();
    assert_eq!(reply.status(), 200);
    let headers = reply.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let policy = headers["content-security-policy"].to_str().unwrap();
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    for expected in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(directives.contains(&expected), "{expected} in {policy}");
    }
    for directive in &directives {
        for source in directive.split_whitespace().skip(1) {
            let allowed = ["'self'", "'none'", "'unsafe-inline'", "data:", "blob:"];
            assert!(allowed.contains(&source), "{source} in `{directive}`");
        }
    }
    reply.text().await.unwrap()
}

/// The `src` of every `<script>` of the page.
fn script_sources(html: &str) -> Vec<&str> {
    html.split("<script")
        .skip(1)
        .filter_map(|tag| tag.split_once("src=\"").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_once('"').map(|(src, _)| src))
        .collect()
}

#[tokio::test]
async fn the_docs_page_and_its_bundle_come_from_the_server_itself_with_their_headers() {
    let (base, _stop, _dir) = start_local_server().await;
    let html = served_page(&base).await;
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//"),
        "the page names no other origin:\n{html}"
    );
    assert!(html.contains("spec-url=\"/v1/openapi.json\""));

    let scripts = script_sources(&html);
    assert_eq!(scripts.len(), 1, "one script: {scripts:?}");
    assert!(scripts[0].starts_with("/docs/"), "{}", scripts[0]);
    let script = reqwest::get(format!("{base}{}", scripts[0])).await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        script.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        script.bytes().await.unwrap().len() > 500_000,
        "the whole bundle"
    );

    let missing = reqwest::get(format!("{base}/docs/other.js")).await.unwrap();
    assert_eq!(missing.status(), 404);
}

/// The browser to drive: `COFFER_TEST_CHROMIUM` (which must then exist), else `chromium` on
/// `PATH`; `None` when there is neither.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CHROMIUM_ENV) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{CHROMIUM_ENV}={} is not a file",
            path.display()
        );
        return Some(path);
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|dir| dir.join("chromium"))
        .find(|path| path.is_file())
}

/// What the headless browser shows at `url` once the page has settled: the serialized DOM, and
/// the browser's log (for the failure message). Every host but the loopback address resolves
/// to nothing, so the page renders with what this server serves or not at all. The process is
/// killed if it outlives [`BROWSER_TIMEOUT`].
fn rendered_dom(chromium: &Path, url: &str, scratch: &Path) -> (String, String) {
    let dom_path = scratch.join("dom.html");
    let log_path = scratch.join("chromium.log");
    let mut child = Command::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--metrics-recording-only",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.join("profile").display()
        ))
        .arg(format!("--virtual-time-budget={RENDER_BUDGET_MS}"))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", chromium.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("chromium ran past {BROWSER_TIMEOUT:?} and was killed; its log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium failed ({status}); its log:\n{log}"
    );
    (std::fs::read_to_string(&dom_path).unwrap(), log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_renders_the_routes_of_every_group_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: no chromium on PATH and {CHROMIUM_ENV} is not set");
        return;
    };
    let (base, _stop, dir) = start_local_server().await;
    let doc: Value = reqwest::get(format!("{base}/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = format!("{base}/docs");
    let scratch = dir.path().join("browser");
    std::fs::create_dir_all(&scratch).unwrap();
    let (dom, log) = tokio::task::spawn_blocking(move || rendered_dom(&chromium, &url, &scratch))
        .await
        .unwrap();

    let mut missing = Vec::new();
    for (path, method) in RENDERED_OPERATIONS {
        let summary = doc["paths"][path][method]["summary"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has a summary"));
        for shown in [*path, summary] {
            if !dom.contains(shown) {
                missing.push(shown.to_owned());
            }
        }
    }
    for tag in ["identity", "datasets", "records", "audit"] {
        if !dom.contains(&format!("tag/{tag}")) {
            missing.push(format!("the `{tag}` section"));
        }
    }
    assert!(
        missing.is_empty(),
        "the rendered page lacks {missing:?}; it rendered {} bytes:\n{}\nchromium's log:\n{log}",
        dom.len(),
        &dom[..dom.len().min(4000)]
    );
    let refused: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("Content Security Policy"))
        .filter(|line| !line.contains(REDOCLY_LOGO))
        .collect();
    assert!(
        refused.is_empty(),
        "the page did something its content-security-policy refuses:\n{}",
        refused.join("\n")
    );
}
