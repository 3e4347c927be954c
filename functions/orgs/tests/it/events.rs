//! Every sample event in `events/orgs/` goes through lambda_http's own request parser into the
//! router, as on Lambda, with real ids filled in.

use serde_json::json;

/// Each event file and the status its reply must have.
const EVENTS: &[(&str, u16)] = &[
    ("list-orgs.json", 200),
    ("get-org.json", 200),
    ("rename-org.json", 200),
    ("list-members.json", 200),
    ("add-member.json", 202),
    ("change-member-role.json", 200),
    ("list-invitations.json", 200),
    ("revoke-invitation.json", 204),
    ("list-teams.json", 200),
    ("create-team.json", 201),
    ("list-team-members.json", 200),
    ("add-team-member.json", 201),
    ("remove-team-member.json", 204),
    ("delete-team.json", 204),
    ("list-vaults.json", 200),
    ("create-vault.json", 201),
    ("get-vault.json", 200),
    ("delete-vault.json", 204),
    ("remove-member.json", 204),
    ("create-org.json", 201),
    ("delete-org.json", 204),
];

#[tokio::test]
async fn every_sample_event_gets_its_reply_through_the_lambda_parser() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let owner = Some(w.owner.token.as_str());
    let base = format!("/v1/orgs/{}", w.id);
    let vault = app
        .post(&format!("{base}/vaults"), json!({"name": "v"}), owner)
        .await
        .text("/id");
    let team = app
        .post(&format!("{base}/teams"), json!({"name": "t"}), owner)
        .await
        .text("/id");
    let invitation = app
        .post(
            &format!("{base}/members"),
            json!({"email": "invitee@example.com", "role": "member"}),
            owner,
        )
        .await
        .text("/invitation/id");
    let zeros = "00000000000000000000000000";
    let ids = [
        (format!("org_{zeros}"), w.id.clone()),
        (format!("usr_{zeros}"), w.member.id.clone()),
        (format!("vlt_{zeros}"), vault),
        (format!("team_{zeros}"), team),
        (format!("inv_{zeros}"), invitation),
    ];
    let ids: Vec<(&str, &str)> = ids.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    app.replay_events("orgs", EVENTS, &w.owner.token, &ids)
        .await;
}
