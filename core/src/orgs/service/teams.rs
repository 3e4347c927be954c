//! Teams inside an org; their members must be members of the org.

use super::{OrgsService, Paged};
use crate::access::Scoped;
use crate::audit::{Change, RequestOrigin, retrying};
use crate::ids::{TeamId, UserId};
use crate::orgs::{MAX_TEAMS_PER_MEMBER, Name, OrgError, Team, TeamMember};
use crate::store::{Condition, Cursor, Query, schema};

impl OrgsService {
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn create_team(
        &self,
        at: &Scoped,
        name: Name,
        origin: &RequestOrigin,
    ) -> Result<Team, OrgError> {
        let team = Team {
            id: TeamId::generate(self.clock.now())?,
            org_id: at.org().clone(),
            name,
            created_at: self.clock.now(),
            version: 1,
        };
        let change = Change::new(self.event(at, "orgs.team.create", origin, &team.id)?);
        change
            .org_is_live_or(
                at.org(),
                OrgError::Access(crate::access::AccessError::NotFound),
            )
            .put_or(
                team.name_claim(),
                Condition::MustNotExist,
                OrgError::NameTaken("team"),
            )
            .put(team.to_item(), Condition::MustNotExist)
            .commit(&*self.table)
            .await?;
        Ok(team)
    }

    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_teams(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Team>, OrgError> {
        let query = Query::partition(schema::org_partition(at.org()))
            .prefix(schema::ORG_TEAMS_PREFIX)
            .limit(limit)
            .after(cursor);
        self.page(query, Team::from_item).await
    }

    /// Deletes a team that has no members left (remove them first: a team's member list may be
    /// longer than one transaction).
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), team_id = %id))]
    pub async fn delete_team(
        &self,
        at: &Scoped,
        id: &TeamId,
        origin: &RequestOrigin,
    ) -> Result<(), OrgError> {
        retrying(|| async move {
            let team = self.team(at, id).await?;
            let members = self
                .table
                .query(
                    &Query::partition(schema::org_partition(at.org()))
                        .prefix(schema::team_members_prefix(id))
                        .limit(1),
                )
                .await?;
            if !members.items.is_empty() {
                return Err(OrgError::Invalid {
                    field: "team",
                    message: "remove the team's members before deleting it",
                });
            }
            // At the version read: a member added since makes this a conflict, and the next
            // round sees them.
            Change::new(self.event(at, "orgs.team.delete", origin, id)?)
                .delete(
                    schema::team(at.org(), id),
                    Condition::VersionEquals(team.version),
                )
                .delete(
                    schema::team_name(at.org(), &team.name.claim_digest()),
                    Condition::None,
                )
                .commit(&*self.table)
                .await?;
            Ok(())
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(org_id = %at.org(), team_id = %team))]
    pub async fn list_team_members(
        &self,
        at: &Scoped,
        team: &TeamId,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<TeamMember>, OrgError> {
        self.team(at, team).await?;
        let query = Query::partition(schema::org_partition(at.org()))
            .prefix(schema::team_members_prefix(team))
            .limit(limit)
            .after(cursor);
        self.page(query, TeamMember::from_item).await
    }

    /// Adds a member of the org to a team. The membership (which lists the member's teams) and
    /// the team are rewritten at the versions read, so neither the member leaving nor the team
    /// being deleted can cross this.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), team_id = %team, user_id = %user))]
    pub async fn add_team_member(
        &self,
        at: &Scoped,
        team: &TeamId,
        user: &UserId,
        origin: &RequestOrigin,
    ) -> Result<TeamMember, OrgError> {
        retrying(|| async move {
            let not_a_member = OrgError::Invalid {
                field: "user_id",
                message: "is not a member of this organization",
            };
            let mut membership = match self.membership(at, user).await {
                Err(OrgError::NotFound(_)) => return Err(not_a_member),
                other => other?,
            };
            let mut record = self.team(at, team).await?;
            if membership.teams.contains(team) {
                return Err(OrgError::AlreadyMember);
            }
            if membership.teams.len() >= MAX_TEAMS_PER_MEMBER {
                return Err(OrgError::Invalid {
                    field: "user_id",
                    message: "is in as many teams as a member may be",
                });
            }
            let member = TeamMember {
                org_id: at.org().clone(),
                team_id: team.clone(),
                user_id: user.clone(),
                added_at: self.clock.now(),
            };
            let (member_version, team_version) = (membership.version, record.version);
            membership.teams.push(team.clone());
            membership.version += 1;
            record.version += 1;
            Change::new(
                self.event(at, "orgs.team.member.add", origin, user)?
                    .resource(team),
            )
            .put(
                membership.to_item(),
                Condition::VersionEquals(member_version),
            )
            .put(record.to_item(), Condition::VersionEquals(team_version))
            .put_or(
                member.to_item(),
                Condition::MustNotExist,
                OrgError::AlreadyMember,
            )
            .commit(&*self.table)
            .await?;
            Ok(member)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(org_id = %at.org(), team_id = %team, user_id = %user))]
    pub async fn remove_team_member(
        &self,
        at: &Scoped,
        team: &TeamId,
        user: &UserId,
        origin: &RequestOrigin,
    ) -> Result<(), OrgError> {
        retrying(|| async move {
            let gone = OrgError::NotFound("team member");
            let mut membership = match self.membership(at, user).await {
                Err(OrgError::NotFound(_)) => return Err(gone),
                other => other?,
            };
            let mut record = self.team(at, team).await?;
            if !membership.teams.contains(team) {
                return Err(gone);
            }
            let (member_version, team_version) = (membership.version, record.version);
            membership.teams.retain(|t| t != team);
            membership.version += 1;
            record.version += 1;
            Change::new(
                self.event(at, "orgs.team.member.remove", origin, user)?
                    .resource(team),
            )
            .put(
                membership.to_item(),
                Condition::VersionEquals(member_version),
            )
            .put(record.to_item(), Condition::VersionEquals(team_version))
            .delete(schema::team_member(at.org(), team, user), Condition::None)
            .commit(&*self.table)
            .await?;
            Ok(())
        })
        .await
    }

    async fn team(&self, at: &Scoped, id: &TeamId) -> Result<Team, OrgError> {
        let item = self.table.get(&schema::team(at.org(), id)).await?;
        Ok(Team::from_item(&item.ok_or(OrgError::NotFound("team"))?)?)
    }
}
