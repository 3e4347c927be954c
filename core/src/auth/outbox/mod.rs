//! The outbox: where verification, reset and invitation mail waits for the `mailer`.
//!
//! A request only writes a message into the table ([`TableOutbox`]), sealed with the envelope
//! under a data key whose encryption context names the purpose `outbox` ([`sealed`]), and listed
//! in a shard of the index of unsent messages. The [`Mailer`] (the `mailer` Lambda on the
//! table's stream, a background task of `coffer-local`) opens each message, hands it to a
//! [`MailSender`] (SES v2, or `.eml` files locally) and marks it sent. Nothing on a request path
//! talks to a mail server, and the table never holds a code or an address in clear.

mod eml;
mod mailer;
pub mod sealed;
mod ses;
mod table;

use std::fmt;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::Email;
use crate::crypto::CryptoError;
use crate::keys::KeyError;
use crate::store::StoreError;

pub use eml::{EmlFiles, render_eml};
pub use mailer::{Delivery, Mailer, MailerReport};
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
/// text may hold a single-use token, so it is kept only as long as the token lives, stored only
/// sealed, and `Debug` shows neither the address nor the text.
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

/// A message that could not be recorded, opened or delivered.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("cannot record the message")]
    Store(#[from] StoreError),
    #[error("cannot get the outbox data key")]
    Keys(#[from] KeyError),
    #[error("cannot seal or open the message")]
    Crypto(#[from] CryptoError),
    #[error("the stored message is malformed ({0})")]
    Corrupt(&'static str),
    #[error("cannot send the message")]
    Send(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What actually delivers an opened message to its address: SES v2 on AWS ([`SesOutbox`]),
/// `.eml` files on the local stack ([`EmlFiles`]). Only the [`Mailer`] calls it.
#[async_trait]
pub trait MailSender: Send + Sync + fmt::Debug + 'static {
    async fn send(&self, message: &OutboxMessage) -> Result<(), OutboxError>;
}

/// An error with its causes, on one line, for a log (no cause prints an address or a code).
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        chain = format!("{chain}: {cause}");
        source = cause.source();
    }
    chain
}
