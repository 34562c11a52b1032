//! The request core shared by every operation: auth enforcement, hookId placement,
//! retries, deadlines, tracing, envelope unwrapping and error mapping. It does not depend
//! on the spec, so a spec may leave parts of it unused.

#![allow(dead_code)]

use crate::auth::{AuthMode, HookId, Token};
use crate::error::{ApiError, Error};
use crate::options::{RequestOptions, RetryPolicy};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;
use tracing::Instrument;

/// Where an operation sends the hookId.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookPlacement {
    /// In the hook header.
    Header,
    /// As a field of the JSON body.
    Body,
    /// As a query parameter.
    Query,
    /// Not at all.
    None,
}

/// A response wrapper: a success flag, an optional error text and an optional payload field.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// Boolean field that must be `true` for the call to have succeeded.
    pub(crate) success: &'static str,
    /// Field carrying the error text when `success` is not `true`.
    pub(crate) error: Option<&'static str>,
    /// Field holding the payload; without one, the whole body is the payload.
    pub(crate) data: Option<&'static str>,
}

/// What the request core needs to know about one operation.
#[derive(Debug)]
pub(crate) struct Operation {
    /// `resource.operation`, as in the spec.
    pub(crate) id: &'static str,
    /// HTTP method.
    pub(crate) method: reqwest::Method,
    /// The path template, for tracing.
    pub(crate) path: &'static str,
    /// Whether sending it twice is safe, so that it may be retried.
    pub(crate) idempotent: bool,
    /// Auth modes the operation accepts.
    pub(crate) accepts: &'static [AuthMode],
    /// Where the hookId goes.
    pub(crate) hook: HookPlacement,
    /// The wrapper to unwrap from the response, if any.
    pub(crate) envelope: Option<&'static Envelope>,
    /// Query defaults and preconditions.
    pub(crate) inputs: &'static Inputs,
}

/// What an operation fills in or checks in the caller's query and body before sending.
#[derive(Debug)]
pub(crate) struct Inputs {
    /// Query parameters sent with these values when the caller leaves them unset.
    pub(crate) defaults: &'static [(&'static str, &'static str)],
    /// Query parameters or body fields of which at least one must be set.
    pub(crate) any_of: &'static [&'static str],
    /// Query parameters or body fields that must be set and not empty.
    pub(crate) non_empty: &'static [&'static str],
}

impl Inputs {
    /// Nothing to fill in or check.
    pub(crate) const NONE: Inputs = Inputs {
        defaults: &[],
        any_of: &[],
        non_empty: &[],
    };
}

