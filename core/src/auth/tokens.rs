//! Single-use tokens for email verification and password reset: random, stored only as their
//! SHA-256, spent by a conditional delete in the transaction that does what they allow.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;

use super::users::text;
use super::{AuthError, UserId, digest};
use crate::crypto::random;
use crate::store::{Condition, Item, Key, Table, TxOp, schema};

/// What a token allows.
pub use crate::store::schema::OneTimePurpose as Purpose;

/// A stored token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub user_id: UserId,
    /// What the token was issued for and must still hold when it is spent: the email's digest
    /// (verification) or the credential's version (reset), so that a change of either voids it.
    pub binding: String,
    key: Key,
}

impl TokenRecord {
    /// Deletes the token on the condition that it is still there: in the transaction that uses
    /// it, this is what makes it single-use.
    pub fn spend_op(&self) -> TxOp {
        TxOp::Delete {
            key: self.key.clone(),
            condition: Condition::MustExist,
        }
    }
}

fn key(purpose: Purpose, token: &str) -> Key {
    schema::one_time_token(&digest(token), purpose)
}

/// Single-use tokens in the table.
#[derive(Debug, Clone)]
pub struct OneTimeTokens {
    table: Arc<dyn Table>,
}

impl OneTimeTokens {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// A new token and the write that stores its digest until `now + ttl`.
    pub fn issue(
        &self,
        purpose: Purpose,
        user: &UserId,
        binding: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<(SecretString, TxOp), AuthError> {
        let token = random::token()?;
        let item = Item::new(key(purpose, &token))
            .with_expiry((now + ttl).unix_timestamp())
            .with_attr("user_id", user.as_str())
            .with_attr("binding", binding);
        Ok((
            SecretString::from(token),
            TxOp::Put {
                item,
                condition: Condition::MustNotExist,
            },
        ))
    }

    /// The live token of this purpose, if any (one get).
    #[tracing::instrument(level = "debug", skip_all, fields(purpose = ?purpose))]
    pub async fn find(
        &self,
        purpose: Purpose,
        token: &SecretString,
    ) -> Result<Option<TokenRecord>, AuthError> {
        let token = token.expose_secret();
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let key = key(purpose, token);
        let Some(item) = self.table.get(&key).await? else {
            return Ok(None);
        };
        Ok(Some(TokenRecord {
            user_id: UserId::parse(text(&item, "user_id")?)
                .ok_or(AuthError::Corrupt("token user"))?,
            binding: text(&item, "binding")?.to_owned(),
            key,
        }))
    }
}
