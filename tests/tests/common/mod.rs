//! Helpers shared by the integration tests: the example credentials, client builders, wiremock
//! mocks and responses, and the checks on what went over the wire.
//!
//! Each test binary includes this with `mod common;` and uses only part of it, hence the
//! `dead_code` allowance.

#![allow(dead_code)]

pub mod net;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cognipeer_sdk::{CognipeerClient, CognipeerClientBuilder, HookId, Token};
use placements_sdk::AcmeClient;
use serde_json::{json, Value};
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------------------
// credentials and environment
// ---------------------------------------------------------------------------------------

/// The example personal access token from the authentication guide.
pub const PAT: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";

/// The example hookId from the authentication guide (20 characters: masked as `bhdwx…`).
pub const HOOK: &str = "bhdwxdpdkndpzolyttqf";

/// The environment variable `CognipeerClient::from_env` reads the token from.
pub const TOKEN_ENV: &str = "COGNIPEER_TOKEN";
/// The environment variable `CognipeerClient::from_env` reads the hookId from.
pub const HOOK_ENV: &str = "COGNIPEER_HOOK_ID";
/// The environment variable `CognipeerClient::from_env` reads the base URL from.
pub const BASE_URL_ENV: &str = "COGNIPEER_BASE_URL";
/// Every environment variable `CognipeerClient::from_env` reads.
pub const ENV_VARS: [&str; 3] = [TOKEN_ENV, HOOK_ENV, BASE_URL_ENV];

/// Removes every variable in [`ENV_VARS`] from the process environment.
pub fn clear_env() {
    for name in ENV_VARS {
        std::env::remove_var(name);
    }
}

// ---------------------------------------------------------------------------------------
// clients
// ---------------------------------------------------------------------------------------

/// A Cognipeer client builder with `token` and [`HOOK`].
pub fn builder(token: &str) -> CognipeerClientBuilder {
    CognipeerClient::builder(Token::new(token).unwrap(), HookId::new(HOOK).unwrap())
}

/// A Cognipeer client builder with `token` and [`HOOK`], pointed at `server`.
pub fn builder_for(server: &MockServer, token: &str) -> CognipeerClientBuilder {
    builder(token).base_url(server.uri())
}

/// A user key for the placements API (`tests/placements-sdk`).
pub const ACME_KEY: &str = "key_5f0c2a9e7d1b4c3a";

/// The placements client's own channel (hookId).
pub const CHANNEL: &str = "chan-default-0001";

/// A placements client for `server` with the default retry policy and no deadline.
pub fn acme(server: &MockServer) -> AcmeClient {
    AcmeClient::builder(
        placements_sdk::Token::new(ACME_KEY).unwrap(),
        placements_sdk::HookId::new(CHANNEL).unwrap(),
    )
    .base_url(server.uri())
    .no_timeout()
    .build()
    .unwrap()
}

/// A 127.0.0.1 address that nothing listens on.
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

// ---------------------------------------------------------------------------------------
// mocks and responses
// ---------------------------------------------------------------------------------------

/// A mock for `verb route`, whatever the credentials.
pub fn on(verb: &str, route: &str) -> MockBuilder {
    Mock::given(method(verb)).and(path(route))
}

/// A mock for `verb route` that only matches with the exact credentials of `token` and [`HOOK`].
pub fn authed(verb: &str, route: &str, token: &str) -> MockBuilder {
    on(verb, route)
        .and(header("Authorization", format!("Bearer {token}").as_str()))
        .and(header("X-Hook-Id", HOOK))
}

/// Mounts `mock` on `server`, answering `response` and expected exactly once.
pub async fn mount_once(server: &MockServer, mock: MockBuilder, response: ResponseTemplate) {
    mock.respond_with(response).expect(1).mount(server).await;
}

/// A new server where [`authed`] `verb route` answers `response` and is expected exactly once.
pub async fn serve_once(
    verb: &str,
    route: &str,
    token: &str,
    response: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    mount_once(&server, authed(verb, route, token), response).await;
    server
}

/// A new server that answers any request with `body`, so that only the client can refuse one.
pub async fn permissive_server(body: &Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_json(body))
        .mount(&server)
        .await;
    server
}

