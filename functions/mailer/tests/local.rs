//! The local stack's mailer: `coffer-local` writes each outbox message to
//! `COFFER_DATA_DIR/mail/<msg_id>.eml` in the background, and `deliver_mail` does one round.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use coffer_core::Settings;
use serde_json::{Value, json};

fn emls(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("mail")) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[tokio::test]
async fn the_local_server_writes_a_reset_message_as_an_eml_file_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(coffer_local::serve(settings, listener, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let email = format!(
        "ada-{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let registered = client
        .post(format!("{base}/v1/auth/register"))
        .json(&json!({"email": email, "password": "correct horse battery staple 42"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        registered.status(),
        201,
        "{:?}",
        registered.json::<Value>().await
    );

    let requested = client
        .post(format!("{base}/v1/auth/password/reset/request"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(requested.status(), 202);

    let mut found = None;
    for _ in 0..100 {
        if let Some(eml) = emls(dir.path()).into_iter().find(|e| e.contains(&email)) {
            found = Some(eml);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stop);
    let _ = server.await;
    let eml = found.expect("an .eml file for the reset message");
    assert!(eml.starts_with("From: coffer@localhost\r\n"), "{eml}");
    assert!(eml.contains(&format!("To: {email}\r\n")));
    assert!(eml.contains("Subject: Reset your Coffer password\r\n"));
    assert!(eml.contains("Message-ID: <msg_"));
    assert!(eml.contains("Content-Type: text/plain; charset=UTF-8\r\n"));
    assert!(eml.contains("Your reset code: "));
}
