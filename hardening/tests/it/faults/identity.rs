//! A burst of registrations and logins under faults: many users at once, each registering and
//! then logging in, retrying what the API says may be retried. With the faults gone: every
//! user a reply acknowledged (or whose retry found the address taken by its own earlier
//! attempt) logs in with their password as the same user, every session acknowledged works,
//! and every user the faulty app stored — acknowledged or not — has the email claim that makes
//! them reachable, and every claim and session it stored names a user that exists.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Instant;

use axum::http::Method;
use coffer_core::ids::UserId;
use coffer_core::store::schema;
use coffer_testkit::{TestApp, json_request, random_ip, strong_password, unique_email};
use futures_util::{StreamExt, stream};
use serde_json::json;

use super::retry::{Tally, until_answered};
use super::rig::{Rig, scale};

/// Users registering at once.
const AT_ONCE: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_a_burst_of_registrations_and_logins_leaves_every_acknowledged_user_able_to_log_in()
 {
    let rig = Rig::embedded("identity");
    burst(&rig, 300 * scale()).await;
}

/// What became of one user of the burst.
#[derive(Debug)]
struct Outcome {
    email: String,
    password: String,
    /// Registered: the id the 201 named, or `None` when a retry found the address taken by an
    /// earlier attempt of its own.
    registered: Option<Option<String>>,
    /// The session token and user id of an acknowledged login.
    session: Option<(String, String)>,
}

