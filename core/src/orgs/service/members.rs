//! Members: list, add by email (a member, or an invitation when the address has no account),
//! change role, remove. The last owner can neither leave nor be demoted; only owners touch
//! owners.

use super::{OrgsService, Paged};
use crate::access::{Permission, Role, Scoped};
use crate::audit::{AuditEvent, Change, RequestOrigin, retrying};
use crate::auth::Email;
use crate::ids::{OrgId, UserId};
use crate::orgs::{Invitation, Membership, OrgError};
use crate::store::{BadAttribute, Bounds, Condition, Cursor, Query, TxOp, schema};

/// What adding by email did.
#[derive(Debug, Clone)]
pub enum AddedMember {
    /// The address has an account: it is a member now.
    Member(Membership),
    /// It has none: an invitation went to the address.
    Invited(Invitation),
}

impl OrgsService {
    /// One page of the org's members, by user id (one query on the org's partition).
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_members(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Membership>, OrgError> {
        let query = Query::partition(schema::org_partition(at.org()))
            .prefix(schema::ORG_MEMBERS_PREFIX)
            .limit(limit)
            .after(cursor);
        self.page(query, Membership::from_item).await
    }

    /// Adds the account behind `email` with `role` if it has verified the address, or invites the
    /// address (no account, or an unverified one).
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), role = role.as_str()))]
    pub async fn add_member(
        &self,
        at: &Scoped,
        email: &Email,
        role: Role,
        origin: &RequestOrigin,
    ) -> Result<AddedMember, OrgError> {
        if role == Role::Owner && !at.may(Permission::OwnersManage) {
            return Err(OrgError::OwnersOnly);
        }
        let digest = self.email_digest(email).await?;
        let claim = self
            .table
            .get(&schema::email_claim(digest.as_str()))
            .await?;
        let user = claim
            .as_ref()
            .and_then(|item| item.attrs.get("user_id"))
            .and_then(|id| id.as_str())
            .and_then(UserId::parse);
        // Only an account that proved it owns the address joins at once; anyone could have
        // registered an address without owning it, so an unverified one gets an invitation,
        // which becomes membership when (and if) the address is verified.
        let verified = match &user {
            Some(user) => match self.table.get(&schema::user_profile(user)).await? {
                Some(item) => {
                    crate::auth::Profile::from_item(&item)
                        .map_err(|_| BadAttribute("profile"))?
                        .value
                        .email_verified
                }
                None => false,
            },
            None => false,
        };
        match user {
            Some(user) if verified => Ok(AddedMember::Member(
                self.add_user(at, &user, role, origin).await?,
            )),
            _ => Ok(AddedMember::Invited(
                self.invite(at, email, &digest, role, origin).await?,
            )),
        }
    }

    /// Adds a known user with `role` (owners only add owners).
    pub async fn add_user(
        &self,
        at: &Scoped,
        user: &UserId,
        role: Role,
        origin: &RequestOrigin,
    ) -> Result<Membership, OrgError> {
        if role == Role::Owner && !at.may(Permission::OwnersManage) {
            return Err(OrgError::OwnersOnly);
        }
        let event = self.event(at, "orgs.member.add", origin, user)?;
        self.join(at.org(), user, role, event, Vec::new()).await
    }

    /// Writes `user`'s membership of `org` with its counters (and `extra` writes, such as
    /// spending an invitation), recorded by `event`.
    pub(super) async fn join(
        &self,
        org: &OrgId,
        user: &UserId,
        role: Role,
        event: AuditEvent,
        extra: Vec<TxOp>,
    ) -> Result<Membership, OrgError> {
        let membership = Membership {
            org_id: org.clone(),
            user_id: user.clone(),
            role,
            joined_at: self.clock.now(),
            teams: Vec::new(),
            version: 1,
        };
        let counters = &schema::org_counters(org);
        let (membership_ref, event, extra) = (&membership, &event, &extra);
        retrying(|| async move {
            let mut change = Change::new(event.clone())
                .put_or(
                    membership_ref.to_item(),
                    Condition::MustNotExist,
                    OrgError::AlreadyMember,
                )
                .add(counters.clone(), "members", 1)
                .add_or(
                    schema::user_counters(user),
                    "orgs",
                    1,
                    Bounds::at_most(Some(i64::from(self.settings.max_orgs_per_user))),
                    OrgError::MembershipLimit {
                        limit: self.settings.max_orgs_per_user,
                    },
                )
                .ops(extra.clone());
            // The org must still be live: deleting it removes its owner count, which a live org
            // always has (at least one owner).
            let gone = || OrgError::Access(crate::access::AccessError::NotFound);
            change = if role == Role::Owner {
                change.add_or(
                    schema::org_owner_count(org),
                    "owners",
                    1,
                    Bounds::at_least(2),
                    gone(),
                )
            } else {
                change.check_or(schema::org_owner_count(org), Condition::MustExist, gone())
            };
            change.commit(&*self.table).await?;
            Ok::<_, OrgError>(())
        })
        .await?;
        Ok(membership)
    }

    /// Changes a member's role. Only owners make or unmake owners; the last owner stays.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), user_id = %user, role = role.as_str()))]
    pub async fn change_role(
        &self,
        at: &Scoped,
        user: &UserId,
        role: Role,
        origin: &RequestOrigin,
    ) -> Result<Membership, OrgError> {
        retrying(|| async move {
            let mut membership = self.membership(at, user).await?;
            let was = membership.role;
            if (was == Role::Owner || role == Role::Owner) && !at.may(Permission::OwnersManage) {
                return Err(OrgError::OwnersOnly);
            }
            if was == role {
                return Ok(membership);
            }
            let version = membership.version;
            membership.role = role;
            membership.version += 1;
            let mut change = Change::new(self.event(at, "orgs.member.role", origin, user)?)
                .put(membership.to_item(), Condition::VersionEquals(version));
            change = self.owner_count_change(at, change, was, Some(role));
            change.commit(&*self.table).await?;
            Ok(membership)
        })
        .await
    }

    /// Removes a member (any member may remove themselves: leaving). The member's teams go
    /// with them.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), user_id = %user))]
    pub async fn remove_member(
        &self,
        at: &Scoped,
        user: &UserId,
        origin: &RequestOrigin,
    ) -> Result<(), OrgError> {
        let leaving = at.principal().user() == Some(user);
        if !leaving && !at.may(Permission::MembersManage) {
            return Err(OrgError::Access(crate::access::AccessError::Forbidden(
                Permission::MembersManage,
            )));
        }
        retrying(|| async move {
            let membership = self.membership(at, user).await?;
            if membership.role == Role::Owner && !leaving && !at.may(Permission::OwnersManage) {
                return Err(OrgError::OwnersOnly);
            }
            let mut change = Change::new(self.event(at, "orgs.member.remove", origin, user)?)
                .delete(
                    schema::org_member(at.org(), user),
                    Condition::VersionEquals(membership.version),
                )
                .add(schema::org_counters(at.org()), "members", -1)
                .add(schema::user_counters(user), "orgs", -1);
            for team in &membership.teams {
                change = change.delete(schema::team_member(at.org(), team, user), Condition::None);
            }
            change = self.owner_count_change(at, change, membership.role, None);
            change.commit(&*self.table).await?;
            Ok(())
        })
        .await
    }

    /// The owner count's move when a member goes from `was` to `now` (`None`: leaves); a
    /// floor of one keeps the last owner.
    fn owner_count_change(
        &self,
        at: &Scoped,
        change: Change<OrgError>,
        was: Role,
        now: Option<Role>,
    ) -> Change<OrgError> {
        let key = schema::org_owner_count(at.org());
        match (was == Role::Owner, now == Some(Role::Owner)) {
            (true, false) => {
                change.add_or(key, "owners", -1, Bounds::at_least(1), OrgError::LastOwner)
            }
            (false, true) => change.add(key, "owners", 1),
            _ => change,
        }
    }

    /// The member's current membership, or 404.
    pub(super) async fn membership(
        &self,
        at: &Scoped,
        user: &UserId,
    ) -> Result<Membership, OrgError> {
        let item = self.table.get(&schema::org_member(at.org(), user)).await?;
        Ok(Membership::from_item(
            &item.ok_or(OrgError::NotFound("member"))?,
        )?)
    }
}
