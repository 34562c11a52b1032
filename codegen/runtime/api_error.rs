//! The API's error responses: status, message, raw body, request id and `Retry-After`. It does
//! not depend on the spec.

use crate::text::{snippet, Secret};
use serde_json::Value;
use std::time::Duration;

/// An error response from the API: its status, its message (from `message`, `error` or
/// `error.message`), its raw body (with the client's token masked, should the server echo it)
/// and the request id and `Retry-After` it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub(crate) status: u16,
    pub(crate) message: Option<String>,
    pub(crate) body: String,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
}

impl ApiError {
    pub(crate) fn new(
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let message = serde_json::from_slice::<Value>(body).ok().and_then(|json| {
            json.get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| error_text(json.get("error")))
        });
        ApiError {
            status,
            message,
            body: String::from_utf8_lossy(body).into_owned(),
            request_id,
            retry_after,
        }
    }

    pub(crate) fn with_message(mut self, message: Option<String>) -> Self {
        self.message = message;
        self
    }

    /// This error with the secret masked in its message and body.
    pub(crate) fn redacted(self, secret: Secret<'_>) -> Self {
        ApiError {
            message: self.message.map(|m| secret.redact(&m)),
            body: secret.redact(&self.body),
            ..self
        }
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
