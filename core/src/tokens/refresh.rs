//! Refresh tokens: opaque 256-bit values stored only as their SHA-256, single use, in families
//! (RFC 9700 §4.14). A family is the chain of tokens one grant produced; its item's version is
//! the generation of the one live token. Refreshing with the live token moves the family one
//! generation on in a transaction conditioned on that version, so of concurrent refreshes one
//! wins. Presenting any other token of the family is reuse and revokes it, with one exception:
//! within the grace window after a refresh, the token just spent may be presented once more
//! (a client that lost the reply) and gets a new pair, which replaces the one it lost.

use std::sync::Arc;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{Scopes, TokenError};
use crate::auth::digest;
use crate::crypto::random;
use crate::ids::{OrgId, RefreshFamilyId, SessionId, UserId, VaultId};
use crate::store::attrs;
use crate::store::{Condition, Item, Table, TxOp, schema};

/// The tokenised grant a family carries from one refresh to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub user: UserId,
    /// The session that minted the family: when it ends (logout, revocation, a password
    /// change elsewhere), the family ends with it.
    pub session: SessionId,
    /// Where the session is stored (the digest of its token), to read it on each refresh.
    pub session_digest: String,
    /// The user's credential version at issue: a password change ends the family.
    pub credential_version: u64,
    #[serde(default)]
    pub org: Option<OrgId>,
    #[serde(default)]
    pub vault: Option<VaultId>,
    /// The vault's token generation at issue: revocation by vault ends the family.
    #[serde(default)]
    pub vault_generation: u64,
    pub scope: String,
    pub access_ttl: u64,
}

impl Grant {
    pub fn scopes(&self) -> Result<Scopes, TokenError> {
        Scopes::parse(&self.scope).map_err(|_| TokenError::Corrupt("family scope"))
    }
}

/// A family as stored.
#[derive(Debug, Clone)]
pub struct Family {
    pub id: RefreshFamilyId,
    pub grant: Grant,
    /// The live token's generation (the item's version).
    pub generation: u64,
    /// The generation spent by the last refresh, and when.
    pub previous: Option<(u64, i64)>,
    /// Whether the previous token's one retry was used.
    pub grace_used: bool,
    pub revoked: bool,
}

/// What presenting a token of a family means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// The live token: rotate.
    Live,
    /// The token just spent, within the window, for the first time again: a new pair.
    GraceRetry,
    /// Any other token, or a retry too late or twice: revoke the family.
    Reuse,
    /// The family is already revoked: refuse, change nothing.
    Revoked,
}

impl Family {
    fn to_item(&self, expires_at: i64) -> Result<Item, TokenError> {
        let grant = serde_json::to_string(&self.grant).map_err(|_| TokenError::Corrupt("grant"))?;
        Ok(Item::new(schema::refresh_family(&self.id))
            .with_version(self.generation)
            .with_expiry(expires_at)
            .with_attr("grant", grant)
            .with_attr("previous_generation", self.previous.map(|(g, _)| g))
            .with_attr("previous_spent_at", self.previous.map(|(_, at)| at))
            .with_attr("grace_used", self.grace_used)
            .with_attr("revoked", self.revoked))
    }

