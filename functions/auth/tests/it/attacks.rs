//! The identity holes a security review found, each tried the way an attacker would, on the
//! embedded backend and again on the AWS backend (moto): racing logins past the session cap, a
//! burst of guesses past the lockout, and a login that races a password reset.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{Method, StatusCode};
use coffer_core::audit::RequestOrigin;
use coffer_core::auth::{AuthService, ClientKind, Email, SecretString};
use coffer_core::store::{Condition, Item, Key, Page, Query, StoreError, Table, TxOp, schema};
use serde_json::json;
use tokio::sync::Notify;

use super::{
    TestApp, json_request, random_ip, spawn_app_with, spawn_aws_app_with, strong_password,
};

/// Settings for a race: the guess limits out of the way (every login verifies), and on moto a
/// table of the test's own (moto copies the whole table, unlocked, for each transaction, so
/// transactions racing on the shared test table trip over each other inside the emulator).
fn racing(s: &mut coffer_core::Settings, on_moto: bool, cap: usize) {
    s.auth.login_failures_per_account_per_hour = 10_000;
    s.auth.login_per_ip_per_hour = 10_000;
    s.auth.max_sessions_per_user = cap;
    if on_moto {
        s.table = format!(
            "coffer-test-race-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
    }
}

async fn app_on(on_moto: bool, change: impl FnOnce(&mut coffer_core::Settings)) -> Arc<TestApp> {
    Arc::new(if on_moto {
        spawn_aws_app_with(change).await
    } else {
        spawn_app_with(change)
    })
}

/// `n` logins of `account` at once, each from its own IP; the tokens of those that succeeded.
async fn parallel_logins(app: &Arc<TestApp>, email: &str, password: &str, n: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (app, email, password) = (app.clone(), email.to_owned(), password.to_owned());
        tasks.spawn(async move {
            app.send_from(
                random_ip(),
                json_request(
                    Method::POST,
                    "/v1/auth/login",
                    Some(json!({"email": email, "password": password, "client": "cli"})),
                    None,
                ),
            )
            .await
        });
    }
    tasks
        .join_all()
        .await
        .into_iter()
        .filter(|reply| reply.status == StatusCode::OK)
        .map(|reply| reply.body["session_token"].as_str().unwrap().to_owned())
        .collect()
}

/// How many of `tokens` still open a session.
async fn live(app: &TestApp, tokens: &[String]) -> usize {
    let mut live = 0;
    for token in tokens {
        if app.get("/v1/auth/me", Some(token)).await.status == StatusCode::OK {
            live += 1;
        }
    }
    live
}

/// How many session items of the user the index holds.
async fn session_items(app: &TestApp, user_id: &str) -> usize {
    let user = coffer_core::auth::UserId::parse(user_id).unwrap();
    let page = app
        .table
        .query(
            &Query::gsi1(schema::user_partition(&user))
                .prefix(schema::USER_SESSIONS_PREFIX)
                .limit(1000),
        )
        .await
        .unwrap();
    page.items.len()
}

// --- 1. The session cap holds however many logins race ------------------------------------------

