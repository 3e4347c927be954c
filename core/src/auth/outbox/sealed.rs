//! How an outbox message is stored: everything that could take over an account or name a person
//! (the address, the subject, the text with its code, whether it is a decoy) is one envelope
//! under a data key from the key ring whose encryption context names the purpose `outbox`; the
//! envelope's key reference is that data key in wrapped form, and its associated data binds it
//! to the message id and recipient, so a sealed body moved to another message does not open.
//!
//! Item: `OUTBOX#<recipient>` / `MSG#<created ms>#<msg>` with `id`, `recipient`, `created_at`,
//! `valid_until` and `sealed` (base64), plus `gsi1` = [`schema::outbox_pending_index`] while
//! unsent and `sent_at` once sent.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use super::{MessageKind, OutboxError, OutboxMessage};
use crate::auth::Email;
use crate::crypto::{DataKey, Envelope};
use crate::keys::{EncryptionContext, KeyRing, WrappedKey};
use crate::store::{Item, schema};

/// The purpose the outbox's data keys are bound to (KMS encryption context `purpose=outbox`):
/// the request-path functions may generate such keys, only the mailer may decrypt them.
pub const OUTBOX_PURPOSE: &str = "outbox";

/// How long one generated data key seals messages before a new one is asked for, and for how
/// many: the request path calls the key service about once per few minutes, not per message.
const KEY_MAX_AGE: Duration = Duration::from_secs(300);
const KEY_MAX_USES: u64 = 100_000;

/// The encryption context of every outbox data key.
pub fn context() -> EncryptionContext {
    [("purpose".to_owned(), OUTBOX_PURPOSE.to_owned())].into()
}

/// The shard of the unsent-message index a message is listed in (from a hash of its id).
pub fn pending_shard(message_id: &str) -> u8 {
    Sha256::digest(message_id.as_bytes())[0] % schema::OUTBOX_PENDING_SHARDS
}

/// What the envelope holds.
#[derive(Serialize, Deserialize)]
struct Body {
    to: String,
    kind: String,
    subject: String,
    text: String,
    /// A message written only so that an unknown address costs what a known one does: the
    /// mailer discards it.
    #[serde(default)]
    decoy: bool,
}

/// An opened message.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub message: OutboxMessage,
    pub decoy: bool,
}

struct CurrentKey {
    key: DataKey,
    wrapped: WrappedKey,
    born: Instant,
    uses: u64,
}

/// Seals and opens outbox messages with data keys from the key ring.
pub struct Sealer {
    keys: Arc<dyn KeyRing>,
    current: Mutex<Option<CurrentKey>>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer").finish_non_exhaustive()
    }
}

impl Sealer {
    pub fn new(keys: Arc<dyn KeyRing>) -> Self {
        Self {
            keys,
            current: Mutex::new(None),
        }
    }

    /// The data key to seal with now: the current one while it is young and not worn out.
    async fn data_key(&self) -> Result<(DataKey, WrappedKey), OutboxError> {
        if let Ok(mut current) = self.current.lock()
            && let Some(entry) = current.as_mut()
            && entry.born.elapsed() < KEY_MAX_AGE
            && entry.uses < KEY_MAX_USES
        {
            entry.uses += 1;
            return Ok((entry.key.clone(), entry.wrapped.clone()));
        }
        let generated = self.keys.generate_data_key(&context()).await?;
        if let Ok(mut current) = self.current.lock() {
            *current = Some(CurrentKey {
                key: generated.plaintext.clone(),
                wrapped: generated.wrapped.clone(),
                born: Instant::now(),
                uses: 1,
            });
        }
        Ok((generated.plaintext, generated.wrapped))
    }

    /// The item that stores `message` sealed and listed as unsent.
    pub async fn seal(&self, message: &OutboxMessage, decoy: bool) -> Result<Item, OutboxError> {
        let body = Body {
            to: message.to.as_str().to_owned(),
            kind: message.kind.as_str().to_owned(),
            subject: message.subject.clone(),
            text: message.text.clone(),
            decoy,
        };
        let plaintext = Zeroizing::new(
            serde_json::to_vec(&body).map_err(|_| OutboxError::Corrupt("message body"))?,
        );
        drop(body);
        let (key, wrapped) = self.data_key().await?;
        let sealed = Envelope::seal(
            &key,
            &wrapped.0,
            &aad(&message.id, &message.recipient),
            &plaintext,
        )?;
        let created_ms = message.created_at.unix_timestamp_nanos() / 1_000_000;
        let pending =
            schema::outbox_pending_index(pending_shard(&message.id), created_ms, &message.id);
        Ok(Item::new(schema::outbox_message(
            &message.recipient,
            created_ms,
            &message.id,
        ))
        .with_gsi1(pending.pk, pending.sk)
        .with_expiry(message.expires_at.unix_timestamp())
        .with_attr("id", message.id.as_str())
        .with_attr("recipient", message.recipient.as_str())
        .with_attr("created_at", rfc3339(message.created_at))
        .with_attr("valid_until", rfc3339(message.expires_at))
        .with_attr("sealed", STANDARD.encode(sealed)))
    }