    fn from_item(id: RefreshFamilyId, item: &Item) -> Result<Self, TokenError> {
        let grant = serde_json::from_str(attrs::text(item, "grant")?)
            .map_err(|_| TokenError::Corrupt("grant"))?;
        let number = |name| item.attrs.get(name).and_then(serde_json::Value::as_i64);
        let flag = |name| {
            item.attrs
                .get(name)
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        let previous = match (number("previous_generation"), number("previous_spent_at")) {
            (Some(generation), Some(at)) => Some((u64::try_from(generation).unwrap_or(0), at)),
            _ => None,
        };
        Ok(Self {
            id,
            grant,
            generation: item.version,
            previous,
            grace_used: flag("grace_used"),
            revoked: flag("revoked"),
        })
    }

    /// Classifies a token of generation `presented` at `now`, with a grace window of `grace`
    /// seconds.
    pub fn presented(&self, presented: u64, now: i64, grace: i64) -> Presented {
        if self.revoked {
            return Presented::Revoked;
        }
        if presented == self.generation {
            return Presented::Live;
        }
        match self.previous {
            Some((previous, spent_at))
                if presented == previous
                    && grace > 0
                    && !self.grace_used
                    && now - spent_at <= grace =>
            {
                Presented::GraceRetry
            }
            _ => Presented::Reuse,
        }
    }
}

/// Reads and writes families and their tokens.
#[derive(Debug, Clone)]
pub struct RefreshTokens {
    table: Arc<dyn Table>,
    /// Seconds a refresh token lives.
    ttl: i64,
}

/// A new refresh token and the writes that store it.
#[derive(Debug)]
pub struct NewRefreshToken {
    pub token: SecretString,
    pub ops: Vec<TxOp>,
    pub family: Family,
}

impl RefreshTokens {
    pub fn new(table: Arc<dyn Table>, ttl: std::time::Duration) -> Self {
        Self {
            table,
            ttl: i64::try_from(ttl.as_secs()).unwrap_or(90 * 86_400),
        }
    }

    pub fn ttl_seconds(&self) -> u64 {
        u64::try_from(self.ttl).unwrap_or(0)
    }

    /// A new family for `grant`, its first token, and the writes that store both.
    pub fn start(&self, grant: Grant, now: i64) -> Result<NewRefreshToken, TokenError> {
        let at = time::OffsetDateTime::from_unix_timestamp(now)
            .map_err(|_| TokenError::Corrupt("time"))?;
        let family = Family {
            id: RefreshFamilyId::generate(at)?,
            grant,
            generation: 1,
            previous: None,
            grace_used: false,
            revoked: false,
        };
        let (token, token_op) = self.token(&family, now)?;
        Ok(NewRefreshToken {
            token,
            ops: vec![
                TxOp::Put {
                    item: family.to_item(now + self.ttl)?,
                    condition: Condition::MustNotExist,
                },
                token_op,
            ],
            family,
        })
    }

    /// The family and generation of `token`, if it is one of ours that has not expired.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find(&self, token: &str) -> Result<Option<(Family, u64)>, TokenError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let Some(item) = self
            .table
            .get(&schema::refresh_token(&digest(token)))
            .await?
        else {
            return Ok(None);
        };
        let id = attrs::parsed(&item, "family", RefreshFamilyId::parse)?;
        let generation = u64::try_from(attrs::count(&item, "generation")).unwrap_or(0);
        let Some(family) = self.table.get(&schema::refresh_family(&id)).await? else {
            return Ok(None);
        };
        Ok(Some((Family::from_item(id, &family)?, generation)))
    }

    /// The next token of `family` (after a live refresh or a grace retry) and the writes,
    /// conditioned on the family still being at the generation that was read.
    pub fn rotate(
        &self,
        family: &Family,
        presented: Presented,
        now: i64,
    ) -> Result<NewRefreshToken, TokenError> {
        let mut next = family.clone();
        next.generation = family.generation + 1;
        match presented {
            Presented::Live => {
                next.previous = Some((family.generation, now));
                next.grace_used = false;
            }
            Presented::GraceRetry => next.grace_used = true,
            Presented::Reuse | Presented::Revoked => return Err(TokenError::InvalidToken),
        }
        let (token, token_op) = self.token(&next, now)?;
        Ok(NewRefreshToken {
            token,
            ops: vec![
                TxOp::Put {
                    item: next.to_item(now + self.ttl)?,
                    condition: Condition::VersionEquals(family.generation),
                },
                token_op,
            ],
            family: next,
        })
    }

    /// The write that revokes `family` (kept until its last token would have expired, so
    /// every token of it keeps being refused). Like a refresh, it moves the family one
    /// generation on, conditioned on the generation read: a refresh that read the family
    /// before cannot then overwrite the revocation, and a revocation that lost to a refresh is
    /// a conflict, to read the family again (an unconditional write put the read generation
    /// back, and refreshes that had read it won again: one token, several pairs, family live).
    pub fn revoke(&self, family: &Family, now: i64) -> Result<TxOp, TokenError> {
        let mut revoked = family.clone();
        revoked.revoked = true;
        revoked.generation = family.generation + 1;
        Ok(TxOp::Put {
            item: revoked.to_item(now + self.ttl)?,
            condition: Condition::VersionEquals(family.generation),
        })
    }

