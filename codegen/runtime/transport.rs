//! The request core: the HTTP client with the SDK's safety settings (the SDK's own, customised
//! by the caller's hook, or the caller's), one attempt under a deadline, retries, tracing and
//! error mapping. Operations describe themselves in `crate::operation`; this module sends them.

use crate::api_error::ApiError;
use crate::auth::{HookId, Token};
use crate::error::Error;
use crate::operation::{Args, HookPlacement, Operation, Prepared};
use crate::options::{RequestOptions, RetryPolicy};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// A resource handle's way to the API: the client's transport and its request options.
/// The transport is the shared `Arc`, so that a value that outlives the handle (a page
/// stream) can keep a cheap clone of it.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub transport: &'a Arc<Transport>,
    pub options: &'a RequestOptions,
}

impl Ctx<'_> {
    /// Sends one call of `op` with the handle's options and decodes the response (unwrapping
    /// the envelope, if any).
    pub async fn send<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        path: &str,
        args: Args,
    ) -> Result<T, Error> {
        self.transport
            .send_value(op, self.options, path, args)
            .await
            .map(|(_, value)| value)
    }

    /// Checks, before anything is sent, that `op` accepts the client's token and that its
    /// preconditions hold; see [`Operation::check`].
    pub fn check(&self, op: &Operation, given: &[bool]) -> Result<(), Error> {
        op.check(self.transport.token().mode(), given)
    }
}

/// A caller's changes to the `reqwest::ClientBuilder` the SDK starts from.
pub type ConfigureHttp =
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// Where a client's HTTP client comes from.
#[derive(Clone, Default)]
pub enum HttpSetup {
    /// Built by the SDK.
    #[default]
    Sdk,
    /// Built by the SDK after the caller's hook, with the SDK's safety settings applied last.
    Configured(ConfigureHttp),
    /// The caller's own, used as it is.
    Given(reqwest::Client),
    /// No HTTP client: test doubles answer every call (the `test-util` feature).
    #[cfg(feature = "test-util")]
    Mock(Arc<crate::doubles::Registry>),
}

impl std::fmt::Debug for HttpSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HttpSetup::Sdk => "Sdk",
            HttpSetup::Configured(_) => "Configured(..)",
            HttpSetup::Given(_) => "Given(..)",
            #[cfg(feature = "test-util")]
            HttpSetup::Mock(_) => "Mock(..)",
        })
    }
}

/// Where a client's requests go.
enum Backend {
    Http(reqwest::Client),
    #[cfg(feature = "test-util")]
    Mock(Arc<crate::doubles::Registry>),
}

/// Connection settings and credentials shared by every resource handle of a client.
pub struct Transport {
    backend: Backend,
    base_url: String,
    /// The base URL's origin: answers from anywhere else are refused.
    origin: url::Origin,
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
    pub fn new(
        (token, hook_id): (Token, HookId),
        base_url: &str,
        timeout: Option<Duration>,
        retry: RetryPolicy,
        (http, user_agent): (HttpSetup, &str),
    ) -> Result<Self, Error> {
        let base_url = base_url.trim_end_matches('/');
        let parsed = check_base_url(base_url)?;
        if timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::Config(
                "the timeout must be greater than zero".to_owned(),
            ));
        }
        let plain_http = parsed.scheme() == "http";
        let sdk_defaults = || reqwest::Client::builder().user_agent(user_agent);
        let backend = match http {
            HttpSetup::Sdk => Backend::Http(with_safety_settings(sdk_defaults(), plain_http)?),
            HttpSetup::Configured(configure) => Backend::Http(with_safety_settings(
                configure(sdk_defaults()),
                plain_http,
            )?),
            HttpSetup::Given(_) if plain_http => {
                return Err(Error::Config(format!(
                    "refusing to send the token over plain http to `{}` with your own HTTP client: the SDK cannot turn off its proxies, and a proxy would read the token; use https, or the builder's `configure_http` instead of `http_client` (the SDK then turns proxies off for plain http)",
                    parsed.host_str().unwrap_or_default()
                )))
            }
            HttpSetup::Given(client) => Backend::Http(client),
            #[cfg(feature = "test-util")]
            HttpSetup::Mock(registry) => Backend::Mock(registry),
        };
        Ok(Transport {
            backend,
            base_url: base_url.to_owned(),
            origin: parsed.origin(),
            token,
            hook_id,
            timeout,
            retry,
            body_limit: u64::MAX,
        })
    }

    /// Refuses response bodies longer than `limit` bytes.
    pub fn with_body_limit(mut self, limit: u64) -> Result<Self, Error> {
        if limit == 0 {
            return Err(Error::Config(
                "the response body limit must be at least one byte; pass `response_body_limit` a larger number".to_owned(),
            ));
        }
        self.body_limit = limit;
        Ok(self)
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credential every request carries.
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// Sends one call and decodes the response (unwrapping the envelope, if any), with the
    /// HTTP status. Only the decoding depends on `T`: the exchange itself is one function for
    /// every operation.
    pub(crate) async fn send_value<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        options: &RequestOptions,
        path: &str,
        args: Args,
    ) -> Result<(u16, T), Error> {
        let received = self.exchange(op, options, path, args).await?;
        op.decode(
            received.status,
            &received.body,
            received.request_id.as_deref(),
            self.token.secret(),
        )
        .map(|value| (received.status, value))
    }

    /// Prepares and sends one call, inside its tracing span.
    async fn exchange(
        &self,
        op: &'static Operation,
        options: &RequestOptions,
        path: &str,
        args: Args,
    ) -> Result<Received, Error> {
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
            let prepared = op.prepare(self.token.mode(), hook_id, args)?;
            self.call(op, options, hook_id, path, prepared).await
        }
        .instrument(span)
        .await
    }

    /// Sends a prepared call, retrying idempotent operations.
    async fn call(
        &self,
        op: &'static Operation,
        options: &RequestOptions,
        hook_id: &HookId,
        path: &str,
        mut prepared: Prepared,
    ) -> Result<Received, Error> {
        let url = if prepared.query.is_empty() {
            format!("{}{}", self.base_url, path)
        } else {
            format!("{}{}?{}", self.base_url, path, prepared.query)
        };
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
            // The last attempt takes the body instead of copying it (a call not retried has one).
            let body = if attempt < attempts {
                prepared.body.clone()
            } else {
                prepared.body.take()
            };
            let outcome = match &self.backend {
                Backend::Http(http) => {
                    let mut request = http.request(op.method.clone(), &url);
                    for (name, value) in &options.headers {
                        request = request.header(name, value);
                    }
                    request = request
                        .header(Token::HEADER, self.token.header_value().clone())
                        .header(reqwest::header::ACCEPT, "application/json");
                    if op.hook == HookPlacement::Header {
                        request = request.header(HookId::HEADER, hook_id.header_value().clone());
                    }
                    if let Some(body) = body {
                        request = request
                            .header(reqwest::header::CONTENT_TYPE, "application/json")
                            .body(body);
                    }
                    let sent = async { request.send().await.map_err(|e| transport_error(op, e)) };
                    self.attempt(op, sent, timeout).await
                }
                #[cfg(feature = "test-util")]
                Backend::Mock(registry) => {
                    let request = crate::doubles::Request::new(
                        op,
                        self.token.mode(),
                        path,
                        &prepared.query,
                        body.as_deref(),
                        hook_id,
                        &options.headers,
                        attempt,
                    );
                    self.attempt(op, registry.respond(request, &url), timeout)
                        .await
                }
            };
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

    /// One HTTP exchange, body included, under the deadline: `sent` resolves to the response.
    async fn attempt(
        &self,
        op: &'static Operation,
        sent: impl std::future::Future<Output = Result<reqwest::Response, Error>>,
        timeout: Option<Duration>,
    ) -> Result<Received, Error> {
        let transport = |e: reqwest::Error| transport_error(op, e);
        let exchange = async {
            let mut response = sent.await?;
            if let Some(location) = self.redirect_target(&response) {
                return Err(Error::Redirect {
                    operation: op.id,
                    status: response.status().as_u16(),
                    location,
                });
            }
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

    /// Where a response leads away from the API: the address of a redirect that was not
    /// followed, or the origin a redirect was followed to (possible only with a caller's own
    /// HTTP client, whose redirect policy the SDK cannot set). Shown without query or fragment.
    fn redirect_target(&self, response: &reqwest::Response) -> Option<String> {
        let url = response.url();
        let status = response.status();
        let target = if url.origin() != self.origin {
            url.origin().ascii_serialization()
        } else if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|location| url.join(location).ok());
            match location {
                Some(target) => {
                    format!("{}{}", target.origin().ascii_serialization(), target.path())
                }
                None => "an address it did not give".to_owned(),
            }
        } else {
            return None;
        };
        Some(self.token.secret().redact_owned(target))
    }
}

