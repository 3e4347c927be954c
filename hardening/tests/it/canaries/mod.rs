//! Canaries: a value unique to the run and to its field is planted through every route that
//! takes sensitive input (`planting/`), on the embedded backend and on the AWS backends
//! (moto). Then every log line (JSON lines, TRACE for Coffer's code), every reply, every table
//! item, every file of the data folder (the SQLite file and its WAL, the blobs, the mail
//! folder) or every object of the bucket is searched for each, in clear and encoded
//! (`values::forms`): a hit is a leak unless the canary's allow-list, built from API.md,
//! DESIGN.md and docs/keys.md as it is planted, names that place.
//!
//! Each run works inside a span the log capture keeps (`capture`), whichever thread logs.

mod capture;
mod coverage;
mod driver;
mod matcher;
mod planting;
mod search;
mod stores;
mod values;

use std::time::{Duration, Instant};

use coffer_testkit::TestApp;

use driver::Driver;
use planting::Planted;
use search::{Evidence, search};

#[tokio::test]
async fn no_canary_rests_in_a_log_reply_or_store_the_docs_do_not_allow_on_the_embedded_backend() {
    let _capture = capture::start();
    let d = Driver::over(TestApp::embedded_built(|_| {}, |_, _| Vec::new()));
    let (settings, ports) = (&d.app.state.settings, &d.app.state.ports);
    let planted = capture::run(async {
        let planted = planting::plant_everything(&d).await;
        let mailed = coffer_local::deliver_mail(settings, ports).await.unwrap();
        assert!(mailed.sent > 0, "the mailer wrote the outbox's messages");
        let deadline = Instant::now() + Duration::from_secs(10);
        coffer_core::cleanup::run(ports, deadline, Duration::ZERO)
            .await
            .unwrap();
        planted
    })
    .await;

    let evidence = Evidence {
        logs: capture::text(),
        exchanges: d.take_exchanges(),
        items: stores::sqlite_items(&d.app),
        files: stores::files(&settings.data_dir),
        objects: Vec::new(),
    };
    assert_clean(&d, &planted, &evidence, &["verify_code", "invitee_email"]).await;
}

/// On a table and bucket of its own (made by the bootstrap), so that "the whole table" is this
/// run's and its Scan stays small however many suites share the emulator.
#[tokio::test]
async fn no_canary_rests_in_a_log_reply_or_store_the_docs_do_not_allow_on_the_aws_backends() {
    let _capture = capture::start();
    let mail = tempfile::tempdir().unwrap();
    let own = format!(
        "coffer-canaries-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let app = TestApp::on_moto_built(
        |s| {
            s.data_dir = mail.path().to_owned();
            s.table = own.clone();
            s.bucket = own.clone();
        },
        |_, _| Vec::new(),
    )
    .await;
    let d = Driver::over(app);
    let planted = capture::run(planting::plant_everything(&d)).await;
    let evidence = Evidence {
        logs: capture::text(),
        exchanges: d.take_exchanges(),
        items: stores::dynamo_items(&d.app).await,
        files: Vec::new(),
        objects: stores::bucket(&d.app).await,
    };
    stores::drop_table_and_bucket(&d.app).await;
    assert_clean(&d, &planted, &evidence, &[]).await;
}

/// No leak; every input route planted; and the search is a real one: the capture holds the
/// owner's id (logged with each of their requests) and lines of the blocking threads, and
/// values that must rest somewhere (`must_be_found` and a few of every run) are found there.
async fn assert_clean(d: &Driver, planted: &Planted, evidence: &Evidence, must_be_found: &[&str]) {
    let unplanted = coverage::unplanted(d).await;
    assert!(
        unplanted.is_empty(),
        "routes that take input and got no canary: {unplanted:#?}"
    );
    assert!(
        evidence.logs.contains(&planted.owner),
        "the capture holds the run's lines"
    );
    let findings = search(&planted.canaries, evidence);
    for field in [
        "owner_email",
        "owner_name_new",
        "record_plain_searchable",
        "invitee_email",
        "payload_presigned",
    ]
    .iter()
    .chain(must_be_found)
    {
        assert!(
            findings.stored.iter().any(|(f, _)| f == field),
            "the search finds {field} where it must rest"
        );
    }
    assert!(
        findings.leaks.is_empty(),
        "{} leaks:\n{}",
        findings.leaks.len(),
        findings.leaks.join("\n")
    );
}
