//! The [`Messenger`] that posts messages to a webhook: the message body as JSON, signed with
//! HMAC-SHA256, with the message's key as `Idempotency-Key`, and a local delivery record read
//! back as the receipt. It never retries (the engine does) and never lets the secret or the
//! URL's query into an error.

use std::time::{Duration, SystemTime};

use reqwest::blocking::Client;
use reqwest::header::CONTENT_TYPE;
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};

use super::deliveries::{DeliveryLog, DeliveryLogError, DeliveryRecord};
use super::signature::{
    IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, TOPIC_HEADER, sha256_hex, sign,
};
use crate::connector::http_body::read_limited;
use crate::connector::http_errors::{status_error, transport_error};
use crate::connector::{ConnectorError, Message, Messenger, Receipt};
use crate::fsio::HTTP_ANSWER;

/// The per-request timeout when the configuration gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach a webhook receiver.
#[derive(Debug)]
pub struct WebhookOptions {
    /// Where messages are posted (`http` or `https`).
    pub url: String,
    /// The signing secret; `None` sends messages unsigned (no signature header).
    pub secret: Option<SecretString>,
    /// Per-request timeout (connect and answer).
    pub timeout: Duration,
    /// The delivery record file, conventionally `<journal>/webhooks/<connector>.jsonl`.
    pub deliveries: std::path::PathBuf,
}

/// Why a webhook connector could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WebhookSetupError {
    /// The URL is not an absolute `http`/`https` URL without credentials.
    #[error("webhook url is invalid: {reason}")]
    BadUrl {
        /// What is wrong with it (the URL itself is not repeated: its query may hold a token).
        reason: String,
    },
    /// The HTTP client could not be built (TLS roots unavailable).
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A `type: webhook` connector.
pub struct WebhookConnector {
    name: String,
    client: Client,
    url: Url,
    secret: Option<SecretString>,
    timeout: Duration,
    log: DeliveryLog,
}

impl std::fmt::Debug for WebhookConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConnector")
            .field("name", &self.name)
            .field("path", &self.url.path())
            .field("deliveries", &self.log.path())
            .finish_non_exhaustive()
    }
}

impl WebhookConnector {
    /// A connector named `name` with `options`.
    pub fn new(
        name: impl Into<String>,
        options: WebhookOptions,
    ) -> Result<Self, WebhookSetupError> {
        let bad = |reason: &str| WebhookSetupError::BadUrl {
            reason: reason.to_owned(),
        };
        let url = Url::parse(&options.url).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(bad("it must be an absolute http or https URL"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "it carries credentials; name the secret's variable in secret_env instead",
            ));
        }
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("offboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(WebhookSetupError::Client)?;
        Ok(WebhookConnector {
            name: name.into(),
            client,
            url,
            secret: options.secret,
            timeout: options.timeout,
            log: DeliveryLog::new(options.deliveries),
        })
    }

    /// The delivery record file.
    pub fn deliveries(&self) -> &std::path::Path {
        self.log.path()
    }

    fn log_error(&self, error: DeliveryLogError) -> ConnectorError {
        ConnectorError::Permanent {
            message: format!(
                "webhook `{}`: delivery record: {}",
                self.name,
                chain(&error)
            ),
        }
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        if let Some(secret) = &self.secret
            && !secret.expose_secret().is_empty()
        {
            text = text.replace(secret.expose_secret(), "[redacted]");
        }
        if let Some(query) = self.url.query().filter(|q| !q.is_empty()) {
            text = text.replace(query, "[redacted]");
        }
        text
    }
}

impl Messenger for WebhookConnector {
    fn name(&self) -> &str {
        &self.name
    }

    fn deliver(&self, message: &Message) -> Result<Receipt, ConnectorError> {
        if let Some(record) = self.log.find(&message.key).map_err(|e| self.log_error(e))? {
            return Ok(record.receipt());
        }
        // Serialised once: these exact bytes are signed, sent and hashed.
        let body = serde_json::to_vec(&message.body).map_err(|e| ConnectorError::Permanent {
            message: format!("webhook `{}`: cannot encode the message: {e}", self.name),
        })?;
        let what = format!("webhook `{}` POST {}", self.name, self.url.path());
        let timestamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(IDEMPOTENCY_HEADER, &message.key)
            .header(TOPIC_HEADER, &message.topic);
        if let Some(secret) = &self.secret {
            request = request.header(
                SIGNATURE_HEADER,
                sign(secret.expose_secret().as_bytes(), &body),
            );
        }
        let body_sha256 = sha256_hex(&body);
        let response = request
            .body(body)
            .send()
            .map_err(|e| transport_error(&what, self.timeout, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let answer = read_limited(&what, response, HTTP_ANSWER)?;
        if !status.is_success() {
            let detail: String = String::from_utf8_lossy(&answer).chars().take(200).collect();
            let mut error = status_error(&what, status, &headers, Some(&self.redact(&detail)));
            if status.is_redirection()
                && let ConnectorError::Permanent { message } = &mut error
            {
                message.push_str(" (redirects are not followed: configure the final URL)");
            }
            return Err(error);
        }
        let record = DeliveryRecord {
            key: message.key.clone(),
            topic: message.topic.clone(),
            status: status.as_u16(),
            delivered_to: delivered_to(status, &self.url),
            body_sha256,
            delivered_at: crate::clock::now_rfc3339(),
        };
        self.log.append(&record).map_err(|e| self.log_error(e))?;
        Ok(record.receipt())
    }

    fn receipt(&self, key: &str) -> Result<Option<Receipt>, ConnectorError> {
        Ok(self
            .log
            .find(key)
            .map_err(|e| self.log_error(e))?
            .map(|record| record.receipt()))
    }
}

/// `<status> <url path>`: where a message went, without the URL's query.
fn delivered_to(status: StatusCode, url: &Url) -> String {
    format!("{} {}", status.as_u16(), url.path())
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