impl Operation {
    /// Checks the spec's preconditions on the serialized query and body.
    fn check_inputs(&self, query: Option<&Value>, body: Option<&Value>) -> Result<(), Error> {
        let given = |name: &str| {
            let value = query
                .and_then(|q| q.get(name))
                .or_else(|| body.and_then(|b| b.get(name)));
            match value {
                None | Some(Value::Null) => false,
                Some(Value::String(text)) => !text.is_empty(),
                Some(Value::Array(items)) => !items.is_empty(),
                Some(Value::Object(fields)) => !fields.is_empty(),
                Some(_) => true,
            }
        };
        let quoted = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let Inputs {
            any_of, non_empty, ..
        } = self.inputs;
        if !any_of.is_empty() && !any_of.iter().any(|name| given(name)) {
            return Err(Error::Precondition {
                operation: self.id,
                message: format!("set {}", quoted(any_of)),
            });
        }
        if let Some(missing) = non_empty.iter().find(|name| !given(name)) {
            return Err(Error::Precondition {
                operation: self.id,
                message: format!("`{missing}` must be set and not empty"),
            });
        }
        Ok(())
    }
}

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
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
            .field("token", &self.token)
            .field("hook_id", &self.hook_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
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
        })
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
            "api_request", operation = op.id, method = % op.method, path = op.path,
            hook_id = % mask(hook_id.as_str(), None), attempt = tracing::field::Empty,
            status = tracing::field::Empty, latency_ms = tracing::field::Empty,
        );
        async {
            let received = self.call(op, options, hook_id, path, query, body).await?;
            decode(op, &received).map_err(|e| self.redact(e))
        }
        .instrument(span)
        .await
    }

    async fn call(
        &self,
        op: &Operation,
        options: &RequestOptions,
        hook_id: &HookId,
        path: String,
        query: Option<Value>,
        mut body: Option<Value>,
    ) -> Result<Received, Error> {
        let mode = self.token.mode();
        if !op.accepts.contains(&mode) {
            return Err(Error::AuthModeNotAccepted {
                operation: op.id,
                mode,
                accepted: op.accepts,
            });
        }
        op.check_inputs(query.as_ref(), body.as_ref())?;
        let mut pairs = query_pairs(query);
        for (name, value) in op.inputs.defaults {
            if !pairs.iter().any(|(given, _)| given == name) {
                pairs.push(((*name).to_owned(), (*value).to_owned()));
            }
        }
        match op.hook {
            HookPlacement::Query => {
                pairs.push((HookId::QUERY.to_owned(), hook_id.as_str().to_owned()))
            }
            HookPlacement::Body => body = Some(with_hook_id(body, hook_id)),
            HookPlacement::Header | HookPlacement::None => {}
        }
        let body = body
            .map(|b| serde_json::to_vec(&b))
            .transpose()
            .map_err(Error::Encode)?;
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
            if !pairs.is_empty() {
                request = request.query(&pairs);
            }
            if let Some(body) = &body {
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
                    let body = self.token.redact(&String::from_utf8_lossy(&received.body));
                    let api = ApiError::new(
                        received.status,
                        body.as_bytes(),
                        received.request_id,
                        received.retry_after,
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
                        attempt, delay_ms = delay.as_millis() as u64, % error, "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(error) => {
                    tracing::debug!(attempt, latency_ms, % error, "request failed");
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
        let exchange = async {
            let response = request.send().await?;
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
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Received {
                status,
                retry_after,
                request_id,
                body,
            })
        };
        let outcome = match timeout {
            Some(limit) => {
                tokio::time::timeout(limit, exchange)
                    .await
                    .map_err(|_| Error::Timeout {
                        operation: op.id,
                        after: limit,
                    })?
            }
            None => exchange.await,
        };
        outcome.map_err(|e| Error::Transport {
            operation: op.id,
            source: e.without_url(),
        })
    }

    /// Masks the token wherever an error quotes text from the server.
    pub(crate) fn redact(&self, error: Error) -> Error {
        match error {
            Error::Decode {
                status,
                message,
                snippet,
            } => Error::Decode {
                status,
                message: self.token.redact(&message),
                snippet: self.token.redact(&snippet),
            },
            Error::Unsuccessful(api) => Error::Unsuccessful(api.redacted(&self.token)),
            other => other,
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
        attempt.error("too many redirects")
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
        "http" => {
            Err(
                Error::Config(
                    format!(
                        "refusing to send the token over plain http to `{}`; use https (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)",
                        parsed.host_str().unwrap_or_default()
                    ),
                ),
            )
        }
        other => {
            Err(
                Error::Config(
                    format!("base URL `{base_url}` must use https, not `{other}`"),
                ),
            )
        }
    }
}

/// Adds the hookId to a JSON object body, keeping every field the caller set.
fn with_hook_id(body: Option<Value>, hook_id: &HookId) -> Value {
    let mut object = match body {
        Some(Value::Object(object)) => object,
        _ => serde_json::Map::new(),
    };
    object
        .entry(HookId::BODY_FIELD)
        .or_insert_with(|| Value::String(hook_id.as_str().to_owned()));
    Value::Object(object)
}

/// Query pairs from a serialized query struct; unset (null) parameters are left out.
fn query_pairs(query: Option<Value>) -> Vec<(String, String)> {
    let Some(Value::Object(object)) = query else {
        return Vec::new();
    };
    object
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::Null => None,
            Value::String(text) => Some((name, text)),
            other => Some((name, other.to_string())),
        })
        .collect()
}