async fn sixty_racing_logins_leave_at_most_ten_live_sessions(on_moto: bool) {
    let app = app_on(on_moto, |s| racing(s, on_moto, 10)).await;
    let account = app.signed_up().await;

    let mut tokens = parallel_logins(&app, &account.email, &account.password, 60).await;
    tokens.push(account.token.clone());

    assert!(tokens.len() > 10, "most logins succeed: {}", tokens.len());
    let listed = app.get("/v1/auth/sessions", Some(&account.token)).await;
    let listed = listed.body["items"].as_array().map_or(0, Vec::len);
    let live = live(&app, &tokens).await;
    let items = session_items(&app, &account.user_id).await;
    assert!(
        live <= 10 && listed <= 10 && items <= 10,
        "live {live}, listed {listed}, stored {items}"
    );
    assert!(live >= 1, "the newest logins keep their sessions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_racing_logins_leave_at_most_ten_live_sessions_on_the_embedded_backend() {
    sixty_racing_logins_leave_at_most_ten_live_sessions(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_racing_logins_leave_at_most_ten_live_sessions_on_the_aws_backend() {
    sixty_racing_logins_leave_at_most_ten_live_sessions(true).await;
}

async fn a_reset_with_the_most_sessions_a_user_may_have_ends_them_all(on_moto: bool) {
    let cap = 40; // the largest COFFER_MAX_SESSIONS_PER_USER allows
    let app = app_on(on_moto, |s| racing(s, on_moto, cap)).await;
    let account = app.signed_up().await;
    let mut tokens = parallel_logins(&app, &account.email, &account.password, 60).await;
    tokens.push(account.token.clone());
    // Sessions are full (more may have raced in, which is what the cap forbids).
    let before = live(&app, &tokens).await;
    assert!(before >= cap, "only {before} sessions");

    app.ask_reset(&account.email).await;
    let code = app.reset_code(&account.user_id).await;
    let new_password = strong_password();
    let reply = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": new_password}),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{:?}", reply.body);
    assert_eq!(live(&app, &tokens).await, 0, "every session ends");
    assert_eq!(session_items(&app, &account.user_id).await, 0);
    let after = app.login(&account.email, &new_password).await;
    assert_eq!(after.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_with_the_most_sessions_a_user_may_have_ends_them_all_on_the_embedded_backend() {
    a_reset_with_the_most_sessions_a_user_may_have_ends_them_all(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reset_with_the_most_sessions_a_user_may_have_ends_them_all_on_the_aws_backend() {
    a_reset_with_the_most_sessions_a_user_may_have_ends_them_all(true).await;
}

// --- 2. A burst of guesses is counted before Argon2 runs ----------------------------------------

async fn fifty_parallel_guesses_run_at_most_ten_verifications_and_the_lock_refuses_the_password(
    on_moto: bool,
) {
    let app = app_on(on_moto, |s| {
        if on_moto {
            racing(s, true, 10);
        }
        s.auth.login_failures_per_account_per_hour = 10;
        s.auth.login_per_ip_per_hour = 1_000;
    })
    .await;
    let account = app.signed_up().await;
    let before = app.service.hasher().verifications();

    let guesses = parallel_logins(&app, &account.email, "Wrong-Guess-Falcon-93", 50).await;

    assert!(guesses.is_empty());
    let verified = app.service.hasher().verifications() - before;
    assert!(
        verified <= 10,
        "{verified} Argon2 verifications for 50 guesses"
    );
    let right = app.login(&account.email, &account.password).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password inside the lock: {:?}",
        right.body
    );
    assert!(right.header("retry-after").is_some());
    assert_eq!(app.service.hasher().verifications() - before, verified);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_guesses_run_at_most_ten_verifications_and_the_lock_refuses_the_password_on_the_embedded_backend()
 {
    fifty_parallel_guesses_run_at_most_ten_verifications_and_the_lock_refuses_the_password(false)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_guesses_run_at_most_ten_verifications_and_the_lock_refuses_the_password_on_the_aws_backend()
 {
    fifty_parallel_guesses_run_at_most_ten_verifications_and_the_lock_refuses_the_password(true)
        .await;
}

async fn guesses_of_the_current_password_are_limited_like_logins(on_moto: bool) {
    let app = app_on(on_moto, |s| {
        if on_moto {
            racing(s, true, 10);
        }
        s.auth.login_failures_per_account_per_hour = 10;
    })
    .await;
    let account = app.signed_up().await;
    let before = app.service.hasher().verifications();

    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..30 {
        let (app, token) = (app.clone(), account.token.clone());
        tasks.spawn(async move {
            app.post(
                "/v1/auth/password",
                json!({
                    "current_password": format!("Wrong-Guess-Falcon-{n}"),
                    "new_password": strong_password(),
                }),
                Some(&token),
            )
            .await
            .status
        });
    }
    let statuses = tasks.join_all().await;

    assert!(statuses.iter().all(|s| *s != StatusCode::NO_CONTENT));
    let verified = app.service.hasher().verifications() - before;
    assert!(verified <= 10, "{verified} verifications for 30 guesses");
    let right = app
        .post(
            "/v1/auth/password",
            json!({"current_password": account.password, "new_password": strong_password()}),
            Some(&account.token),
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_of_the_current_password_are_limited_like_logins_on_the_embedded_backend() {
    guesses_of_the_current_password_are_limited_like_logins(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_of_the_current_password_are_limited_like_logins_on_the_aws_backend() {
    guesses_of_the_current_password_are_limited_like_logins(true).await;
}

// --- 3. A login racing a reset ------------------------------------------------------------------

/// The table, holding back the first transaction that opens a session until the test lets it
/// go: the moment between a login's password check and its commit.
#[derive(Debug)]
struct HoldsTheFirstLogin {
    inner: Arc<dyn Table>,
    held: AtomicBool,
    reached: Notify,
    release: Notify,
}

#[async_trait::async_trait]
impl Table for HoldsTheFirstLogin {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        let opens_a_session = ops.iter().any(|op| {
            matches!(op, TxOp::Put { item, .. }
                if item.gsi1.as_ref().is_some_and(|g| g.sk.starts_with(schema::USER_SESSIONS_PREFIX)))
        });
        if opens_a_session && !self.held.swap(true, Ordering::SeqCst) {
            self.reached.notify_one();
            self.release.notified().await;
        }
        self.inner.transact(ops).await
    }
    async fn increment(&self, key: &Key, by: i64, expires_at: i64) -> Result<i64, StoreError> {
        self.inner.increment(key, by, expires_at).await
    }
    async fn sweep_expired(
        &self,
        limit: usize,
        from: Option<&coffer_core::store::Cursor>,
    ) -> Result<coffer_core::store::Sweep, StoreError> {
        self.inner.sweep_expired(limit, from).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

async fn a_login_checked_against_the_old_password_opens_no_session_after_a_reset(on_moto: bool) {
    let app = app_on(on_moto, |_| {}).await;
    let account = app.signed_up().await;
    app.ask_reset(&account.email).await;
    let code = app.reset_code(&account.user_id).await;
    let table = Arc::new(HoldsTheFirstLogin {
        inner: app.table.clone(),
        held: AtomicBool::new(false),
        reached: Notify::new(),
        release: Notify::new(),
    });
    let attacker = Arc::new(
        AuthService::new(
            table.clone() as Arc<dyn Table>,
            app.clock.clone(),
            app.kit.state.ports.keys.clone(),
            &app.settings,
        )
        .unwrap(),
    );

    // The attacker's login checks the old password, then waits to commit…
    let login = {
        let (attacker, email, password) = (
            attacker.clone(),
            account.email.clone(),
            account.password.clone(),
        );
        tokio::spawn(async move {
            attacker
                .login(
                    &Email::parse(&email).unwrap(),
                    SecretString::from(password),
                    ClientKind::Cli,
                    &RequestOrigin::default(),
                )
                .await
                .outcome
        })
    };
    table.reached.notified().await;
    // …while the owner resets the password, which ends every session there is.
    let reset = app
        .post(
            "/v1/auth/password/reset/confirm",
            json!({"token": code, "new_password": strong_password()}),
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{:?}", reset.body);
    table.release.notify_one();
    let outcome = login.await.unwrap();

    if let Ok(success) = &outcome {
        use secrecy::ExposeSecret as _;
        let token = success.token.expose_secret().to_owned();
        assert_eq!(
            app.get("/v1/auth/me", Some(&token)).await.status,
            StatusCode::UNAUTHORIZED,
            "a session made with the old password survived the reset"
        );
    }
    assert!(
        matches!(
            outcome,
            Err(coffer_core::auth::AuthError::InvalidCredentials)
        ),
        "{outcome:?}"
    );
    assert_eq!(session_items(&app, &account.user_id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_checked_against_the_old_password_opens_no_session_after_a_reset_on_the_embedded_backend()
 {
    a_login_checked_against_the_old_password_opens_no_session_after_a_reset(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_checked_against_the_old_password_opens_no_session_after_a_reset_on_the_aws_backend()
 {
    a_login_checked_against_the_old_password_opens_no_session_after_a_reset(true).await;
}
