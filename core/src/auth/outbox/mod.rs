//! The outbox: where verification and reset messages go. The table backend always records them
//! (an admin or a test can read them there); on AWS, SES v2 also sends them when a sender is
//! configured.

mod ses;
mod table;

use std::fmt;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::Email;
use crate::store::StoreError;

pub use ses::SesOutbox;
pub use table::TableOutbox;

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    VerifyEmail,
    ResetPassword,
    /// An invitation to an org, sent to an address with no account yet.
    Invitation,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::Invitation => "invitation",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<Self> {
        match raw {
            "verify_email" => Some(Self::VerifyEmail),
            "reset_password" => Some(Self::ResetPassword),
            "invitation" => Some(Self::Invitation),
            _ => None,
        }
    }
}

/// One email to one recipient: a user, or an invitation's address (which has no user yet). Its
/// text may hold a single-use token, so it is kept only as long as the token lives, and `Debug`
/// shows neither the address nor the text.
#[derive(Clone, PartialEq)]
pub struct OutboxMessage {
    /// `msg_<ulid>`.
    pub id: String,
    /// Whose outbox holds it: a user id (`usr_…`) or an invitation id (`inv_…`).
    pub recipient: String,
    pub to: Email,
    pub kind: MessageKind,
    pub subject: String,
    pub text: String,
    pub created_at: OffsetDateTime,
    /// When the token in it stops working; the record goes then too.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("id", &self.id)
            .field("recipient", &self.recipient)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A message that could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("cannot record the message")]
    Store(#[from] StoreError),
    #[error("cannot send the message")]
    Send(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Somewhere messages go.
#[async_trait]
pub trait Outbox: Send + Sync + fmt::Debug + 'static {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), OutboxError>;
}
