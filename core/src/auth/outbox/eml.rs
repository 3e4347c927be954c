//! The local stack's sender: each message becomes `<dir>/<msg_id>.eml` (RFC 5322, plain text in
//! UTF-8), so a person can open it in a mail client and follow the code.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::format_description::well_known::Rfc2822;

use super::{MailSender, OutboxError, OutboxMessage};

/// Writes each message as an `.eml` file into one folder.
#[derive(Debug, Clone)]
pub struct EmlFiles {
    dir: PathBuf,
    from: String,
}

impl EmlFiles {
    /// Files under `dir` (created on the first message), from `from`.
    pub fn new(dir: impl Into<PathBuf>, from: impl Into<String>) -> Self {
        Self {
            dir: dir.into(),
            from: from.into(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The message as an RFC 5322 document with CRLF line ends.
pub fn render_eml(from: &str, message: &OutboxMessage) -> String {
    let date = message
        .created_at
        .format(&Rfc2822)
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 +0000".to_owned());
    let mut eml = String::new();
    for (name, value) in [
        ("From", header_value(from)),
        ("To", header_value(message.to.as_str())),
        ("Subject", header_value(&message.subject)),
        ("Date", date),
        ("Message-ID", format!("<{}@coffer.local>", message.id)),
        ("MIME-Version", "1.0".to_owned()),
        ("Content-Type", "text/plain; charset=UTF-8".to_owned()),
        ("Content-Transfer-Encoding", "8bit".to_owned()),
    ] {
        eml.push_str(name);
        eml.push_str(": ");
        eml.push_str(&value);
        eml.push_str("\r\n");
    }
    eml.push_str("\r\n");
    for line in message.text.replace('\r', "").split('\n') {
        eml.push_str(line);
        eml.push_str("\r\n");
    }
    eml
}

/// A header value as is when it is printable ASCII, else as one RFC 2047 encoded word (which also
/// keeps a line break in it from starting a new header).
fn header_value(value: &str) -> String {
    if value.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        value.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(value.as_bytes()))
    }
}

/// Message ids become file names: only `[a-z0-9_]`.
fn file_stem(id: &str) -> Result<&str, OutboxError> {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(id)
    } else {
        Err(OutboxError::Corrupt("message id"))
    }
}

#[async_trait]
impl MailSender for EmlFiles {
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %message.id))]
    async fn send(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
        let stem = file_stem(&message.id)?;
        let path = self.dir.join(format!("{stem}.eml"));
        // Each writer its own partial file: two mailers delivering one message at once (at least
        // once) must not rename each other's file away.
        let partial = self
            .dir
            .join(format!(".{stem}.{}.eml.partial", fastrand::u64(..)));
        let dir = self.dir.clone();
        let eml = render_eml(&self.from, message);
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(&partial, eml)?;
            // A whole file or none: a reader never sees half a message.
            std::fs::rename(&partial, &path)
        })
        .await
        .map_err(|err| OutboxError::Send(Box::new(err)))?
        .map_err(|err| OutboxError::Send(Box::new(err)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::auth::Email;
    use crate::auth::outbox::MessageKind;

    fn message(subject: &str) -> OutboxMessage {
        let at = time::macros::datetime!(2026-11-22 10:00 UTC);
        OutboxMessage {
            id: "msg_01abc".into(),
            recipient: "usr_x".into(),
            to: Email::parse("ada@example.com").unwrap(),
            kind: MessageKind::VerifyEmail,
            subject: subject.into(),
            text: "Hello\nYour verification code: abc\n".into(),
            created_at: at,
            expires_at: at,
        }
    }

    #[test]
    fn an_eml_has_the_rfc_5322_headers_and_a_plain_text_utf8_body() {
        let eml = render_eml("no-reply@coffer.test", &message("Verify"));
        assert!(eml.starts_with(
            "From: no-reply@coffer.test\r\nTo: ada@example.com\r\nSubject: Verify\r\n"
        ));
        assert!(
            eml.contains("Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"),
            "{eml}"
        );
        assert!(eml.contains("Message-ID: <msg_01abc@coffer.local>\r\n"));
        assert!(eml.contains("Content-Type: text/plain; charset=UTF-8\r\n"));
        assert!(eml.ends_with("\r\n\r\nHello\r\nYour verification code: abc\r\n\r\n"));
    }

    #[test]
    fn a_subject_with_other_characters_is_one_encoded_word() {
        let eml = render_eml("a@b.c", &message("Join Café\r\nBcc: x@y.z"));
        assert!(eml.contains("Subject: =?UTF-8?B?"), "{eml}");
        assert!(!eml.contains("Bcc:"));
    }

    #[test]
    fn a_message_id_that_is_not_a_plain_name_is_refused_as_a_file_name() {
        assert!(file_stem("../../etc/passwd").is_err());
        assert!(file_stem("msg_01abc").is_ok());
    }
}
