//! Reset and verification mail: sealed in the outbox (issue 8, hole 4), written only to the
//! outbox on the request path and delivered by the mailer (hole 5).

use std::sync::Arc;

use axum::http::StatusCode;
use coffer_core::auth::Mailer;
use coffer_core::auth::outbox::Delivery;
use coffer_core::store::{Query, schema};
use serde_json::json;

use super::{TestApp, spawn_app, strong_password};

/// Every outbox item of `recipient`, as the table stores it.
async fn raw_outbox(app: &TestApp, recipient: &str) -> Vec<coffer_core::store::Item> {
    app.table
        .query(&Query::partition(schema::outbox_partition(recipient)).limit(100))
        .await
        .unwrap()
        .items
}

/// The local stack's mailer on the app's table and keys, writing into the app's data folder.
fn local_mailer(app: &TestApp) -> Mailer {
    Mailer::eml_files(&app.settings, &app.kit.state.ports)
}

/// The code in the `.eml` file of each message the mailer wrote.
fn mailed_codes(app: &TestApp) -> Vec<(String, String)> {
    let dir = app.settings.data_dir.join("mail");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .filter_map(|eml| {
            let to = eml
                .lines()
                .find_map(|line| line.strip_prefix("To: "))?
                .to_owned();
            let code = eml
                .lines()
                .find_map(|line| line.split_once("code: ").map(|(_, c)| c.trim().to_owned()))?;
            Some((to, code))
        })
        .collect()
}

#[tokio::test]
async fn the_stored_reset_message_holds_neither_the_code_nor_the_address_and_the_mailer_still_delivers_the_code()
 {
    let app = spawn_app();
    let account = app.signed_up().await;

    let reply = app.ask_reset(&account.email).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);

    let report = local_mailer(&app).deliver_pending(100).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let codes = mailed_codes(&app);
    let (to, code) = codes
        .iter()
        .find(|(to, _)| to == &account.email)
        .expect("an .eml to the account's address");
    assert_eq!(to, &account.email);

    let items = raw_outbox(&app, &account.user_id).await;
    assert_eq!(items.len(), 1);
    let stored = serde_json::to_string(&items[0].attrs).unwrap();
    assert!(
        !stored.contains(code.as_str()),
        "the code is in clear: {stored}"
    );
    assert!(
        !stored.contains(&account.email),
        "the address is in clear: {stored}"
    );
    assert!(
        !stored
            .to_lowercase()
            .contains(&account.email.to_lowercase()),
        "{stored}"
    );

    // The code the mailer delivered is the one that works.
    let confirmed = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": strong_password()}),
            None,
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        confirmed.body
    );
}

#[tokio::test]
async fn the_stored_verification_message_holds_neither_the_code_nor_the_address() {
    let app = spawn_app();
    let account = app.signed_up().await;

    let reply = app.ask_verification(&account.token).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);

    let code = app.verify_code(&account.user_id).await;
    let items = raw_outbox(&app, &account.user_id).await;
    let stored = format!("{items:?}");
    assert!(!stored.contains(&code), "{stored}");
    assert!(!stored.contains(&account.email), "{stored}");
}

#[tokio::test]
async fn a_sent_message_leaves_the_unsent_index_and_a_second_mailer_run_sends_nothing() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_verification(&account.token).await;
    let key = raw_outbox(&app, &account.user_id).await[0].key.clone();
    assert!(
        app.table.get(&key).await.unwrap().unwrap().gsi1.is_some(),
        "listed as unsent"
    );

    let mailer = local_mailer(&app);
    assert_eq!(mailer.deliver(&key).await.unwrap(), Delivery::Sent);

    let item = app.table.get(&key).await.unwrap().unwrap();
    assert!(item.gsi1.is_none(), "no longer listed as unsent");
    assert!(item.attrs.contains_key("sent_at"));
    assert_eq!(mailer.deliver(&key).await.unwrap(), Delivery::Skipped);
    assert_eq!(mailer.deliver_pending(100).await.unwrap().sent, 0);
    assert_eq!(mailed_codes(&app).len(), 1);
}

#[tokio::test]
async fn two_mailers_racing_on_one_message_mark_it_sent_once() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_verification(&account.token).await;
    let key = raw_outbox(&app, &account.user_id).await[0].key.clone();
    let (a, b) = (local_mailer(&app), local_mailer(&app));

    let (first, second) = tokio::join!(a.deliver(&key), b.deliver(&key));

    // At least once: both may send; the item ends marked once (version 2).
    assert!(first.is_ok() && second.is_ok(), "{first:?} {second:?}");
    let item = app.table.get(&key).await.unwrap().unwrap();
    assert_eq!(item.version, 2);
    assert!(item.gsi1.is_none());
}

#[tokio::test]
async fn the_decoy_of_an_unknown_address_is_discarded_by_the_mailer_and_never_mailed() {
    let app = spawn_app();
    let unknown = super::unique_email();

    let reply = app.ask_reset(&unknown).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);

    let report = local_mailer(&app).deliver_pending(100).await.unwrap();
    assert_eq!((report.sent, report.discarded), (0, 1), "{report:?}");
    assert!(mailed_codes(&app).is_empty());
}

#[tokio::test]
async fn without_a_sender_the_mailer_leaves_the_message_unsent() {
    let app = spawn_app();
    let account = app.signed_up().await;
    app.ask_verification(&account.token).await;
    let ports = &app.kit.state.ports;
    let mailer = Mailer::new(
        ports.table.clone(),
        ports.keys.clone(),
        Arc::clone(&ports.clock),
        None,
    );

    let report = mailer.deliver_pending(100).await.unwrap();

    assert_eq!((report.sent, report.held), (0, 1), "{report:?}");
    let key = raw_outbox(&app, &account.user_id).await[0].key.clone();
    assert!(app.table.get(&key).await.unwrap().unwrap().gsi1.is_some());
}