    /// The message an item stores; fails unless the key ring unwraps its data key under the
    /// outbox context and the envelope opens for this message id and recipient.
    pub async fn open(&self, item: &Item) -> Result<Opened, OutboxError> {
        let id = attr(item, "id")?;
        let recipient = attr(item, "recipient")?;
        let sealed = STANDARD
            .decode(attr(item, "sealed")?)
            .map_err(|_| OutboxError::Corrupt("sealed body"))?;
        let envelope = Envelope::parse(&sealed)?;
        let key = self
            .keys
            .unwrap_data_key(&WrappedKey(envelope.key_ref().to_vec()), &context())
            .await?;
        let plaintext = Zeroizing::new(envelope.open(&key, &aad(id, recipient))?);
        let body: Body =
            serde_json::from_slice(&plaintext).map_err(|_| OutboxError::Corrupt("message body"))?;
        let message = OutboxMessage {
            id: id.to_owned(),
            recipient: recipient.to_owned(),
            to: Email::parse(&body.to).map_err(|_| OutboxError::Corrupt("message address"))?,
            kind: MessageKind::parse(&body.kind).ok_or(OutboxError::Corrupt("message kind"))?,
            subject: body.subject,
            text: body.text,
            created_at: time_attr(item, "created_at")?,
            expires_at: time_attr(item, "valid_until").unwrap_or(OffsetDateTime::UNIX_EPOCH),
        };
        Ok(Opened {
            message,
            decoy: body.decoy,
        })
    }
}

/// Binds a sealed body to its message.
fn aad(id: &str, recipient: &str) -> Vec<u8> {
    format!("coffer/outbox/v1\n{id}\n{recipient}").into_bytes()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn attr<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, OutboxError> {
    item.attrs
        .get(name)
        .and_then(|value| value.as_str())
        .ok_or(OutboxError::Corrupt(name))
}

fn time_attr(item: &Item, name: &'static str) -> Result<OffsetDateTime, OutboxError> {
    OffsetDateTime::parse(attr(item, name)?, &Rfc3339).map_err(|_| OutboxError::Corrupt(name))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::keys::local::LocalKeyRing;

    fn message(id: &str) -> OutboxMessage {
        let now = OffsetDateTime::now_utc();
        OutboxMessage {
            id: id.to_owned(),
            recipient: "usr_01j0000000000000000000000a".to_owned(),
            to: Email::parse("ada@example.com").unwrap(),
            kind: MessageKind::ResetPassword,
            subject: "Reset".to_owned(),
            text: "Your reset code: secret-code-123".to_owned(),
            created_at: now,
            expires_at: now + time::Duration::hours(1),
        }
    }

    fn sealer() -> (Sealer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let ring = LocalKeyRing::open(dir.path().join("master.key")).unwrap();
        (Sealer::new(Arc::new(ring)), dir)
    }

    #[tokio::test]
    async fn a_sealed_message_opens_to_itself_and_shows_no_address_or_code() {
        let (sealer, _dir) = sealer();
        let original = message("msg_a");
        let item = sealer.seal(&original, false).await.unwrap();
        let stored = serde_json::to_string(&item.attrs).unwrap();
        assert!(!stored.contains("secret-code-123"), "{stored}");
        assert!(!stored.contains("ada@example.com"), "{stored}");
        assert!(
            item.gsi1.is_some(),
            "an unsent message is in the pending index"
        );

        let opened = sealer.open(&item).await.unwrap();
        assert_eq!(opened.message.text, original.text);
        assert_eq!(opened.message.to, original.to);
        assert!(!opened.decoy);
    }

    #[tokio::test]
    async fn a_sealed_body_moved_to_another_message_does_not_open() {
        let (sealer, _dir) = sealer();
        let a = sealer.seal(&message("msg_a"), false).await.unwrap();
        let mut b = sealer.seal(&message("msg_b"), false).await.unwrap();
        b.attrs.insert("sealed".into(), a.attrs["sealed"].clone());
        assert!(sealer.open(&b).await.is_err());
    }

    #[tokio::test]
    async fn a_decoy_says_so_only_once_opened() {
        let (sealer, _dir) = sealer();
        let item = sealer.seal(&message("msg_d"), true).await.unwrap();
        assert!(
            !serde_json::to_string(&item.attrs)
                .unwrap()
                .contains("decoy")
        );
        assert!(sealer.open(&item).await.unwrap().decoy);
    }
}
