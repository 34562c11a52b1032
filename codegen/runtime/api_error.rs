//! The API's error responses: status, message, raw body, request id and `Retry-After`. It does
//! not depend on the spec.

use crate::text::{snippet, Secret};
use serde_json::Value;
use std::time::Duration;

/// An error response from the API: its status, its message (from `message`, `error` or
/// `error.message`), its raw body and the request id and `Retry-After` it carried. Should the
/// server echo the client's token in any of them, it shows only masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub(crate) status: u16,
    pub(crate) message: Option<String>,
    pub(crate) body: String,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
}

impl ApiError {
    /// An error response, with the secret masked in all it quotes: the message (from
    /// `message`, `error` or `error.message` of a JSON body), the body and the request id.
    pub(crate) fn new(
        status: u16,
        body: Vec<u8>,
        request_id: Option<String>,
        retry_after: Option<Duration>,
        secret: Secret<'_>,
    ) -> Self {
        let message = message_of(&body);
        let body = String::from_utf8(body)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        ApiError {
            status,
            message: None,
            body: secret.redact_owned(body),
            request_id: request_id.map(|id| secret.redact_owned(id)),
            retry_after,
        }
        .with_message(message, secret)
    }

    /// This error with another message, the secret masked in it.
    pub(crate) fn with_message(mut self, message: Option<String>, secret: Secret<'_>) -> Self {
        self.message = message.map(|m| secret.redact_owned(m));
        self
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The error message the API sent, if the body carried one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The raw response body.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The server's request id (`x-request-id` header), for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How long the server asked to wait before retrying (`Retry-After`), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        match &self.message {
            Some(message) => write!(f, ": {message}"),
            None if self.body.trim().is_empty() => f.write_str(" with an empty body"),
            None => write!(f, ": {}", snippet(&self.body, 200)),
        }
    }
}

/// The message of an error body: its `message` string, or the text of its `error` field.
/// Only those two fields are kept; the rest of the body is skipped, not built into a tree.
fn message_of(body: &[u8]) -> Option<String> {
    struct Fields {
        message: Option<Value>,
        error: Option<Value>,
    }
    crate::json::serde_object!(@deserialize Fields [] {
        optional message = "message", optional error = "error"
    });
    let fields: Fields = serde_json::from_slice(body).ok()?;
    fields
        .message
        .as_ref()
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| error_text(fields.error.as_ref()))
}

/// The text of an error field: a string, or an object's `message`.
pub(crate) fn error_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Object(object) => object
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}