    fn token(&self, family: &Family, now: i64) -> Result<(SecretString, TxOp), TokenError> {
        let token = random::token()?;
        let item = Item::new(schema::refresh_token(&digest(&token)))
            .with_expiry(now + self.ttl)
            .with_attr("family", family.id.as_str())
            .with_attr("generation", family.generation);
        Ok((
            SecretString::from(token),
            TxOp::Put {
                item,
                condition: Condition::MustNotExist,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(generation: u64, previous: Option<(u64, i64)>, grace_used: bool) -> Family {
        Family {
            id: RefreshFamilyId::parse("rfam_01arz3ndektsv4rrffq69g5fav").unwrap(),
            grant: Grant {
                user: UserId::parse("usr_01arz3ndektsv4rrffq69g5fav").unwrap(),
                session: SessionId::parse("ses_01arz3ndektsv4rrffq69g5fav").unwrap(),
                session_digest: "d".into(),
                credential_version: 1,
                org: None,
                vault: None,
                vault_generation: 0,
                scope: String::new(),
                access_ttl: 3600,
            },
            generation,
            previous,
            grace_used,
            revoked: false,
        }
    }

    #[test]
    fn the_live_token_rotates_and_any_older_one_is_reuse_without_a_grace_window() {
        let f = family(5, Some((4, 1000)), false);
        assert_eq!(f.presented(5, 1000, 0), Presented::Live);
        assert_eq!(f.presented(4, 1000, 0), Presented::Reuse);
        assert_eq!(f.presented(3, 1000, 0), Presented::Reuse);
        assert_eq!(f.presented(6, 1000, 0), Presented::Reuse);
    }

    #[test]
    fn only_the_immediately_previous_token_gets_one_retry_inside_the_window() {
        let f = family(5, Some((4, 1000)), false);
        assert_eq!(f.presented(4, 1010, 10), Presented::GraceRetry);
        assert_eq!(f.presented(4, 1011, 10), Presented::Reuse);
        assert_eq!(f.presented(3, 1001, 10), Presented::Reuse);
        let retried = family(6, Some((4, 1000)), true);
        assert_eq!(retried.presented(4, 1001, 10), Presented::Reuse);
        assert_eq!(retried.presented(5, 1001, 10), Presented::Reuse);
    }

    #[tokio::test]
    async fn a_refresh_that_read_the_family_before_its_revocation_cannot_undo_it() {
        let dir = tempfile::tempdir().unwrap();
        let clock: Arc<dyn crate::Clock> = crate::ManualClock::starting_now();
        let now = clock.now().unix_timestamp();
        let table: Arc<dyn Table> = Arc::new(
            crate::store::sqlite::SqliteTable::open(dir.path().join("t.sqlite3"), clock).unwrap(),
        );
        let tokens = RefreshTokens::new(table.clone(), std::time::Duration::from_secs(3600));
        let read = family(5, Some((4, now)), false);
        table
            .put(read.to_item(now + 3600).unwrap(), Condition::None)
            .await
            .unwrap();
        // A refresh and a reuse's revocation both read generation 5; the revocation lands first.
        let refresh = tokens.rotate(&read, Presented::Live, now).unwrap();
        let revoke = tokens.revoke(&read, now).unwrap();
        table.transact(vec![revoke]).await.unwrap();
        assert!(matches!(
            table.transact(refresh.ops).await,
            Err(crate::store::StoreError::TransactionFailed { .. })
        ));
        let stored = table
            .get(&schema::refresh_family(&read.id))
            .await
            .unwrap()
            .unwrap();
        assert!(Family::from_item(read.id.clone(), &stored).unwrap().revoked);
    }

    #[test]
    fn a_revoked_family_refuses_even_its_live_token() {
        let mut f = family(5, None, false);
        f.revoked = true;
        assert_eq!(f.presented(5, 0, 60), Presented::Revoked);
    }
}