/// Registers and logs in `users` users, `AT_ONCE` at a time, and checks the outcome.
pub async fn burst(rig: &Rig, users: usize) {
    let started = Instant::now();
    let tally = Tally::default();
    let outcomes: Vec<Outcome> = stream::iter(0..users)
        .map(|_| one_user(&rig.faulty, &tally))
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let registered = outcomes.iter().filter(|o| o.registered.is_some()).count();
    let logged_in = outcomes.iter().filter(|o| o.session.is_some()).count();
    rig.report(&format!(
        "{users} users in {:?}: {registered} registered, {logged_in} logged in; client saw {}",
        started.elapsed(),
        tally.summary()
    ));
    tally.assert_clean();
    assert_eq!(
        registered, users,
        "every registration went through in the end"
    );
    assert_eq!(logged_in, users, "every login went through in the end");

    // With the faults gone.
    let healthy = &rig.healthy;
    let passwords: BTreeMap<&str, &str> = outcomes
        .iter()
        .map(|o| (o.email.as_str(), o.password.as_str()))
        .collect();
    for outcome in &outcomes {
        let Some(registered) = &outcome.registered else {
            continue;
        };
        let id = log_in(healthy, &outcome.email, &outcome.password).await;
        assert!(
            id.is_some(),
            "{} registered but cannot log in",
            outcome.email
        );
        if let Some(expected) = registered {
            assert_eq!(
                id.as_ref(),
                Some(expected),
                "{} logs in as itself",
                outcome.email
            );
        }
        if let Some((token, user)) = &outcome.session {
            let me = healthy.get("/v1/auth/me", Some(token)).await;
            assert_eq!(me.code(), 200, "an acknowledged session works: {}", me.body);
            assert_eq!(me.body["id"], json!(user));
            assert_eq!(id.as_ref(), Some(user));
        }
    }

    // Everything the faulty app stored.
    let table = &healthy.state.ports.table;
    let users_written = rig.ledger.items_of(UserId::parse, schema::user_profile);
    let mut problems = Vec::new();
    for user in &users_written {
        let Some(profile) = table.get(&schema::user_profile(user)).await.unwrap() else {
            problems.push(format!("{user}: profile written, then gone"));
            continue;
        };
        let email = profile.attrs["email"].as_str().unwrap();
        let Some(password) = passwords.get(email) else {
            problems.push(format!("{user}: an address nobody registered"));
            continue;
        };
        if table
            .get(&schema::user_credential(user))
            .await
            .unwrap()
            .is_none()
        {
            problems.push(format!("{user}: a profile without its credential"));
        }
        // The login finds the user through the address's claim: without it, it cannot.
        if log_in(healthy, email, password).await.as_deref() != Some(user.as_str()) {
            problems.push(format!("{user}: no email claim leads to this user"));
        }
    }
    let claims = rig.ledger.items_of(
        |digest| Some(digest.to_owned()),
        |digest| schema::email_claim(digest),
    );
    for claim in &claims {
        let item = table
            .get(&schema::email_claim(claim))
            .await
            .unwrap()
            .unwrap();
        let owner = UserId::parse(item.attrs["user_id"].as_str().unwrap()).unwrap();
        if table
            .get(&schema::user_profile(&owner))
            .await
            .unwrap()
            .is_none()
        {
            problems.push(format!("a claim names {owner}, who has no profile"));
        }
    }
    let sessions = rig.ledger.items_of(
        |digest| Some(digest.to_owned()),
        |digest| schema::session(digest),
    );
    for session in &sessions {
        let Some(item) = table.get(&schema::session(session)).await.unwrap() else {
            continue;
        };
        let owner = UserId::parse(item.attrs["user_id"].as_str().unwrap()).unwrap();
        if table
            .get(&schema::user_profile(&owner))
            .await
            .unwrap()
            .is_none()
        {
            problems.push(format!("a session of {owner}, who has no profile"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} half-written: {problems:#?}",
        problems.len()
    );
    assert_eq!(users_written.len(), users, "one user stored per address");
    assert_eq!(claims.len(), users, "one claim stored per address");
    eprintln!(
        "faults/identity: scanned {} users, {} claims, {} sessions",
        users_written.len(),
        claims.len(),
        sessions.len()
    );
}

/// One user: registers (each attempt from an address of its own, so that the per-IP
/// registration limit is not what is tested), then logs in from one address.
async fn one_user(app: &TestApp, tally: &Tally) -> Outcome {
    let (email, password) = (unique_email(), strong_password());
    let body = json!({"email": email, "password": password});
    let (reply, failed_before) = until_answered(tally, "register", || {
        app.send_from(
            random_ip(),
            json_request(Method::POST, "/v1/auth/register", Some(body.clone()), None),
        )
    })
    .await;
    let registered = match reply.code() {
        201 => Some(Some(reply.text("/user/id"))),
        409 if failed_before => {
            tally.count("register: 409 taken, by an earlier attempt that went through");
            Some(None)
        }
        // Given up on, or a 5xx `until_answered` noted.
        500.. => None,
        _ => {
            tally.unexpected(format!("register: {} {}", reply.code(), reply.body));
            None
        }
    };
    let mut outcome = Outcome {
        email,
        password,
        registered,
        session: None,
    };
    if outcome.registered.is_none() {
        return outcome;
    }
    let ip: IpAddr = random_ip();
    let body = json!({"email": outcome.email, "password": outcome.password, "client": "cli"});
    let (reply, _) = until_answered(tally, "login", || {
        app.send_from(
            ip,
            json_request(Method::POST, "/v1/auth/login", Some(body.clone()), None),
        )
    })
    .await;
    match reply.code() {
        200 => outcome.session = Some((reply.text("/session_token"), reply.text("/user/id"))),
        // Given up on, or a 5xx `until_answered` noted.
        500.. => {}
        _ => tally.unexpected(format!("login: {} {}", reply.code(), reply.body)),
    }
    outcome
}

/// Logs `email` in; the user's id, if it worked.
async fn log_in(app: &TestApp, email: &str, password: &str) -> Option<String> {
    let reply = app
        .send_from(
            random_ip(),
            json_request(
                Method::POST,
                "/v1/auth/login",
                Some(json!({"email": email, "password": password, "client": "cli"})),
                None,
            ),
        )
        .await;
    (reply.code() == 200).then(|| reply.text("/user/id"))
}
