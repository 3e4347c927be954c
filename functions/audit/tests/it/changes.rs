//! Every state change an org makes shows in its log — by whom, on what, with the request's id
//! and IP — and no event holds a sensitive value: the people's emails and passwords, their
//! session tokens, and an invited address (canaries) appear nowhere in the log's JSON.

use coffer_testkit::{TestApp, unique_email};
use serde_json::{Value, json};

async fn every_state_change_appears_in_the_log_and_no_event_holds_a_sensitive_value(app: TestApp) {
    let w = app.org_with_every_role().await;
    let owner = Some(w.owner.token.as_str());
    let org = w.id.as_str();

    let renamed = app
        .patch(
            &format!("/v1/orgs/{org}"),
            json!({"name": "Renamed org"}),
            owner,
        )
        .await;
    assert_eq!(renamed.code(), 200, "{}", renamed.body);
    let vault = app.create_vault(org, &w.owner, "payments").await;
    let deleted = app
        .delete(&format!("/v1/orgs/{org}/vaults/{vault}"), owner)
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.body);
    let promoted = app
        .patch(
            &format!("/v1/orgs/{org}/members/{}", w.member.id),
            json!({"role": "admin"}),
            owner,
        )
        .await;
    assert_eq!(promoted.code(), 200, "{}", promoted.body);
    let team = app
        .post(
            &format!("/v1/orgs/{org}/teams"),
            json!({"name": "platform"}),
            owner,
        )
        .await;
    assert_eq!(team.code(), 201, "{}", team.body);
    let team = team.text("/id");
    let joined = app
        .post(
            &format!("/v1/orgs/{org}/teams/{team}/members"),
            json!({"user_id": w.admin.id}),
            owner,
        )
        .await;
    assert!(joined.code() < 300, "{}", joined.body);
    // an address with no account: an invitation, whose event must not hold the address
    let invited = unique_email();
    let invitation = app
        .post(
            &format!("/v1/orgs/{org}/members"),
            json!({"email": invited, "role": "member"}),
            owner,
        )
        .await;
    assert_eq!(invitation.code(), 202, "{}", invitation.body);
    let removed = app
        .delete(&format!("/v1/orgs/{org}/members/{}", w.member.id), owner)
        .await;
    assert_eq!(removed.code(), 204, "{}", removed.body);

    let log = crate::every_page(&app, org, "", 500, &w.owner).await;
    let seen: Vec<(&str, &str, &str)> = log
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap_or("-"),
                e["resource"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    let by_owner = w.owner.id.as_str();
    let expected = [
        ("orgs.org.create", by_owner, org),
        ("orgs.member.add", by_owner, w.admin.id.as_str()),
        ("orgs.member.add", by_owner, w.member.id.as_str()),
        ("orgs.org.rename", by_owner, org),
        ("orgs.vault.create", by_owner, vault.as_str()),
        ("orgs.vault.delete", by_owner, vault.as_str()),
        ("orgs.member.role", by_owner, w.member.id.as_str()),
        ("orgs.team.create", by_owner, team.as_str()),
        // on the team (the service names the team, not the user added)
        ("orgs.team.member.add", by_owner, team.as_str()),
    ];
    for want in expected {
        assert!(seen.contains(&want), "{want:?} is not in the log: {seen:?}");
    }
    assert!(
        seen.iter()
            .any(|(action, actor, _)| *action == "orgs.invitation.create" && *actor == by_owner),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("orgs.member.remove", by_owner, w.member.id.as_str())),
        "{seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|(a, ..)| a.starts_with("orgs.")).count(),
        11,
        "one event per change: {seen:?}"
    );
    for event in &log {
        assert_eq!(event["org_id"], org, "{event}");
        assert_eq!(event["outcome"], "success", "{event}");
        assert!(event["request_id"].is_string(), "{event}");
        assert_eq!(event["ip"], app.ip.to_string(), "{event}");
    }

    // the canaries: nothing sensitive anywhere in the log's JSON (the emails nor their
    // local parts, the passwords, the session tokens, the invited address)
    let text = Value::Array(log).to_string().to_lowercase();
    let people = [&w.owner, &w.admin, &w.member, &w.outsider];
    let mut canaries: Vec<String> = vec![invited.clone()];
    for user in people {
        canaries.push(user.email.clone());
        canaries.push(user.email.split('@').next().unwrap().to_owned());
        canaries.push(user.password.clone());
        canaries.push(user.token.clone());
    }
    for canary in canaries {
        assert!(
            !text.contains(&canary.to_lowercase()),
            "a sensitive value is in the log: {canary}"
        );
    }
}

on_both_backends!(every_state_change_appears_in_the_log_and_no_event_holds_a_sensitive_value,);
