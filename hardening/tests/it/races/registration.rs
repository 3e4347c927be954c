//! Same-email registration: many registrations of one address at once (half of them in another
//! letter case, which uniqueness ignores) give exactly one 201 and 409s for the rest; one
//! account holds the address (its claim, a must-not-exist put in the account's own transaction,
//! decides) and only the winner's password logs in.

use axum::http::Method;
use coffer_core::store::schema;
use coffer_testkit::{assert_problem, json_request, random_ip, strong_password, unique_email};
use serde_json::json;

use super::guard::Protection;
use super::setup::{Backend, Race, at_once, same_kind};

const EMAIL_CLAIMS: Protection =
    Protection::Conditions(|key| same_kind(key, &schema::email_claim("sample")));

async fn one_email_registered_many_times_at_once_makes_one_account(backend: Backend) {
    let race = Race::new(backend, EMAIL_CLAIMS, |_| {}).await;
    let (rounds, width) = (race.rounds(8, 2), race.width(16, 8));
    for round in 0..rounds {
        let email = unique_email();
        let passwords: Vec<String> = (0..width).map(|_| strong_password()).collect();
        let replies = at_once(width, |i| {
            let app = race.app.clone();
            let email = if i % 2 == 0 {
                email.to_uppercase()
            } else {
                email.clone()
            };
            let password = passwords[i].clone();
            async move {
                let body = json!({"email": email, "password": password});
                let request = json_request(Method::POST, "/v1/auth/register", Some(body), None);
                app.send_from(random_ip(), request).await
            }
        })
        .await;
        let codes: Vec<u16> = replies.iter().map(|r| r.code()).collect();
        let winners: Vec<usize> = (0..width).filter(|i| codes[*i] == 201).collect();
        assert_eq!(winners.len(), 1, "round {round}: {codes:?}");
        for reply in replies.iter().filter(|r| r.code() != 201) {
            assert_problem(reply, 409);
        }
        // The account is the winner's: its password logs in as the user the 201 named, other
        // passwords are refused (a few: past ten failures an hour the account locks).
        let winner = winners[0];
        let id = replies[winner].text("/user/id");
        let losers = (0..width).filter(|i| *i != winner).take(4);
        for i in std::iter::once(winner).chain(losers) {
            let body = json!({"email": email, "password": passwords[i], "client": "cli"});
            let request = json_request(Method::POST, "/v1/auth/login", Some(body), None);
            let login = race.app.send_from(random_ip(), request).await;
            if i == winner {
                assert_eq!(login.code(), 200, "{}", login.body);
                assert_eq!(login.text("/user/id"), id);
            } else {
                assert_eq!(
                    login.code(),
                    401,
                    "round {round}: a loser's password logs in"
                );
            }
        }
    }
    // A user is written only in the transaction that claims the address: one claim write
    // succeeded per round, so one user and one claim were stored per round.
    let (reached, refused) = race.watch.figures();
    assert_eq!(reached - refused, rounds, "claims written: one per round");
    race.report("same-email registration", rounds, width);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_email_registered_many_times_at_once_makes_one_account_on_the_embedded_backend() {
    one_email_registered_many_times_at_once_makes_one_account(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_email_registered_many_times_at_once_makes_one_account_on_the_aws_backend() {
    one_email_registered_many_times_at_once_makes_one_account(Backend::Moto).await;
}
