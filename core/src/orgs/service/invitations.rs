//! Invitations: an address without an account is invited with a role; the mail goes through the
//! outbox; the invitation turns into membership when that address registers and verifies it.

use super::{OrgsService, Paged};
use crate::access::{Role, Scoped};
use crate::audit::{Change, Outcome, RequestOrigin};
use crate::auth::outbox::MessageKind;
use crate::auth::{Email, EmailDigest, OutboxMessage};
use crate::ids::{InvitationId, OrgId, UserId};
use crate::orgs::{Invitation, Org, OrgError};
use crate::store::{Condition, Cursor, Query, TxOp, schema};

/// Invitations read for one address at verification (one per org; more wait for the next).
const MAX_ACCEPTED_AT_ONCE: usize = 100;

impl OrgsService {
    /// Invites `email`, whose keyed digest is `digest`.
    pub(super) async fn invite(
        &self,
        at: &Scoped,
        email: &Email,
        digest: &EmailDigest,
        role: Role,
        origin: &RequestOrigin,
    ) -> Result<Invitation, OrgError> {
        let now = self.clock.now();
        let invitation = Invitation {
            id: InvitationId::generate(now)?,
            org_id: at.org().clone(),
            email: email.clone(),
            role,
            invited_by: at.principal().user().cloned().ok_or(OrgError::Invalid {
                field: "email",
                message: "only users invite",
            })?,
            created_at: now,
            expires_at: now + self.settings.invitation_ttl,
        };
        // The mail goes in the invitation's own transaction: no invitation without its mail.
        let mail = self
            .outbox
            .put_op(&self.invitation_mail(at.org_record(), &invitation)?)
            .await?;
        let change =
            Change::new(self.event(at, "orgs.invitation.create", origin, &invitation.id)?);
        change
            .org_is_live_or(
                at.org(),
                OrgError::Access(crate::access::AccessError::NotFound),
            )
            .put_or(
                invitation.claim_item(digest),
                Condition::MustNotExist,
                OrgError::AlreadyInvited,
            )
            .put(invitation.to_item(digest), Condition::MustNotExist)
            .op(mail)
            .commit(&*self.table)
            .await?;
        Ok(invitation)
    }

    fn invitation_mail(
        &self,
        org: &Org,
        invitation: &Invitation,
    ) -> Result<OutboxMessage, OrgError> {
        let text = format!(
            "You are invited to join the organization \"{}\" on Coffer as {}.\n\n\
             Register with this address and verify it (POST /v1/auth/register, then \
             POST /v1/auth/email/verify/request and .../confirm) within {} days, and you will be \
             a member.\nIf you did not expect this, ignore this message.\n",
            org.name,
            invitation.role,
            self.settings.invitation_ttl.as_secs() / 86_400,
        );
        let message = OutboxMessage {
            id: format!(
                "msg_{}",
                crate::ids::ulid_at(invitation.created_at)?
                    .to_string()
                    .to_lowercase()
            ),
            recipient: invitation.id.to_string(),
            to: invitation.email.clone(),
            kind: MessageKind::Invitation,
            subject: format!("You are invited to {} on Coffer", org.name),
            text,
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
        };
        Ok(message)
    }

    /// One page of the org's pending invitations.
    #[tracing::instrument(skip_all, fields(org_id = %at.org()))]
    pub async fn list_invitations(
        &self,
        at: &Scoped,
        limit: usize,
        cursor: Option<Cursor>,
    ) -> Result<Paged<Invitation>, OrgError> {
        let query = Query::partition(schema::org_partition(at.org()))
            .prefix(schema::ORG_INVITATIONS_PREFIX)
            .limit(limit)
            .after(cursor);
        self.page(query, Invitation::from_item).await
    }

