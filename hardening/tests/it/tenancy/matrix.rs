//! The test: every org-scoped operation of the full app's document × every principal, each
//! answer compared with the table's, and no answer to a stranger carrying the org's data.

use coffer_core::Clock as _;
use coffer_testkit::TestApp;

use super::expectations::{Class, Rule, TABLE, classify};
use super::principals::{Principals, Who};
use super::requests::call_for;
use super::routes::{Operation, documented_operations};
use super::target::Target;

/// `app` serving every route group the local server (`coffer-local`) serves.
fn full(mut app: TestApp) -> TestApp {
    app.router = coffer_core::http::app(coffer_local::route_groups(), app.state.clone());
    app
}

#[tokio::test]
async fn every_org_scoped_route_answers_each_principal_as_the_role_rules_say_and_leaks_nothing() {
    run(full(TestApp::embedded(Vec::new()))).await;
}

/// The same on DynamoDB, S3 and KMS: the gate reads memberships and locates keys and datasets
/// through another backend's queries. The longer run (about 2 minutes on the emulator, over
/// this suite's share of the test command): with moto up and the environment `./infra/test.sh`
/// exports (`COFFER_TEST_AWS_ENDPOINT`, the `AWS_*` test credentials),
/// `cargo test -p coffer-hardening --test it tenancy -- --include-ignored`.
#[tokio::test]
#[ignore = "the longer run: the whole matrix on the emulator takes about 2 minutes"]
async fn the_matrix_holds_on_the_aws_backends_too() {
    run(full(TestApp::on_moto(Vec::new()).await)).await;
}

async fn run(app: TestApp) {
    let operations = documented_operations(&app).await;

    let unclassified: Vec<String> = operations
        .iter()
        .map(Operation::key)
        .filter(|key| classify(key).is_none())
        .collect();
    assert!(
        unclassified.is_empty(),
        "routes in the document that the tenancy table does not classify (add them to \
         hardening/tests/it/tenancy/expectations.rs): {unclassified:?}"
    );
    let documented: Vec<String> = operations.iter().map(Operation::key).collect();
    let stale: Vec<&str> = TABLE
        .iter()
        .map(|(key, _)| *key)
        .filter(|key| !documented.iter().any(|d| d == key))
        .collect();
    assert!(
        stale.is_empty(),
        "table rows for routes the document lacks: {stale:?}"
    );

    let principals = Principals::set_up(&app).await;
    let target = Target::set_up(&app, &principals).await;

    let mut org_scoped: Vec<(Operation, Rule)> = operations
        .iter()
        .filter_map(|op| match classify(&op.key()) {
            Some(Class::Org(rule)) => Some((op.clone(), rule)),
            _ => None,
        })
        .collect();
    // The org's deletion goes last; the rest in the document's order.
    org_scoped.sort_by_key(|(_, rule)| rule.last);

    // What "no such resource" looks like for an org that does not exist: a stranger's 404 must
    // be exactly this, so it cannot tell a real resource from a made-up one.
    let unknown = format!(
        "/v1/orgs/{}",
        coffer_core::ids::OrgId::generate(app.clock.now()).unwrap()
    );
    let not_found = app
        .get(&unknown, principals.token(Who::Outsider))
        .await
        .body_without_request_id();

    let mut failures = Vec::new();
    let mut cases = 0;
    let mut checked_survivors = false;
    for (operation, rule) in &org_scoped {
        if rule.last && !checked_survivors {
            failures.extend(missing_real_resources(&app, &principals, &target).await);
            checked_survivors = true;
        }
        // Refusals first, so a route that destroys its target meets the real one only
        // while it must refuse.
        let mut order = Who::ALL.to_vec();
        order.sort_by_key(|who| rule.expected(*who) == rule.ok);
        for who in order {
            let want = rule.expected(who);
            let allowed = want == rule.ok;
            let call = call_for(
                &app,
                &principals,
                &target,
                operation,
                rule.destroys && allowed,
            )
            .await;
            let reply = app.send(call.request(principals.token(who))).await;
            cases += 1;
            let case = format!("{} as {who:?}", operation.key());
            if reply.code() != want {
                failures.push(format!(
                    "{case}: {} (expected {want}): {}",
                    reply.code(),
                    reply.body
                ));
            }
            if who.is_stranger() && reply.status.is_success() {
                failures.push(format!("{case}: LEAK, a stranger got {}", reply.code()));
            }
            if who.is_stranger()
                && reply.code() == 404
                && reply.body_without_request_id() != not_found
            {
                failures.push(format!(
                    "{case}: this 404 differs from an unknown org's: {}",
                    reply.body
                ));
            }
            if !reply.status.is_success() {
                let mut text = reply.body.to_string();
                for value in reply.headers.values() {
                    text.push_str(&String::from_utf8_lossy(value.as_bytes()));
                }
                for secret in &target.secrets {
                    if !call.mentions(secret) && text.contains(secret.as_str()) {
                        failures.push(format!(
                            "{case}: LEAK, the {} refusal repeats the org's {secret:?}",
                            reply.code()
                        ));
                    }
                }
            }
        }
    }
    failures.extend(strangers_list_no_org(&app, &principals).await);
    println!(
        "tenancy matrix: {} org-scoped routes (of {} in the document) x {} principals = {cases} cases",
        org_scoped.len(),
        operations.len(),
        Who::ALL.len(),
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The real resources refused principals aimed at, which must all still be there (a refusal
/// that had already done the work would show here).
async fn missing_real_resources(
    app: &TestApp,
    principals: &Principals,
    target: &Target,
) -> Vec<String> {
    let org = &target.org;
    let owner = Some(principals.target.owner.token.as_str());
    let paths = [
        format!("/v1/orgs/{org}/vaults/{}", target.vault),
        format!("/v1/keys/{}", target.key),
        format!("/v1/datasets/{}", target.dataset),
        format!("/v1/datasets/{}/records/{}", target.dataset, target.record),
        format!("/v1/orgs/{org}/clients/{}", target.client),
    ];
    let mut missing = Vec::new();
    for path in paths {
        let reply = app.get(&path, owner).await;
        if reply.code() != 200 {
            missing.push(format!("{path} is gone after refusals: {}", reply.code()));
        }
    }
    let listed = [
        (
            format!("/v1/orgs/{org}/members"),
            &target.bystander.id,
            "/user_id",
        ),
        (
            format!("/v1/orgs/{org}/invitations"),
            &target.invitation,
            "/id",
        ),
        (format!("/v1/orgs/{org}/teams"), &target.team, "/id"),
        (
            format!("/v1/orgs/{org}/clients/{}/certificates", target.client),
            &target.certificate,
            "/id",
        ),
    ];
    for (path, id, pointer) in listed {
        let reply = app.get(&format!("{path}?limit=1000"), owner).await;
        let found = reply.body["items"].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|item| item.pointer(pointer).and_then(|v| v.as_str()) == Some(id.as_str()))
        });
        if !found {
            missing.push(format!("{id} is no longer in {path}: {}", reply.body));
        }
    }
    missing
}

/// `GET /v1/orgs` lists the caller's own orgs: a stranger's list never names the target.
async fn strangers_list_no_org(app: &TestApp, principals: &Principals) -> Vec<String> {
    let mut leaks = Vec::new();
    for who in [Who::Outsider, Who::OtherAdmin] {
        let reply = app.get("/v1/orgs", principals.token(who)).await;
        if reply.code() != 200 || reply.body.to_string().contains(&principals.target.id) {
            leaks.push(format!(
                "GET /v1/orgs as {who:?}: {} {}",
                reply.code(),
                reply.body
            ));
        }
    }
    leaks
}