/// A response with this status and `body` as JSON.
pub fn json_response(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A 200 response with `body` as JSON.
pub fn ok_json(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A response with this status and `body` as is, under `content_type`.
pub fn raw_response(status: u16, body: &str, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type)
}

/// A server that answers every request with the reply the test set last, so that one server
/// (and one client) serves a long table of hostile answers.
pub struct Scripted {
    pub server: MockServer,
    reply: Arc<Mutex<ResponseTemplate>>,
}

impl Scripted {
    /// Starts the server; it answers 204 until [`reply`](Self::reply) sets something else.
    pub async fn start() -> Self {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        let reply = Arc::new(Mutex::new(ResponseTemplate::new(204)));
        let current = Arc::clone(&reply);
        Mock::given(any())
            .respond_with(move |_: &Request| current.lock().unwrap().clone())
            .mount(&server)
            .await;
        Scripted { server, reply }
    }

    /// Answers every following request with `response`.
    pub fn reply(&self, response: ResponseTemplate) {
        *self.reply.lock().unwrap() = response;
    }
}

// ---------------------------------------------------------------------------------------
// recorded requests
// ---------------------------------------------------------------------------------------

/// Every request `server` received, in order.
pub async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is enabled")
}

/// How many requests `server` received.
pub async fn request_count(server: &MockServer) -> usize {
    received(server).await.len()
}

/// Exactly one request reached the server; returns it after [`assert_credentials`] on it.
pub async fn only_request(server: &MockServer, token: &str) -> Request {
    let mut requests = received(server).await;
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request: {requests:#?}"
    );
    let request = requests.remove(0);
    assert_credentials(&request, token);
    request
}

/// No request reached the server.
pub async fn assert_nothing_sent(server: &MockServer) {
    assert!(received(server).await.is_empty(), "nothing may be sent");
}

/// The values of one header, in order.
pub fn header_values(request: &Request, name: &str) -> Vec<String> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The values of one query parameter, in order.
pub fn query_values(request: &Request, name: &str) -> Vec<String> {
    request
        .url
        .query_pairs()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect()
}

/// The request's body parsed as JSON, or `None` when it has none.
pub fn json_body(request: &Request) -> Option<Value> {
    if request.body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(&request.body).unwrap())
    }
}

// ---------------------------------------------------------------------------------------
// assertions on requests
// ---------------------------------------------------------------------------------------

/// Exactly one `Authorization: Bearer {token}` header and one `X-Hook-Id: {HOOK}` header.
pub fn assert_credential_headers(request: &Request, token: &str) {
    let auth: Vec<_> = request.headers.get_all("authorization").iter().collect();
    assert_eq!(auth.len(), 1, "exactly one Authorization header");
    assert_eq!(auth[0].to_str().unwrap(), format!("Bearer {token}"));
    let hook: Vec<_> = request.headers.get_all("x-hook-id").iter().collect();
    assert_eq!(hook.len(), 1, "exactly one X-Hook-Id header");
    assert_eq!(hook[0].to_str().unwrap(), HOOK);
}

/// [`assert_credential_headers`], and the hookId is in neither the query nor a JSON body.
pub fn assert_credentials(request: &Request, token: &str) {
    assert_credential_headers(request, token);
    assert!(
        !request.url.query_pairs().any(|(name, _)| name == "hookId"),
        "hookId must not be in the query: {}",
        request.url
    );
    if let Some(body) = json_body(request) {
        assert!(
            body.get("hookId").is_none(),
            "hookId must not be in the body"
        );
    }
}

/// The request's method and (raw, percent-encoded) path are these.
pub fn assert_route(request: &Request, verb: &str, route: &str) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), route);
}

/// A bodiless request (a GET): no body and no content type.
pub fn assert_bodiless(request: &Request) {
    assert!(request.body.is_empty(), "GET must have no body");
    assert!(request.headers.get("content-type").is_none());
}

/// A JSON content type and a body equal to `expected` with no `null` in it (unset is absent).
pub fn assert_json_body(request: &Request, expected: &Value) {
    assert_eq!(
        request
            .headers
            .get("content-type")
            .expect("a JSON body has a content type")
            .to_str()
            .unwrap(),
        "application/json"
    );
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(&sent, expected);
    assert!(
        !String::from_utf8_lossy(&request.body).contains("null"),
        "unset optional fields must be absent, not null: {}",
        String::from_utf8_lossy(&request.body)
    );
}

/// Exactly one request reached `server`, with the credentials of `token` (see
/// [`only_request`]): `verb route`, exactly this raw query string, and `body` as its JSON body
/// (see [`assert_json_body`]) or, for `None`, no body at all. Returns it for further checks.
pub async fn assert_sent(
    server: &MockServer,
    token: &str,
    verb: &str,
    route: &str,
    query: Option<&str>,
    body: Option<&Value>,
) -> Request {
    let request = only_request(server, token).await;
    assert_route(&request, verb, route);
    assert_eq!(request.url.query(), query, "the query of {verb} {route}");
    match body {
        Some(expected) => assert_json_body(&request, expected),
        None => assert_bodiless(&request),
    }
    request
}

// ---------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------

