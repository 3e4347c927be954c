//! Teams: only members of the org join them, and leaving the org leaves its teams.

use serde_json::json;

#[tokio::test]
async fn only_members_of_the_org_can_join_its_teams_and_names_are_unique() {
    let app = crate::spawn();
    let w = app.org_with_every_role().await;
    let owner = Some(w.owner.token.as_str());
    let teams = format!("/v1/orgs/{}/teams", w.id);
    let team = app.post(&teams, json!({"name": "Platform"}), owner).await;
    assert_eq!(team.code(), 201, "{}", team.body);
    let team = team.text("/id");
    let dup = app.post(&teams, json!({"name": "platform"}), owner).await;
    assert_eq!(dup.code(), 409);

    let team_members = format!("{teams}/{team}/members");
    let outsider = app
        .post(&team_members, json!({"user_id": w.outsider.id}), owner)
        .await;
    assert_eq!(outsider.code(), 422, "{}", outsider.body);
    let member = app
        .post(&team_members, json!({"user_id": w.member.id}), owner)
        .await;
    assert_eq!(member.code(), 201, "{}", member.body);
    let listed = app.get(&team_members, Some(&w.member.token)).await;
    assert_eq!(listed.body["items"][0]["user_id"], w.member.id.as_str());

    // A team with members cannot be deleted; after the member leaves the org, it can.
    assert_eq!(
        app.delete(&format!("{teams}/{team}"), owner).await.code(),
        422
    );
    let left = app
        .delete(
            &format!("/v1/orgs/{}/members/{}", w.id, w.member.id),
            Some(&w.member.token),
        )
        .await;
    assert_eq!(left.code(), 204);
    let listed = app.get(&team_members, owner).await;
    assert_eq!(
        listed.body["items"],
        json!([]),
        "leaving the org leaves its teams"
    );
    assert_eq!(
        app.delete(&format!("{teams}/{team}"), owner).await.code(),
        204
    );
    let again = app.post(&teams, json!({"name": "platform"}), owner).await;
    assert_eq!(again.code(), 201, "a deleted team's name is free again");
}
