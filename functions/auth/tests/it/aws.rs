//! The main identity flows once more, on the AWS backend (DynamoDB on moto).

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{json_request, spawn_aws_app_with, strong_password, unique_email};

#[tokio::test]
async fn the_main_identity_flows_work_on_the_aws_backend() {
    let app = spawn_aws_app_with(|s| s.auth.login_failures_per_account_per_hour = 3).await;

    // register, a taken email, login, me, profile, sessions
    let account = app.signed_up().await;
    assert_eq!(
        app.register(&account.email.to_uppercase(), &strong_password())
            .await
            .status,
        StatusCode::CONFLICT
    );
    let me = app.get("/v1/auth/me", Some(&account.token)).await;
    assert_eq!(me.body["email"], account.email);
    let renamed = app
        .send(json_request(
            Method::PUT,
            "/v1/users/me",
            Some(json!({"name": "Ada"})),
            Some(&account.token),
        ))
        .await;
    assert_eq!(renamed.body["name"], "Ada");
    let web = app
        .post(
            "/v1/auth/login",
            json!({"email": account.email, "password": account.password}),
            None,
        )
        .await;
    assert!(web.header("set-cookie").unwrap().contains("HttpOnly"));
    let web_token = web.body["session_token"].as_str().unwrap().to_owned();
    let sessions = app.get("/v1/auth/sessions", Some(&account.token)).await;
    assert_eq!(sessions.body["items"].as_array().unwrap().len(), 2);

    // enumeration: same answer, one verification each
    let before = app.service.hasher().verifications();
    let wrong = app.login(&account.email, "Wrong-Password-99").await;
    let unknown = app.login(&unique_email(), "Wrong-Password-99").await;
    assert_eq!(
        wrong.body_without_request_id(),
        unknown.body_without_request_id()
    );
    assert_eq!(app.service.hasher().verifications() - before, 2);

    // verification through the outbox
    app.ask_verification(&account.token).await;
    let code = app.verify_code(&account.user_id).await;
    assert_eq!(
        app.post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.post(
            "/v1/auth/email/verify/confirm",
            json!({"token": code}),
            None
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    // password change revokes the other session
    let new_password = strong_password();
    let changed = app
        .post(
            "/v1/auth/password",
            json!({"current_password": account.password, "new_password": new_password}),
            Some(&account.token),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:?}", changed.body);
    assert_eq!(
        app.get("/v1/auth/me", Some(&web_token)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // lockout and its end on the settable clock
    for _ in 0..3 {
        app.login(&account.email, "Wrong-Password-99").await;
    }
    let locked = app.login(&account.email, &new_password).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    app.clock.advance(time::Duration::seconds(retry_after));
    assert_eq!(
        app.login(&account.email, &new_password).await.status,
        StatusCode::OK
    );

    // reset revokes every session
    app.ask_reset(&account.email).await;
    let code = app.reset_code(&account.user_id).await;
    let reset_password = strong_password();
    let reset = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": reset_password}),
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{:?}", reset.body);
    assert_eq!(
        app.get("/v1/auth/me", Some(&account.token)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // logout
    let last = app.login(&account.email, &reset_password).await;
    let token = last.body["session_token"].as_str().unwrap();
    assert_eq!(
        app.post("/v1/auth/logout", json!({}), Some(token))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/v1/auth/me", Some(token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn thirty_two_concurrent_registrations_of_one_email_give_exactly_one_201_on_the_aws_backend()
{
    // A table of its own: moto copies a whole table, unlocked, for every transaction (to roll it
    // back), so transactions racing on the big shared test table trip over each other inside the
    // emulator (HTML 500s). DynamoDB itself has no such limit; a small table keeps the emulator
    // honest enough to judge our conditional writes.
    let table = format!(
        "coffer-test-race-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let app = Arc::new(
        spawn_aws_app_with(|s| {
            s.auth.register_per_ip_per_day = 1_000;
            s.table = table;
        })
        .await,
    );
    let email = unique_email();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (app, email) = (app.clone(), email.clone());
        tasks.spawn(async move { app.register(&email, &strong_password()).await.status });
    }
    let statuses = tasks.join_all().await;
    let failures: Vec<String> = super::logs::captured()
        .lines()
        .filter(|line| line.contains("request failed"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?} {failures:#?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        31,
        "{statuses:?} {failures:#?}"
    );
}

/// A sender on the emulator, and its SES v2 client (to verify the sender's identity).
async fn ses_settings() -> (coffer_core::Settings, aws_sdk_sesv2::Client) {
    let app = spawn_aws_app_with(|_| {}).await;
    let config = coffer_core::aws::sdk_config(&app.settings).await;
    (app.settings.clone(), aws_sdk_sesv2::Client::new(&config))
}

#[tokio::test]
async fn messages_are_sent_through_ses_v2_from_a_verified_sender() {
    let (settings, ses) = ses_settings().await;
    let from = format!(
        "no-reply-{}@coffer.test",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    ses.create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .unwrap();
    let config = coffer_core::aws::sdk_config(&settings).await;
    let sender = coffer_core::auth::outbox::SesOutbox::new(&config, from);

    let result = coffer_core::auth::MailSender::send(&sender, &message()).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_send_that_ses_refuses_is_an_error_that_names_no_address() {
    let (settings, _ses) = ses_settings().await;
    let config = coffer_core::aws::sdk_config(&settings).await;
    let sender =
        coffer_core::auth::outbox::SesOutbox::new(&config, "unverified@coffer.test".into());

    let err = coffer_core::auth::MailSender::send(&sender, &message())
        .await
        .unwrap_err();

    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.contains("MessageRejected"), "{chain}");
    assert!(!chain.contains('@'), "{chain}");
}

#[tokio::test]
async fn with_ses_configured_a_verification_request_still_lands_in_the_outbox_when_sending_fails() {
    let app = spawn_aws_app_with(|s| {
        s.auth.ses_from_address = Some("unverified@coffer.test".into());
        s.auth.register_per_ip_per_day = 1_000_000;
    })
    .await;
    let ports = coffer_core::Ports::aws(
        &app.settings,
        app.clock.clone() as Arc<dyn coffer_core::Clock>,
    )
    .await;
    let service = coffer_core::auth::AuthService::from_settings(&app.settings, &ports)
        .await
        .unwrap();
    let registration = coffer_core::auth::Registration {
        email: coffer_core::auth::Email::parse(&unique_email()).unwrap(),
        password: coffer_core::auth::SecretString::from(strong_password()),
        name: None,
    };
    let origin = coffer_core::audit::RequestOrigin {
        ip: Some(super::random_ip()),
        ..Default::default()
    };
    let profile = service
        .register(registration, &origin)
        .await
        .outcome
        .unwrap();

    service
        .request_email_verification(&profile.id, &origin)
        .await
        .unwrap();

    let messages = service
        .outbox()
        .messages_for(&profile.id, 10)
        .await
        .unwrap();
    assert_eq!(messages.len(), 1);
}

fn message() -> coffer_core::auth::OutboxMessage {
    let now = time::OffsetDateTime::now_utc();
    coffer_core::auth::OutboxMessage {
        id: "msg_test".into(),
        recipient: coffer_core::auth::UserId::generate(now)
            .unwrap()
            .to_string(),
        to: coffer_core::auth::Email::parse("someone@example.com").unwrap(),
        kind: coffer_core::auth::outbox::MessageKind::VerifyEmail,
        subject: "Verify".into(),
        text: "Your verification code: x".into(),
        created_at: now,
        expires_at: now + time::Duration::hours(1),
    }
}