/// The name of an error's variant (`"Unauthorized"`, `"Decode"`, …), read from its `Debug`.
pub fn variant(error: &impl std::fmt::Debug) -> String {
    let debug = format!("{error:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------
// secrets in text
// ---------------------------------------------------------------------------------------

/// The runs of a secret that must never show: every 8 consecutive characters of it that reveal
/// something its masked form (`masked`, ending in `…`) does not, or the whole secret when it is
/// shorter; each as is and as `{:?}` escapes it.
pub fn hidden_runs(secret: &str, masked: &str) -> Vec<String> {
    let public = masked.trim_end_matches('…').len();
    let runs: Vec<&str> = if secret.len() < 8 {
        vec![secret]
    } else {
        (0..=secret.len() - 8)
            .filter(|start| start + 8 > public)
            .map(|start| &secret[start..start + 8])
            .collect()
    };
    runs.into_iter()
        .flat_map(|run| {
            [
                run.to_owned(),
                format!("{run:?}").trim_matches('"').to_owned(),
            ]
        })
        .collect()
}

/// No run of [`hidden_runs`] shows in `text`.
pub fn assert_hidden(what: &str, runs: &[String], text: &str) {
    if let Some(run) = runs.iter().find(|run| text.contains(run.as_str())) {
        panic!("{what}: `{run}` of the secret shows in:\n{text}");
    }
}

/// `{}`, `{:?}` and `{:#?}` of `value` show no run of [`hidden_runs`].
pub fn assert_formats_hidden(
    what: &str,
    runs: &[String],
    value: &(impl std::fmt::Display + std::fmt::Debug),
) {
    assert_hidden(what, runs, &format!("{value}"));
    assert_hidden(what, runs, &format!("{value:?}"));
    assert_hidden(what, runs, &format!("{value:#?}"));
}

// ---------------------------------------------------------------------------------------
// hostile answers that echo the token
// ---------------------------------------------------------------------------------------

/// How a server writes a text it quotes.
pub type Escape = fn(&str) -> String;

/// The ways a server may quote a token it echoes: as is, and escaped as JSON encoders,
/// Go's HTML-safe encoder, PHP's (`\/`), a `\u`-everything encoder and HTML do.
pub const ECHO_FORMS: &[(&str, Escape)] = &[
    ("raw", |s| s.to_owned()),
    ("json", json_escaped),
    ("go", |s| {
        json_escaped(s)
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
    }),
    ("slash", |s| json_escaped(s).replace('/', "\\/")),
    ("unicode", |s| {
        s.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
    }),
    ("html", |s| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    }),
];

/// `text` as inside a JSON string, without the quotes.
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Which call meets an [`ErrorKind`]'s answer.
#[derive(Clone, Copy, Debug)]
pub enum Call {
    /// `contacts.get`: a GET (retried on 5xx) that every kind of token may call, whose
    /// answer has the `{success, data, error}` envelope.
    Contact,
    /// `contacts.list_all`, which decodes each page's items itself.
    ContactPages,
}

/// An error answer quoting an echo of the token, and the variant it must give.
pub struct ErrorKind {
    pub name: &'static str,
    pub call: Call,
    pub status: u16,
    pub content_type: &'static str,
    /// The body around the echo.
    pub body: fn(&str) -> String,
    /// Whether the echo also comes back as the request id.
    pub echo_request_id: bool,
    /// The variant, as its name in `{:?}`.
    pub variant: &'static str,
}

/// One answer of each error kind that carries text from the server.
pub const ERROR_KINDS: &[ErrorKind] = &[
    ErrorKind {
        name: "401 message",
        call: Call::Contact,
        status: 401,
        content_type: "application/json",
        body: |e| format!(r#"{{"message":"Unauthorized: bearer {e}"}}"#),
        echo_request_id: false,
        variant: "Unauthorized",
    },
    ErrorKind {
        name: "401 invalid token",
        call: Call::Contact,
        status: 401,
        content_type: "application/json",
        body: |e| format!(r#"{{"message":"Invalid token {e}"}}"#),
        echo_request_id: false,
        variant: "InvalidToken",
    },
    ErrorKind {
        name: "404 channel",
        call: Call::Contact,
        status: 404,
        content_type: "application/json",
        body: |e| format!(r#"{{"error":"Channel not found for {e}"}}"#),
        echo_request_id: false,
        variant: "ChannelNotFound",
    },
    ErrorKind {
        name: "422 nested message",
        call: Call::Contact,
        status: 422,
        content_type: "application/json",
        body: |e| format!(r#"{{"error":{{"message":"{e}","code":"bad_token"}}}}"#),
        echo_request_id: false,
        variant: "Api",
    },
    ErrorKind {
        name: "500 html and request id",
        call: Call::Contact,
        status: 500,
        content_type: "text/html",
        body: |e| format!("<html><pre>Authorization: Bearer {e}</pre></html>"),
        echo_request_id: true,
        variant: "Api",
    },
    ErrorKind {
        name: "200 envelope failure",
        call: Call::Contact,
        status: 200,
        content_type: "application/json",
        body: |e| format!(r#"{{"success":false,"error":"no contact for {e}"}}"#),
        echo_request_id: false,
        variant: "Unsuccessful",
    },
    ErrorKind {
        name: "200 malformed",
        call: Call::Contact,
        status: 200,
        content_type: "application/json",
        body: |e| format!(r#"{{"token":"{e}", "#),
        echo_request_id: false,
        variant: "Decode",
    },
    ErrorKind {
        name: "200 value of the wrong type",
        call: Call::Contact,
        status: 200,
        content_type: "application/json",
        body: |e| {
            format!(r#"{{"success":true,"data":{{"_id":"c","workspaceId":"w","deleted":"{e}"}}}}"#)
        },
        echo_request_id: false,
        variant: "Decode",
    },
    ErrorKind {
        name: "200 page item of the wrong type",
        call: Call::ContactPages,
        status: 200,
        content_type: "application/json",
        body: |e| format!(r#"{{"success":true,"data":["{e}"],"total":1,"page":1,"limit":10}}"#),
        echo_request_id: false,
        variant: "Decode",
    },
];

impl ErrorKind {
    /// The answer with `echo` in it.
    pub fn response(&self, echo: &str) -> ResponseTemplate {
        let response = raw_response(self.status, &(self.body)(echo), self.content_type);
        if self.echo_request_id {
            response.insert_header("x-request-id", echo)
        } else {
            response
        }
    }
}

/// Makes `call` through `client`; it must fail.
pub async fn failing_call(client: &CognipeerClient, call: Call) -> cognipeer_sdk::Error {
    let result = match call {
        Call::Contact => client
            .contacts()
            .get()
            .email("a@example.com")
            .send()
            .await
            .map(drop),
        Call::ContactPages => client
            .contacts()
            .list()
            .into_pages()
            .collect()
            .await
            .map(drop),
    };
    result.expect_err("a hostile answer must fail the call")
}

// ---------------------------------------------------------------------------------------
// JSON values
// ---------------------------------------------------------------------------------------

/// A peer with only its required fields.
pub fn short_peer_json() -> Value {
    json!({ "_id": "peer-1", "name": "Support", "modelId": "gpt-4o", "prompt": "Be kind." })
}

/// The map inside a JSON object; panics on anything else.
pub fn obj(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A JSON object as the `BTreeMap` the SDK's models use for free-form maps.
pub fn tree(value: Value) -> BTreeMap<String, Value> {
    obj(value).into_iter().collect()
}

// ---------------------------------------------------------------------------------------
// tracing
// ---------------------------------------------------------------------------------------

/// Everything a `tracing_subscriber::fmt` subscriber writes, for assertions.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs a TRACE-level fmt subscriber writing into a buffer, for this thread only (the
/// tests run on tokio's current-thread runtime) until the guard drops.
///
/// While exactly one dispatcher is alive, tracing-core computes the interest of a callsite
/// first hit on another thread from *that* thread's default (none), caching "never" for
/// everyone, so events of a test running in parallel would be lost. A second dispatcher kept
/// alive for the whole run makes it ask every live dispatcher instead.
pub fn capture_tracing() -> (Captured, tracing::subscriber::DefaultGuard) {
    use tracing_subscriber::util::SubscriberInitExt as _;

    static KEEPER: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEPER.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));

    let captured = Captured::default();
    let writer = captured.clone();
    let guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .set_default();
    (captured, guard)
}

// ---------------------------------------------------------------------------------------
// spec fixtures
// ---------------------------------------------------------------------------------------

/// The fixture folder `tests/fixtures/{kind}` (`valid`, `invalid`, …).
pub fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(kind)
}

/// The path of fixture `name` in `tests/fixtures/{kind}`.
pub fn fixture(kind: &str, name: &str) -> PathBuf {
    fixture_dir(kind).join(name)
}

/// Generates the crate of the spec at `path` (named `label` in diagnostics and notices), reading
/// the hand-written modules it names from its directory, as `cargo xtask codegen` does.
pub fn generate_spec(path: &Path, label: &str) -> Result<codegen::Files, codegen::Diagnostics> {
    let text = std::fs::read_to_string(path).unwrap();
    let dir = path.parent().unwrap();
    codegen::generate_with(&text, label, &codegen::files_in(dir))
}

/// The label the generator gets for a fixture in `kind`: stable, unlike the absolute path.
pub fn fixture_label(kind: &str, path: &Path) -> String {
    format!(
        "fixtures/{kind}/{}",
        path.file_name().unwrap().to_string_lossy()
    )
}