/// `Retry-After` as a delay: whole seconds, or an HTTP date (a past date means now).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Decodes a success response, unwrapping the envelope if the operation has one.
fn decode<T: DeserializeOwned>(op: &Operation, received: &Received) -> Result<(u16, T), Error> {
    let (status, bytes) = (received.status, received.body.as_slice());
    let decode_error = |e: serde_json::Error| Error::Decode {
        status,
        message: e.to_string(),
        snippet: snippet(&String::from_utf8_lossy(bytes), 200),
    };
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    let Some(envelope) = op.envelope else {
        return serde_json::from_slice(text)
            .map(|value| (status, value))
            .map_err(decode_error);
    };
    let mut value: Value = serde_json::from_slice(text).map_err(decode_error)?;
    if value.get(envelope.success).and_then(Value::as_bool) != Some(true) {
        let message = envelope
            .error
            .and_then(|field| error_text(value.get(field)));
        let api =
            ApiError::new(status, bytes, received.request_id.clone(), None).with_message(message);
        return Err(Error::Unsuccessful(api));
    }
    let payload = match envelope.data {
        Some(field) => value.get_mut(field).map(Value::take).unwrap_or(Value::Null),
        None => value,
    };
    serde_json::from_value(payload)
        .map(|value| (status, value))
        .map_err(decode_error)
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

/// Serializes a request body or query struct.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(Error::Encode)
}

/// Percent-encodes one path segment, so that `/`, `?`, `#`, `%` and spaces stay inside it.
pub(crate) fn encode_path(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// The first characters of a secret followed by `…`: never more than a quarter of it,
/// at most eight characters after its mode prefix.
pub(crate) fn mask(secret: &str, prefix: Option<&str>) -> String {
    let prefix = prefix.filter(|p| secret.starts_with(p)).unwrap_or("");
    let rest = secret.get(prefix.len()..).unwrap_or("");
    let shown = (rest.len() / 4).min(8);
    format!("{prefix}{}…", rest.get(..shown).unwrap_or(""))
}

/// Checks that a credential or hookId can travel in an HTTP header: non-empty, visible ASCII.
pub(crate) fn check_header_safe(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
        let kind = if bad.is_whitespace() {
            "whitespace"
        } else if bad.is_control() {
            "a control character"
        } else {
            "a non-ASCII character"
        };
        return Err(
            format!(
                "the {what} contains {kind} ({}), which cannot be sent in an HTTP header; copy it again without surrounding spaces or line breaks",
                bad.escape_unicode()
            ),
        );
    }
    Ok(())
}

/// Checks a token for the mode it is declared as: header-safe, carrying the mode's prefix
/// and not another mode's.
pub(crate) fn check_token(secret: &str, mode: AuthMode) -> Result<(), Error> {
    check_header_safe("token", secret).map_err(Error::InvalidCredential)?;
    if let Some(prefix) = mode.prefix() {
        if !secret.starts_with(prefix) {
            return Err(Error::InvalidCredential(format!(
                "{} must start with `{prefix}`",
                with_article(mode.name())
            )));
        }
        if secret.len() == prefix.len() {
            return Err(Error::InvalidCredential(format!(
                "the {} has nothing after its `{prefix}` prefix",
                mode.name()
            )));
        }
    }
    for other in AuthMode::ALL.iter().filter(|other| **other != mode) {
        if let Some(prefix) = other.prefix().filter(|p| secret.starts_with(p)) {
            return Err(
                Error::InvalidCredential(
                    format!(
                        "the token starts with `{prefix}`, so it is {}, not {}; create it with `Token::new` or `Token::{}`",
                        with_article(other.name()), with_article(mode.name()), other.id()
                    ),
                ),
            );
        }
    }
    Ok(())
}

/// "a token", "an API token".
pub(crate) fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(|c: char| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// Loads `.env` (current directory or a parent) into the environment; variables already set
/// win. A missing file is fine; a malformed one is an error naming the line.
#[cfg(feature = "dotenv")]
pub(crate) fn load_dotenv() -> Result<(), Error> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
        Err(e) => Err(Error::Config(format!("cannot read the .env file: {e}"))),
    }
}

/// Reads a required environment variable.
pub(crate) fn env_var(name: &str) -> Result<String, Error> {
    match optional_env_var(name)? {
        Some(value) => Ok(value),
        None => Err(Error::Config(format!(
            "environment variable {name} is not set"
        ))),
    }
}

/// Reads an optional environment variable; set but empty is an error.
pub(crate) fn optional_env_var(name: &str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Err(Error::Config(format!(
            "environment variable {name} is set but empty"
        ))),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
            "environment variable {name} is not valid UTF-8"
        ))),
    }
}

/// At most `limit` characters of a response body, whitespace collapsed, for error messages.
pub(crate) fn snippet(body: &str, limit: usize) -> String {
    let collapsed: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}
