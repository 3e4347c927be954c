//! Sending through Amazon SES v2 (the `mailer` function's sender). AWS types stay in this module.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::ProvideErrorMetadata as _;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::{MailSender, OutboxError, OutboxMessage};

/// Sends each message as a plain-text email from one verified address.
#[derive(Debug, Clone)]
pub struct SesOutbox {
    client: Client,
    from: String,
}

impl SesOutbox {
    /// Makes no network call.
    pub fn new(config: &SdkConfig, from: String) -> Self {
        Self {
            client: Client::new(config),
            from,
        }
    }
}

/// A send that failed, by SES's error code.
#[derive(Debug, thiserror::Error)]
#[error("SES did not send the message ({code})")]
struct SesFailure {
    code: String,
}

fn content(data: &str) -> Result<Content, OutboxError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|err| OutboxError::Send(Box::new(err)))
}

#[async_trait]
impl MailSender for SesOutbox {
    #[tracing::instrument(level = "debug", skip_all, fields(message_id = %message.id))]
    async fn send(&self, message: &OutboxMessage) -> Result<(), OutboxError> {
        let email = Message::builder()
            .subject(content(&message.subject)?)
            .body(Body::builder().text(content(&message.text)?).build())
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .to_addresses(message.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().simple(email).build())
            .send()
            .await
            .map_err(|err| {
                // Only the error code: SES's messages may quote the recipient's address.
                let code = err.code().unwrap_or("no error code").to_owned();
                OutboxError::Send(Box::new(SesFailure { code }))
            })?;
        Ok(())
    }
}