/// A failure of the HTTP client, without the URL (its query may carry the hookId).
fn transport_error(op: &Operation, error: reqwest::Error) -> Error {
    Error::Transport {
        operation: op.id,
        source: error.without_url(),
    }
}

/// The start of a caller's own HTTP client: redirects off, so that none carries credentials
/// anywhere, and rustls ready to build it.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls")]
    install_crypto_provider();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none())
}

/// Builds an HTTP client with the SDK's safety settings applied last, over whatever the
/// caller's hook set: redirects only within the origin, and no proxy for plain http (only
/// loopback is allowed there, and a proxy on the way would read the token in clear).
fn with_safety_settings(
    builder: reqwest::ClientBuilder,
    plain_http: bool,
) -> Result<reqwest::Client, Error> {
    #[cfg(feature = "rustls")]
    install_crypto_provider();
    let builder = builder.redirect(reqwest::redirect::Policy::custom(same_origin_redirects));
    let builder = if plain_http {
        builder.no_proxy()
    } else {
        builder
    };
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

/// Makes *ring* rustls's process-wide crypto provider unless the program installed one: reqwest
/// (built without a provider of its own, which keeps builds lighter) needs one to build a client.
#[cfg(feature = "rustls")]
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An error means another thread installed one meanwhile, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
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

/// Checks a base URL: http(s), no user name or password, no query or fragment, and plain http
/// only to loopback hosts, so that a token never crosses a network unencrypted.
fn check_base_url(base_url: &str) -> Result<url::Url, Error> {
    let shown = without_userinfo(base_url);
    let parsed = url::Url::parse(base_url).map_err(|e| {
        Error::Config(format!(
            "base URL `{shown}` is not a valid URL ({e}); write it like `https://host/prefix`"
        ))
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // reqwest would send them as a second, Basic `Authorization` header.
        return Err(Error::Config(format!(
            "base URL `{shown}` must not contain a user name or password; the client authenticates with its token"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{shown}` must not have a query or fragment"
        )));
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => Err(Error::Config(format!(
            "refusing to send the token over plain http to `{}`; use https (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)",
            parsed.host_str().unwrap_or_default()
        ))),
        other => Err(Error::Config(format!(
            "base URL `{shown}` must use https, not `{other}`"
        ))),
    }
}

/// A URL as text with any user name and password replaced by `***`, whether it parses or not.
pub fn without_userinfo(url: &str) -> std::borrow::Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let authority = &url[start..];
    let end = authority.find(['/', '?', '#']).unwrap_or(authority.len());
    match authority[..end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &authority[at..]).into(),
        None => url.into(),
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
