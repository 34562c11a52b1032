//! Knobs for one request or a group of requests, and the retry policy. They do not depend
//! on the spec.

use crate::auth::{HookId, Token};
use crate::error::Error;
use reqwest::header::{HeaderName, HeaderValue};
use std::time::Duration;

/// How failed requests are retried.
///
/// Only idempotent operations (GET, PUT, DELETE, HEAD, or marked idempotent in the spec) are
/// retried, and only after a connection error or HTTP 408, 429, 500, 502, 503 or 504. The wait
/// before a retry is exponential backoff with full jitter, or the server's `Retry-After`
/// (seconds or an HTTP date), never longer than `max_backoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included; `1` disables retries.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles for each further retry.
    pub initial_backoff: Duration,
    /// The longest wait before a retry, `Retry-After` included.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    /// The wait before retry number `retry` (1 for the first), given the server's `Retry-After`.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_backoff);
        }
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random() % nanos.saturating_add(1))
    }
}

/// A random number for jitter, from the standard library's randomly keyed hasher.
fn random() -> u64 {
    use std::hash::BuildHasher;

    std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Overrides for the requests of one client view; see the client's `with_options`.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) hook_id: Option<HookId>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends this hookId instead of the client's (for a program that serves several channels).
    pub fn hook_id(mut self, hook_id: HookId) -> Self {
        self.hook_id = Some(hook_id);
        self
    }

    /// Limits each attempt, body included, to this duration instead of the client's timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Makes at most this many attempts (at least one) instead of the client's retry policy.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Adds a header to every request. The credential and hookId headers cannot be set this
    /// way (that would silently replace them): use the client's token and [`hook_id`](Self::hook_id);
    /// nor can the headers that frame the request (`Content-Length`, `Content-Type`,
    /// `Transfer-Encoding`, `Host`).
    /// The value is treated as sensitive and never printed.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, Error> {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::Config(format!("`{name}` is not a valid HTTP header name")))?;
        for (reserved, instead) in [
            (Token::HEADER, "the client's token"),
            (HookId::HEADER, "`RequestOptions::hook_id`"),
        ] {
            if header.as_str().eq_ignore_ascii_case(reserved) {
                return Err(
                    Error::Config(
                        format!(
                            "the `{reserved}` header cannot be replaced with an extra header; use {instead}"
                        ),
                    ),
                );
            }
        }
        let framing = [
            "content-length",
            "content-type",
            "transfer-encoding",
            "host",
        ];
        if framing.contains(&header.as_str()) {
            return Err(Error::Config(format!(
                "the `{name}` header is set by the client itself and cannot be added"
            )));
        }
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            Error::Config(format!(
                "the value of header `{name}` cannot be sent in an HTTP header"
            ))
        })?;
        value.set_sensitive(true);
        self.headers.push((header, value));
        Ok(self)
    }

    /// These options with `newer` applied on top (its headers added after these).
    // Public for the SDK crate, not for its users.
    #[doc(hidden)]
    pub fn merged(&self, newer: RequestOptions) -> RequestOptions {
        let mut headers = self.headers.clone();
        headers.extend(newer.headers);
        RequestOptions {
            hook_id: newer.hook_id.or_else(|| self.hook_id.clone()),
            timeout: newer.timeout.or(self.timeout),
            max_attempts: newer.max_attempts.or(self.max_attempts),
            headers,
        }
    }
}