    /// Revokes a pending invitation.
    #[tracing::instrument(skip_all, fields(org_id = %at.org(), invitation_id = %id))]
    pub async fn revoke_invitation(
        &self,
        at: &Scoped,
        id: &InvitationId,
        origin: &RequestOrigin,
    ) -> Result<(), OrgError> {
        let item = self
            .table
            .get(&schema::invitation(at.org(), id))
            .await?
            .ok_or(OrgError::NotFound("invitation"))?;
        let invitation = Invitation::from_item(&item)?;
        let digest = self.email_digest(&invitation.email).await?;
        Change::new(self.event(at, "orgs.invitation.revoke", origin, id)?)
            .delete_or(
                schema::invitation(at.org(), id),
                Condition::MustExist,
                OrgError::NotFound("invitation"),
            )
            .delete(
                schema::invitation_claim(digest.as_str(), at.org()),
                Condition::None,
            )
            .commit(&*self.table)
            .await?;
        Ok(())
    }

    /// Turns every pending invitation of `email` into a membership of `user`, who has just
    /// proved they own the address. Returns the orgs joined. An invitation that cannot be
    /// accepted (the org is gone, the user is already a member) is spent and skipped.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn accept_invitations(
        &self,
        user: &UserId,
        email: &Email,
        origin: &RequestOrigin,
    ) -> Result<Vec<OrgId>, OrgError> {
        let digest = self.email_digest(email).await?;
        let digest = digest.as_str();
        let claims = self
            .table
            .query(
                &Query::partition(schema::invitations_of_email(digest)).limit(MAX_ACCEPTED_AT_ONCE),
            )
            .await?;
        let mut joined = Vec::new();
        for claim in &claims.items {
            let (Some(org), Some(id)) = (
                claim
                    .attrs
                    .get("org_id")
                    .and_then(|v| v.as_str())
                    .and_then(OrgId::parse),
                claim
                    .attrs
                    .get("invitation_id")
                    .and_then(|v| v.as_str())
                    .and_then(InvitationId::parse),
            ) else {
                continue;
            };
            let Some(item) = self.table.get(&schema::invitation(&org, &id)).await? else {
                continue;
            };
            let invitation = Invitation::from_item(&item)?;
            let spend = vec![
                TxOp::Delete {
                    key: schema::invitation(&org, &id),
                    condition: Condition::MustExist,
                },
                TxOp::Delete {
                    key: schema::invitation_claim(digest, &org),
                    condition: Condition::None,
                },
            ];
            // A deleted org refuses the join in its transaction (see `join`): no read here.
            let event = self.accept_event(user, &org, &id, Outcome::Success, origin)?;
            match self.join(&org, user, invitation.role, event, spend).await {
                Ok(_) => joined.push(org),
                Err(OrgError::Access(_)) => {}
                Err(OrgError::AlreadyMember) => {
                    let event = self.accept_event(user, &org, &id, Outcome::Failure, origin)?;
                    Change::<OrgError>::new(event)
                        .delete(schema::invitation(&org, &id), Condition::None)
                        .delete(schema::invitation_claim(digest, &org), Condition::None)
                        .commit(&*self.table)
                        .await?;
                }
                // One invitation that cannot be taken up (revoked meanwhile, the user's org limit,
                // a store error) must not cost the others: log it and go on.
                Err(err) => {
                    tracing::warn!(org_id = %org, invitation_id = %id, error = %err, "invitation not accepted");
                }
            }
        }
        Ok(joined)
    }

    /// The event of `user` taking up invitation `id` of `org` (there is no gate yet: the org
    /// comes from the invitation).
    fn accept_event(
        &self,
        user: &UserId,
        org: &OrgId,
        id: &InvitationId,
        outcome: Outcome,
        origin: &RequestOrigin,
    ) -> Result<crate::audit::AuditEvent, OrgError> {
        let mut event = self
            .audit
            .event("orgs.invitation.accept", outcome, origin)?
            .actor(user)
            .resource(id);
        event.org_id = Some(org.to_string());
        Ok(event)
    }
}
