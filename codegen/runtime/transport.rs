//! The request core: the HTTP client with the SDK's safety settings, one attempt under a
//! deadline, retries, tracing and error mapping. Operations describe themselves in
//! `crate::operation`; this module sends them.

use crate::api_error::ApiError;
use crate::auth::{HookId, Token};
use crate::error::Error;
use crate::operation::{HookPlacement, Operation, Prepared};
use crate::options::{RequestOptions, RetryPolicy};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;
use tracing::Instrument;

/// A resource handle's way to the API: the client's transport and its request options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) transport: &'a Transport,
    pub(crate) options: &'a RequestOptions,
}

impl Ctx<'_> {
    /// Sends one call of `op` with the handle's options; see [`Transport::send`].
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        op: &Operation,
        path: impl Into<String>,
        query: Option<Value>,
        body: Option<Value>,
    ) -> Result<T, Error> {
        self.transport
            .send(op, self.options, path.into(), query, body)
            .await
    }
}

/// Connection settings and credentials shared by every resource handle of a client.
pub(crate) struct Transport {
    http: reqwest::Client,
    base_url: String,
    token: Token,
    hook_id: HookId,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    body_limit: u64,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("hook_id", &self.hook_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

/// One response as received: status, the headers the core reads, and the body.
struct Received {
    status: u16,
    retry_after: Option<Duration>,
    request_id: Option<String>,
    body: Vec<u8>,
}

impl Transport {
    /// Checks the settings and builds the HTTP client.
    pub(crate) fn new(
        (token, hook_id): (Token, HookId),
        base_url: &str,
        timeout: Option<Duration>,
        retry: RetryPolicy,
        user_agent: &str,
    ) -> Result<Self, Error> {
        let base_url = base_url.trim_end_matches('/');
        check_base_url(base_url)?;
        if timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::Config(
                "the timeout must be greater than zero".to_owned(),
            ));
        }
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::custom(same_origin_redirects))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            http,
            base_url: base_url.to_owned(),
            token,
            hook_id,
            timeout,
            retry,
            body_limit: u64::MAX,
        })
    }

    /// Refuses response bodies longer than `limit` bytes.
    pub(crate) fn with_body_limit(mut self, limit: u64) -> Result<Self, Error> {
        if limit == 0 {
            return Err(Error::Config(
                "the response body limit must be at least one byte; pass `response_body_limit` a larger number".to_owned(),
            ));
        }
        self.body_limit = limit;
        Ok(self)
    }

    /// The base URL, without a trailing slash.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credential every request carries.
    pub(crate) fn token(&self) -> &Token {
        &self.token
    }

    /// Sends one call and decodes the response (unwrapping the envelope, if any).
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        op: &Operation,
        options: &RequestOptions,
        path: String,
        query: Option<Value>,
        body: Option<Value>,
    ) -> Result<T, Error> {
        self.send_value(op, options, path, query, body)
            .await
            .map(|(_, value)| value)
    }

    /// Like [`send`](Self::send), also returning the HTTP status.
    pub(crate) async fn send_value<T: DeserializeOwned>(
        &self,
        op: &Operation,
        options: &RequestOptions,
        path: String,
        query: Option<Value>,
        body: Option<Value>,
    ) -> Result<(u16, T), Error> {
        let hook_id = options.hook_id.as_ref().unwrap_or(&self.hook_id);
        let span = tracing::info_span!(
            "api_request",
            operation = op.id,
            method = %op.method,
            path = op.path,
            hook_id = %hook_id.masked(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        async {
            let prepared = op.prepare(self.token.mode(), hook_id, query, body)?;
            let received = self.call(op, options, hook_id, &path, prepared).await?;
            op.decode(
                received.status,
                &received.body,
                received.request_id.as_deref(),
                self.token.secret(),
            )
            .map(|value| (received.status, value))
        }
        .instrument(span)
        .await
    }

    /// Sends a prepared call, retrying idempotent operations.
    async fn call(
        &self,
        op: &Operation,
        options: &RequestOptions,
        hook_id: &HookId,
        path: &str,
        prepared: Prepared,
    ) -> Result<Received, Error> {
        let url = format!("{}{}", self.base_url, path);
        let attempts = if op.idempotent {
            options
                .max_attempts
                .unwrap_or(self.retry.max_attempts)
                .max(1)
        } else {
            1
        };
        let timeout = options.timeout.or(self.timeout);
        let mut attempt = 1;
        loop {
            tracing::Span::current().record("attempt", attempt);
            let started = tokio::time::Instant::now();
            let mut request = self.http.request(op.method.clone(), &url);
            for (name, value) in &options.headers {
                request = request.header(name, value);
            }
            request = request
                .header(Token::HEADER, self.token.header_value().clone())
                .header(reqwest::header::ACCEPT, "application/json");
            if op.hook == HookPlacement::Header {
                request = request.header(HookId::HEADER, hook_id.header_value().clone());
            }
            if !prepared.query.is_empty() {
                request = request.query(&prepared.query);
            }
            if let Some(body) = &prepared.body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let outcome = self.attempt(op, request, timeout).await;
            let latency_ms = started.elapsed().as_millis() as u64;
            let result = outcome.and_then(|received| {
                tracing::Span::current().record("status", received.status);
                tracing::Span::current().record("latency_ms", latency_ms);
                if (200..300).contains(&received.status) {
                    Ok(received)
                } else {
                    let api = ApiError::new(
                        received.status,
                        received.body,
                        received.request_id,
                        received.retry_after,
                        self.token.secret(),
                    );
                    Err(Error::from_response(api))
                }
            });
            match result {
                Ok(received) => {
                    tracing::debug!(
                        attempt,
                        status = received.status,
                        latency_ms,
                        "response received"
                    );
                    return Ok(received);
                }
                Err(error) if attempt < attempts && error.is_retryable() => {
                    let retry_after = error.api_error().and_then(ApiError::retry_after);
                    let delay = self.retry.delay(attempt, retry_after);
                    tracing::warn!(
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        %error,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(error) => {
                    tracing::debug!(attempt, latency_ms, %error, "request failed");
                    return Err(error);
                }
            }
        }
    }

    /// One HTTP exchange, body included, under the deadline.
    async fn attempt(
        &self,
        op: &Operation,
        request: reqwest::RequestBuilder,
        timeout: Option<Duration>,
    ) -> Result<Received, Error> {
        let transport = |e: reqwest::Error| Error::Transport {
            operation: op.id,
            source: e.without_url(),
        };
        let exchange = async {
            let mut response = request.send().await.map_err(transport)?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
            let request_id = header("x-request-id");
            let status = response.status().as_u16();
            let too_large = Error::BodyTooLarge {
                operation: op.id,
                status,
                limit: self.body_limit,
            };
            // Refused unread if it says it is too large; else read until it proves to be.
            let declared = response.content_length().unwrap_or(0);
            if declared > self.body_limit {
                return Err(too_large);
            }
            // A declared length is believed for at most 1 MiB of room up front.
            let room = usize::try_from(declared.min(1 << 20)).unwrap_or(0);
            let mut body = Vec::with_capacity(room);
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if (body.len() + chunk.len()) as u64 > self.body_limit {
                    return Err(too_large);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Received {
                status,
                retry_after,
                request_id,
                body,
            })
        };
        match timeout {
            Some(limit) => {
                tokio::time::timeout(limit, exchange)
                    .await
                    .map_err(|_| Error::Timeout {
                        operation: op.id,
                        after: limit,
                    })?
            }
            None => exchange.await,
        }
    }
}

/// Follows redirects only within the same origin (scheme, host and port), at most five, so that
/// the credential and hookId headers never travel to another host.
fn same_origin_redirects(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let Some(first) = attempt.previous().first() else {
        return attempt.stop();
    };
    if attempt.previous().len() > 5 {
        attempt.error("more than five redirects in a row (a redirect loop?)")
    } else if attempt.url().origin() == first.origin() {
        attempt.follow()
    } else {
        attempt.stop()
    }
}

/// Checks a base URL: http(s), no query or fragment, and plain http only to loopback hosts,
/// so that a token never crosses a network unencrypted.
fn check_base_url(base_url: &str) -> Result<(), Error> {
    let parsed = reqwest::Url::parse(base_url).map_err(|e| {
        Error::Config(format!(
            "base URL `{base_url}` is not a valid URL ({e}); write it like `https://host/prefix`"
        ))
    })?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{base_url}` must not have a query or fragment"
        )));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(Error::Config(format!(
            "refusing to send the token over plain http to `{}`; use https (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)",
            parsed.host_str().unwrap_or_default()
        ))),
        other => Err(Error::Config(format!(
            "base URL `{base_url}` must use https, not `{other}`"
        ))),
    }
}

/// `Retry-After` as a delay: whole seconds (more than fit in a u64 read as the most that
/// do, for the retry policy to cap), or an HTTP date (a past date means now).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
