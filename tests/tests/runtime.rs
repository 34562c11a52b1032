//! Tests of the production runtime shared by every generated crate (`src/transport.rs`, `src/operation.rs`,
//! `src/options.rs`, `src/client.rs`, `src/error.rs`): retries and backoff, the deadline
//! covering the body, per-request options, transport safety, tracing and error accessors.
//!
//! Every server lives on 127.0.0.1 and is started by the test. Anything that waits runs under
//! tokio's paused clock, so the suite never sleeps for real. With the clock paused, tokio
//! jumps to the next timer whenever the runtime is idle, also while a loopback server is
//! answering; so tests that must not time out build their client with `no_timeout()`, and
//! timing tests answer with `Connection: close` (a pooled connection arms the pool's 90-second
//! idle timer, which would otherwise be jumped to while the next answer is on its way).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cognipeer_sdk::{CognipeerClient, Error, HookId, RequestOptions, RetryPolicy};
use common::{
    acme, assert_credential_headers, builder, builder_for, capture_tracing, closed_port,
    header_values, json_body, on, only_request, query_values, received, request_count,
    short_peer_json, tree, variant, ACME_KEY, CHANNEL, HOOK, PAT,
};
use placements_sdk::models::{Item, Mode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::time::Instant;
use wiremock::{MockServer, Request, ResponseTemplate};

/// The masked form of [`HOOK`].
const HOOK_MASKED: &str = "bhdwx…";

/// The channel a per-request override sends instead.
const OTHER_CHANNEL: &str = "chan-override-0002";

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

/// A Cognipeer client for `base_url` with this retry policy and no deadline (see the module
/// docs for why paused-clock tests must not have one).
fn cognipeer(base_url: &str, retry: RetryPolicy) -> CognipeerClient {
    builder(PAT)
        .base_url(base_url)
        .retry(retry)
        .no_timeout()
        .build()
        .unwrap()
}

/// A Cognipeer client for `server` with the default retry policy.
fn cognipeer_default(server: &MockServer) -> CognipeerClient {
    cognipeer(&server.uri(), CognipeerClient::DEFAULT_RETRY)
}

/// A retry policy with `attempts` attempts and short backoff.
fn attempts(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
    }
}

/// A response that closes its connection, so that no pooled connection arms a timer.
fn answer(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("connection", "close")
}

fn peer_ok() -> ResponseTemplate {
    answer(200).set_body_json(short_peer_json())
}

fn echo_ok() -> ResponseTemplate {
    answer(200).set_body_json(json!({ "ok": true }))
}

/// Mounts `first` for the first `times` matching requests of `verb route`, then `then`.
async fn mount_sequence(
    server: &MockServer,
    verb: &str,
    route: &str,
    first: ResponseTemplate,
    times: u64,
    then: ResponseTemplate,
) {
    on(verb, route)
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    on(verb, route)
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

/// Mounts `response` for every `verb route`.
async fn mount_always(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    on(verb, route).respond_with(response).mount(server).await;
}

/// The `delay_ms` values of the "retrying" events in captured output, in order.
fn retry_delays(output: &str) -> Vec<u64> {
    output
        .lines()
        .filter(|line| line.contains("retrying"))
        .map(|line| {
            let rest = line
                .split("delay_ms=")
                .nth(1)
                .unwrap_or_else(|| panic!("a retrying event without delay_ms: {line}"));
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. retries
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        "GET",
        "/sdk/peer",
        answer(429).insert_header("Retry-After", "2"),
        1,
        peer_ok(),
    )
    .await;

    let start = Instant::now();
    let peer = cognipeer_default(&server)
        .peers()
        .get()
        .send()
        .await
        .unwrap();
    let elapsed = start.elapsed();

    assert_eq!(peer.name, "Support");
    assert_eq!(request_count(&server).await, 2);
    // Without Retry-After the default policy waits at most 200 ms.
    assert!(elapsed >= Duration::from_secs(2), "waited only {elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "waited {elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    // An HTTP date has whole seconds, so "now + 4 s" is between 3 and 4 seconds away.
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(4));
    mount_sequence(
        &server,
        "GET",
        "/sdk/peer",
        answer(503).insert_header("Retry-After", date.as_str()),
        1,
        peer_ok(),
    )
    .await;

    // The date truncated to whole seconds, as seen from just before the call: the SDK reads
    // the header a little later (how much later depends on the machine's load), so it waits
    // at most this long, and surely more than 1 s (the default backoff allows 200 ms).
    let longest = httpdate::parse_http_date(&date)
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();

    let start = Instant::now();
    cognipeer_default(&server)
        .peers()
        .get()
        .send()
        .await
        .unwrap();
    let elapsed = start.elapsed();

    assert_eq!(request_count(&server).await, 2);
    assert!(
        // tokio's timer rounds a sleep up to the next millisecond.
        elapsed <= longest + Duration::from_millis(2),
        "waited {elapsed:?}, more than {longest:?} for {date}"
    );
    assert!(
        elapsed >= Duration::from_secs(1),
        "waited only {elapsed:?} of {longest:?} for {date}"
    );
}

#[tokio::test(start_paused = true)]
async fn huge_retry_after_is_capped_by_max_backoff() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        "GET",
        "/sdk/peer",
        answer(429).insert_header("Retry-After", "1000000"),
        1,
        peer_ok(),
    )
    .await;
    let policy = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_secs(1),
    };

    let start = Instant::now();
    cognipeer(&server.uri(), policy)
        .peers()
        .get()
        .send()
        .await
        .unwrap();
    let elapsed = start.elapsed();

    assert_eq!(request_count(&server).await, 2);
    assert!(elapsed >= Duration::from_secs(1), "waited only {elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1500),
        "not capped: waited {elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_without_retry_after_stays_under_the_exponential_ceiling() {
    let server = MockServer::start().await;
    mount_always(&server, "GET", "/sdk/peer", answer(503)).await;
    let policy = RetryPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(300),
    };
    let (captured, guard) = capture_tracing();

    let error = cognipeer(&server.uri(), policy)
        .peers()
        .get()
        .send()
        .await
        .unwrap_err();
    drop(guard);

    assert_eq!(error.status(), Some(503));
    assert_eq!(request_count(&server).await, 5);
    let delays = retry_delays(&captured.text());
    assert_eq!(delays.len(), 4, "{}", captured.text());
    for (delay, ceiling) in delays.iter().zip([100, 200, 300, 300]) {
        assert!(
            *delay <= ceiling,
            "delays {delays:?} exceed 100, 200, 300, 300 ms"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn always_503_gives_up_after_max_attempts() {
    // (policy or options, expected number of requests)
    let cases: Vec<(&str, RetryPolicy, RequestOptions, usize)> = vec![
        (
            "default",
            CognipeerClient::DEFAULT_RETRY,
            RequestOptions::new(),
            3,
        ),
        ("custom 5", attempts(5), RequestOptions::new(), 5),
        ("NEVER", RetryPolicy::NEVER, RequestOptions::new(), 1),
        (
            "options max_attempts(1)",
            CognipeerClient::DEFAULT_RETRY,
            RequestOptions::new().max_attempts(1),
            1,
        ),
        (
            "options max_attempts(4) over NEVER",
            RetryPolicy::NEVER,
            RequestOptions::new().max_attempts(4),
            4,
        ),
        (
            "options max_attempts(0) means one",
            CognipeerClient::DEFAULT_RETRY,
            RequestOptions::new().max_attempts(0),
            1,
        ),
    ];

    for (label, policy, options, expected) in cases {
        let server = MockServer::start().await;
        mount_always(
            &server,
            "GET",
            "/sdk/peer",
            answer(503).set_body_json(json!({ "message": "overloaded" })),
        )
        .await;

        let client = cognipeer(&server.uri(), policy).with_options(options);
        let error = client.peers().get().send().await.unwrap_err();

        assert!(matches!(error, Error::Api(_)), "{label}: {error:?}");
        assert_eq!(error.status(), Some(503), "{label}");
        assert!(error.is_retryable(), "{label}");
        assert_eq!(request_count(&server).await, expected, "{label}");
    }
}

#[tokio::test(start_paused = true)]
async fn only_retryable_statuses_are_retried() {
    // (status, retried): a retried GET succeeds on its second request.
    for (status, retried) in [
        (408u16, true),
        (429, true),
        (500, true),
        (502, true),
        (503, true),
        (504, true),
        (400, false),
        (401, false),
        (404, false),
    ] {
        let server = MockServer::start().await;
        mount_sequence(&server, "GET", "/sdk/peer", answer(status), 1, peer_ok()).await;

        let result = cognipeer_default(&server).peers().get().send().await;

        let requests = if retried { 2 } else { 1 };
        assert_eq!(request_count(&server).await, requests, "HTTP {status}");
        match result {
            Ok(_) => assert!(retried, "HTTP {status} was retried"),
            Err(error) => {
                assert!(!retried, "HTTP {status}: {error:?}");
                assert_eq!(error.status(), Some(status));
                assert!(!error.is_retryable(), "HTTP {status}");
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn non_idempotent_posts_are_sent_exactly_once() {
    let server = MockServer::start().await;
    mount_sequence(
        &server,
        "POST",
        "/sdk/contact",
        answer(503),
        1,
        answer(200)
            .set_body_json(json!({ "success": true, "data": { "_id": "c1", "workspaceId": "w" } })),
    )
    .await;
    let error = cognipeer_default(&server)
        .contacts()
        .create()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(
        error.is_retryable(),
        "retryable in itself, but not for a POST"
    );
    assert_eq!(
        request_count(&server).await,
        1,
        "contacts.create was sent again"
    );

    let server = MockServer::start().await;
    mount_sequence(&server, "POST", "/items", answer(503), 1, echo_ok()).await;
    let error = acme(&server)
        .items()
        .by_body("widget")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        request_count(&server).await,
        1,
        "items.by_body was sent again"
    );
}

#[tokio::test(start_paused = true)]
async fn put_and_spec_idempotent_post_are_retried() {
    let server = MockServer::start().await;
    mount_sequence(&server, "PUT", "/items/i1", answer(503), 1, echo_ok()).await;
    acme(&server)
        .items()
        .replace("i1", "widget")
        .send()
        .await
        .unwrap();
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2, "items.replace (PUT) was not retried");
    // The retry carries the same body.
    assert_eq!(json_body(&requests[0]), json_body(&requests[1]));
    assert_eq!(json_body(&requests[1]), Some(json!({ "name": "widget" })));

    let server = MockServer::start().await;
    mount_sequence(
        &server,
        "POST",
        "/items/i1/touch",
        answer(503),
        1,
        echo_ok(),
    )
    .await;
    acme(&server).items().touch("i1").send().await.unwrap();
    assert_eq!(
        request_count(&server).await,
        2,
        "items.touch (POST marked idempotent) was not retried"
    );
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_then_a_transport_error() {
    let addr = closed_port();
    let policy = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(1),
    };
    let client = cognipeer(&format!("http://{addr}"), policy);
    let (captured, guard) = capture_tracing();

    let error = client.peers().get().send().await.unwrap_err();
    drop(guard);

    let output = captured.text();
    assert!(
        matches!(
            error,
            Error::Transport {
                operation: "peers.get",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(error.status(), None);
    assert_eq!(
        retry_delays(&output).len(),
        2,
        "expected two retries:\n{output}"
    );
    assert!(output.contains("attempt=3"), "{output}");
}

/// A server that accepts connections, reads a little and hangs up without answering.
async fn hang_up_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    (addr, accepted)
}

#[tokio::test(start_paused = true)]
async fn dropped_connections_are_retried_for_get_but_not_for_post() {
    let (addr, accepted) = hang_up_server().await;
    let error = cognipeer(&format!("http://{addr}"), CognipeerClient::DEFAULT_RETRY)
        .peers()
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        3,
        "a GET is tried three times"
    );

    let (addr, accepted) = hang_up_server().await;
    let error = cognipeer(&format!("http://{addr}"), CognipeerClient::DEFAULT_RETRY)
        .contacts()
        .create()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "a POST is sent once");
}

// ---------------------------------------------------------------------------------------
// 2. the deadline covers the body
// ---------------------------------------------------------------------------------------

/// A server that answers every request with the headers and the first bytes of a 100-byte
/// body, then stalls forever with the connection open. The flag is set once it has written.
async fn stalling_server() -> (SocketAddr, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&written);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let flag = Arc::clone(&flag);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = socket.read(&mut buf).await.unwrap();
                    assert!(n > 0, "the client hung up before sending its request");
                    head.extend_from_slice(&buf[..n]);
                }
                socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                          Content-Length: 100\r\n\r\n{\"na",
                    )
                    .await
                    .unwrap();
                socket.flush().await.unwrap();
                flag.store(true, Ordering::SeqCst);
                // Hold the socket open; never send the rest.
                std::future::pending::<()>().await;
                drop(socket);
            });
        }
    });
    (addr, written)
}

/// Keeps the runtime busy (so that the paused clock cannot jump) until the server has written
/// its headers and the client has had plenty of turns to read them: the deadline then can
/// only fire while the body is being read.
fn hold_clock_until(written: &Arc<AtomicBool>) {
    let written = Arc::clone(written);
    tokio::spawn(async move {
        // Bounded in real time, so that a client that never connects fails instead of hanging.
        let give_up = std::time::Instant::now() + Duration::from_secs(5);
        while !written.load(Ordering::SeqCst) && std::time::Instant::now() < give_up {
            tokio::task::yield_now().await;
        }
        for _ in 0..1000 {
            tokio::task::yield_now().await;
        }
    });
}

/// Calls `peers.get` through `client`, failing (instead of hanging) if no deadline fires.
async fn get_peer_with_guard(client: &CognipeerClient) -> Result<(), Error> {
    tokio::time::timeout(Duration::from_secs(3600), client.peers().get().send())
        .await
        .expect("no deadline fired while the body stalled")
        .map(|_| ())
}

fn stalled_client(addr: SocketAddr, timeout: Duration) -> CognipeerClient {
    builder(PAT)
        .base_url(format!("http://{addr}"))
        .timeout(timeout)
        .build()
        .unwrap()
}

/// `peers.get` against a stalling server, by a client with a `client_secs` timeout and a view
/// of it with a `request_secs` one: through the view when `through_view`, else through the
/// client itself. The error and how long the call took.
async fn stalled_get_error(
    client_secs: u64,
    request_secs: u64,
    through_view: bool,
) -> (Error, Duration) {
    let (addr, written) = stalling_server().await;
    let client = stalled_client(addr, Duration::from_secs(client_secs));
    let view =
        client.with_options(RequestOptions::new().timeout(Duration::from_secs(request_secs)));
    hold_clock_until(&written);
    let start = Instant::now();
    let error = get_peer_with_guard(if through_view { &view } else { &client })
        .await
        .unwrap_err();
    (error, start.elapsed())
}

/// A timeout error after exactly `secs` seconds.
fn assert_timeout_after(error: &Error, secs: u64) {
    assert!(
        matches!(error, Error::Timeout { after, .. } if *after == Duration::from_secs(secs)),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn deadline_covers_a_stalled_body() {
    let (addr, written) = stalling_server().await;
    let client = stalled_client(addr, Duration::from_secs(5));
    hold_clock_until(&written);

    let start = Instant::now();
    let error = get_peer_with_guard(&client).await.unwrap_err();
    let elapsed = start.elapsed();

    assert!(
        written.load(Ordering::SeqCst),
        "the server never sent its headers"
    );
    match &error {
        Error::Timeout { operation, after } => {
            assert_eq!(*operation, "peers.get");
            assert_eq!(*after, Duration::from_secs(5));
        }
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_secs(5),
        "gave up after {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(6),
        "gave up after {elapsed:?}"
    );
    let text = error.to_string();
    assert!(text.contains("timed out after 5s"), "{text}");
    assert!(text.contains("peers.get"), "{text}");
    assert_eq!(error.status(), None);
}

#[tokio::test(start_paused = true)]
async fn per_request_timeout_overrides_the_clients() {
    // (case, the client's timeout, the view's, call through the view, the timeout that fires)
    for (name, client_secs, request_secs, through_view, fires) in [
        ("shorter than the client's", 5, 1, true, 1),
        ("longer than the client's", 1, 30, true, 30),
        ("the client itself keeps its own", 2, 30, false, 2),
    ] {
        let (error, elapsed) = stalled_get_error(client_secs, request_secs, through_view).await;
        assert_timeout_after(&error, fires);
        let fired = Duration::from_secs(fires);
        assert!(elapsed >= fired, "{name}: {elapsed:?}");
        assert!(
            elapsed < fired + Duration::from_secs(1),
            "{name}: {elapsed:?}"
        );
        assert!(
            error.to_string().contains(&format!("{fires}s")),
            "{name}: {error}"
        );
    }
}

#[test]
fn zero_timeout_is_refused() {
    let result = builder(PAT).timeout(Duration::ZERO).build();
    assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
}

// ---------------------------------------------------------------------------------------
// 3. per-request options
// ---------------------------------------------------------------------------------------

/// Where a request carried a channel: (X-Channel headers, `channel` query values, body field).
fn channel_places(request: &Request) -> (Vec<String>, Vec<String>, Option<Value>) {
    let body_field = json_body(request).and_then(|body| body.get("channel").cloned());
    (
        header_values(request, "x-channel"),
        query_values(request, "channel"),
        body_field,
    )
}

#[tokio::test]
async fn hook_id_override_lands_in_each_placement() {
    let server = MockServer::start().await;
    let client = acme(&server);
    let view = client.with_options(
        placements_sdk::RequestOptions::new()
            .hook_id(placements_sdk::HookId::new(OTHER_CHANNEL).unwrap()),
    );

    let mut item = Item::new("widget").with_size(3);
    item.extra = [("color".to_owned(), json!("red"))].into_iter().collect();
    let map: BTreeMap<String, Value> = [
        ("a".to_owned(), json!(1)),
        ("nested".to_owned(), json!({ "b": true })),
    ]
    .into_iter()
    .collect();

    for (label, channel, c) in [
        ("override", OTHER_CHANNEL, &view),
        ("client", CHANNEL, &client),
    ] {
        server.reset().await;
        mount_always(&server, "GET", "/items/i1", echo_ok()).await;
        mount_always(&server, "GET", "/items", echo_ok()).await;
        mount_always(&server, "POST", "/items", echo_ok()).await;
        mount_always(&server, "POST", "/items/raw", echo_ok()).await;
        mount_always(&server, "GET", "/health", echo_ok()).await;

        c.items().by_header("i1").send().await.unwrap();
        c.items().by_query().size(3).send().await.unwrap();
        // `item` has an extra field, which only a prepared body can carry.
        c.items()
            .by_body(item.name.clone())
            .body(item.clone())
            .send()
            .await
            .unwrap();
        c.items()
            .by_map_body()
            .body(map.clone())
            .send()
            .await
            .unwrap();
        c.items().without_hook().send().await.unwrap();

        let requests = received(&server).await;
        assert_eq!(requests.len(), 5, "{label}");

        assert_eq!(
            channel_places(&requests[0]),
            (vec![channel.to_owned()], vec![], None),
            "{label}: by_header"
        );
        assert_eq!(
            channel_places(&requests[1]),
            (vec![], vec![channel.to_owned()], None),
            "{label}: by_query"
        );
        assert_eq!(
            query_values(&requests[1], "size"),
            vec!["3"],
            "{label}: by_query"
        );
        assert_eq!(
            channel_places(&requests[2]),
            (vec![], vec![], Some(json!(channel))),
            "{label}: by_body"
        );
        assert_eq!(
            json_body(&requests[2]),
            Some(json!({ "name": "widget", "size": 3, "color": "red", "channel": channel })),
            "{label}: by_body keeps the caller's fields"
        );
        assert_eq!(
            channel_places(&requests[3]),
            (vec![], vec![], Some(json!(channel))),
            "{label}: by_map_body"
        );
        assert_eq!(
            json_body(&requests[3]),
            Some(json!({ "a": 1, "nested": { "b": true }, "channel": channel })),
            "{label}: by_map_body keeps the caller's fields"
        );
        assert_eq!(
            channel_places(&requests[4]),
            (vec![], vec![], None),
            "{label}: without_hook"
        );
        for request in &requests {
            let raw = format!(
                "{:?} {}",
                request.headers,
                String::from_utf8_lossy(&request.body)
            );
            let stray = if channel == CHANNEL {
                OTHER_CHANNEL
            } else {
                CHANNEL
            };
            assert!(!raw.contains(stray), "{label}: {stray} leaked into {raw}");
            assert!(
                !request.url.as_str().contains(stray),
                "{label}: {}",
                request.url
            );
            assert_eq!(
                header_values(request, "x-api-key"),
                vec![ACME_KEY],
                "{label}"
            );
        }
    }
}

#[tokio::test]
async fn cognipeer_hook_id_override_replaces_the_header() {
    let server = MockServer::start().await;
    mount_always(&server, "GET", "/sdk/peer", peer_ok()).await;
    let client = cognipeer_default(&server);
    let view = client
        .with_options(RequestOptions::new().hook_id(HookId::new("other-hook-id-42").unwrap()));

    view.peers().get().send().await.unwrap();
    client.peers().get().send().await.unwrap();

    let requests = received(&server).await;
    assert_eq!(
        header_values(&requests[0], "x-hook-id"),
        vec!["other-hook-id-42"]
    );
    assert_eq!(header_values(&requests[1], "x-hook-id"), vec![HOOK]);
}

#[tokio::test]
async fn extra_headers_are_sent_and_stack() {
    let server = MockServer::start().await;
    mount_always(&server, "GET", "/sdk/peer", peer_ok()).await;
    let client = cognipeer_default(&server);
    let view = client.with_options(
        RequestOptions::new()
            .header("X-Trace-Id", "trace-123")
            .unwrap(),
    );
    let nested = view.with_options(RequestOptions::new().header("X-Tenant", "acme").unwrap());

    view.peers().get().send().await.unwrap();
    nested.peers().get().send().await.unwrap();
    client.peers().get().send().await.unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    assert_eq!(header_values(&requests[0], "x-trace-id"), vec!["trace-123"]);
    assert!(header_values(&requests[0], "x-tenant").is_empty());
    assert_eq!(header_values(&requests[1], "x-trace-id"), vec!["trace-123"]);
    assert_eq!(header_values(&requests[1], "x-tenant"), vec!["acme"]);
    assert!(
        header_values(&requests[2], "x-trace-id").is_empty(),
        "the client was changed"
    );
    for request in &requests {
        assert_credential_headers(request, PAT);
    }
}

#[test]
fn credential_and_hook_headers_cannot_be_set_as_extra_headers() {
    for name in [
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "X-Hook-Id",
        "x-hook-id",
    ] {
        let result = RequestOptions::new().header(name, "Bearer pat_other");
        assert!(
            matches!(result, Err(Error::Config(_))),
            "cognipeer `{name}`: {result:?}"
        );
    }
    for name in ["X-Api-Key", "x-api-key", "X-Channel", "x-CHANNEL"] {
        let result = placements_sdk::RequestOptions::new().header(name, "value");
        assert!(
            matches!(result, Err(placements_sdk::Error::Config(_))),
            "placements `{name}`: {result:?}"
        );
    }
    // Another API's credential header is an ordinary header for this one.
    assert!(placements_sdk::RequestOptions::new()
        .header("Authorization", "x")
        .is_ok());
    // Invalid names and values are configuration errors too.
    assert!(matches!(
        RequestOptions::new().header("bad name", "x"),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        RequestOptions::new().header("X-Ok", "line\nbreak"),
        Err(Error::Config(_))
    ));
}

#[test]
fn extra_header_values_never_show_in_debug() {
    const SECRET: &str = "s3cr3t-extra-header-value";
    let options = RequestOptions::new()
        .header("X-Upstream-Key", SECRET)
        .unwrap();
    let debug = format!("{options:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(
        debug.contains("x-upstream-key"),
        "the header name may show: {debug}"
    );

    let client = CognipeerClient::new(PAT, HOOK)
        .unwrap()
        .with_options(options);
    let debug = format!("{client:?} {client:#?}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains(PAT), "{debug}");
    assert!(!debug.contains(HOOK), "{debug}");
}

#[tokio::test]
async fn extra_headers_cannot_corrupt_the_request_framing() {
    let expected = json!({ "name": "widget", "channel": CHANNEL });
    for (name, value) in [("Content-Length", "3"), ("content-type", "text/plain")] {
        // Refusing the header is one correct answer (the SDK's); sending a sound request is the other.
        let options = match placements_sdk::RequestOptions::new().header(name, value) {
            Err(placements_sdk::Error::Config(message)) => {
                assert!(message.contains(name), "{message}");
                continue;
            }
            Err(other) => panic!("`{name}`: expected Error::Config or acceptance, got {other:?}"),
            Ok(options) => options,
        };
        let server = MockServer::start().await;
        mount_always(&server, "POST", "/items", echo_ok()).await;

        let result = acme(&server)
            .with_options(options)
            .items()
            .by_body("widget")
            .send()
            .await;

        assert!(result.is_ok(), "`{name}`: {result:?}");
        let request = received(&server).await.remove(0);
        assert_eq!(
            serde_json::from_slice::<Value>(&request.body).ok(),
            Some(expected.clone()),
            "`{name}`: the body arrived as {:?}",
            String::from_utf8_lossy(&request.body)
        );
        assert_eq!(
            header_values(&request, "content-type").len(),
            1,
            "`{name}`: {:?}",
            header_values(&request, "content-type")
        );
        assert_eq!(
            header_values(&request, "content-length"),
            vec![request.body.len().to_string()],
            "`{name}`"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 4. transport safety
// ---------------------------------------------------------------------------------------

fn build_with_base_url(base_url: &str) -> Result<CognipeerClient, Error> {
    builder(PAT).base_url(base_url).build()
}

#[test]
fn plain_http_is_refused_except_to_loopback() {
    // Nothing is sent: building the client fails.
    for url in [
        "http://example.com",
        "http://10.0.0.1",
        "http://10.0.0.1:8080/v1",
        "http://localhost.example.com",
        "http://127.0.0.1.example.com",
    ] {
        match build_with_base_url(url) {
            Err(Error::Config(message)) => {
                assert!(message.contains("https"), "{url}: {message}");
            }
            other => panic!("{url}: expected Error::Config, got {other:?}"),
        }
    }
    for url in [
        "ftp://example.com",
        "not a url",
        "https://api.example.com/v1?x=1",
    ] {
        let result = build_with_base_url(url);
        assert!(matches!(result, Err(Error::Config(_))), "{url}: {result:?}");
    }

    for url in [
        "http://127.0.0.1:8080",
        "http://127.0.0.2:9000/v1",
        "http://localhost:3000",
        "http://LOCALHOST:3000",
        "http://[::1]:8080",
        "https://example.com",
        "https://10.0.0.1/v1",
        "https://api.cognipeer.com/v1",
    ] {
        let result = build_with_base_url(url);
        assert!(result.is_ok(), "{url}: {result:?}");
    }
}

/// The version in generated-sdk/Cargo.toml.
fn cognipeer_sdk_version() -> String {
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-sdk/Cargo.toml"),
    )
    .unwrap();
    let package = manifest.split("[package]").nth(1).unwrap();
    let line = package
        .lines()
        .find(|line| line.trim_start().starts_with("version"))
        .unwrap();
    line.split('"').nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn user_agent_names_the_sdk_and_its_version() {
    let server = MockServer::start().await;
    mount_always(&server, "GET", "/sdk/peer", peer_ok()).await;

    cognipeer_default(&server)
        .peers()
        .get()
        .send()
        .await
        .unwrap();
    let request = only_request(&server, PAT).await;
    let version = cognipeer_sdk_version();
    // The manifest's version is the spec's `api.version`.
    let spec = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cognipeer.yaml"),
    )
    .unwrap();
    assert!(
        spec.lines()
            .any(|l| l.trim() == format!("version: {version}")),
        "generated-sdk/Cargo.toml's version {version} is not the spec's"
    );
    assert_eq!(
        header_values(&request, "user-agent"),
        vec![format!("cognipeer-sdk-rust/{version}")]
    );

    server.reset().await;
    mount_always(&server, "GET", "/sdk/peer", peer_ok()).await;
    builder_for(&server, PAT)
        .user_agent("my-app/2.0")
        .build()
        .unwrap()
        .peers()
        .get()
        .send()
        .await
        .unwrap();
    let request = only_request(&server, PAT).await;
    assert_eq!(header_values(&request, "user-agent"), vec!["my-app/2.0"]);
}

#[tokio::test]
async fn redirects_are_followed_only_within_the_origin() {
    // Another port is another origin: the credentials must not follow.
    let other = MockServer::start().await;
    mount_always(&other, "GET", "/sdk/peer", peer_ok()).await;
    let server = MockServer::start().await;
    mount_always(
        &server,
        "GET",
        "/sdk/peer",
        answer(302).insert_header("Location", format!("{}/sdk/peer", other.uri()).as_str()),
    )
    .await;

    let error = cognipeer(&server.uri(), RetryPolicy::NEVER)
        .peers()
        .get()
        .send()
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(302), "{error:?}");
    assert_eq!(
        request_count(&other).await,
        0,
        "followed a redirect to another origin"
    );

    // Within the origin, the redirect is followed with the credentials.
    let server = MockServer::start().await;
    mount_always(
        &server,
        "GET",
        "/v1/sdk/peer",
        answer(307).insert_header("Location", "/v2/sdk/peer"),
    )
    .await;
    mount_always(&server, "GET", "/v2/sdk/peer", peer_ok()).await;

    cognipeer(&format!("{}/v1", server.uri()), RetryPolicy::NEVER)
        .peers()
        .get()
        .send()
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].url.path(), "/v2/sdk/peer");
    assert_credential_headers(&requests[1], PAT);
}

// ---------------------------------------------------------------------------------------
// 5. tracing
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn tracing_shows_attempts_and_masks_credentials() {
    let server = MockServer::start().await;
    // The server echoes the token in its error bodies: the SDK must redact it.
    on("GET", "/sdk/peer")
        .respond_with(
            answer(503)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({ "message": format!("overloaded (token {PAT})") })),
        )
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    on("GET", "/sdk/peer")
        .respond_with(
            answer(401).set_body_json(json!({ "message": format!("token {PAT} revoked") })),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let client = cognipeer_default(&server);
    let (captured, guard) = capture_tracing();

    let first = client.peers().get().send().await.unwrap_err();
    let second = client.peers().get().send().await.unwrap_err();
    drop(guard);
    let output = captured.text();

    assert_eq!(first.status(), Some(503));
    assert!(matches!(second, Error::Unauthorized(_)), "{second:?}");
    assert_eq!(request_count(&server).await, 4);

    assert!(!output.contains(PAT), "the token leaked:\n{output}");
    assert!(!output.contains(&PAT[4..]), "the token leaked:\n{output}");
    assert!(!output.contains(HOOK), "the full hookId leaked:\n{output}");
    assert!(output.contains(HOOK_MASKED), "no masked hookId:\n{output}");
    assert!(
        output.contains("api_request"),
        "no api_request span:\n{output}"
    );
    assert!(output.contains("peers.get"), "no operation id:\n{output}");
    assert!(output.contains("/sdk/peer"), "no path:\n{output}");
    for attempt in ["attempt=1", "attempt=2", "attempt=3"] {
        assert!(output.contains(attempt), "no {attempt}:\n{output}");
    }
    assert!(output.contains("status=503"), "no status=503:\n{output}");
    assert!(output.contains("status=401"), "no status=401:\n{output}");
    assert_eq!(retry_delays(&output), vec![1000, 1000], "{output}");
    assert!(
        output.contains("pat_kcnlto8e…"),
        "the masked token is fine:\n{output}"
    );

    // The errors themselves do not carry the token either.
    for error in [&first, &second] {
        let text = format!("{error} {error:?}");
        assert!(!text.contains(PAT), "{text}");
    }
}

#[tokio::test]
async fn tracing_never_shows_the_full_hook_id_or_key_in_any_placement() {
    let server = MockServer::start().await;
    mount_always(&server, "GET", "/items/i1", echo_ok()).await;
    mount_always(&server, "GET", "/items", echo_ok()).await;
    mount_always(&server, "POST", "/items", echo_ok()).await;
    mount_always(
        &server,
        "POST",
        "/items/raw",
        answer(400).set_body_json(json!({ "message": format!("bad key {ACME_KEY}") })),
    )
    .await;
    let client = acme(&server);
    let (captured, guard) = capture_tracing();

    client.items().by_header("i1").send().await.unwrap();
    client.items().by_query().size(1).send().await.unwrap();
    client.items().by_body("").send().await.unwrap();
    let error = client
        .items()
        .by_map_body()
        .body(BTreeMap::new())
        .send()
        .await
        .unwrap_err();
    drop(guard);
    let output = captured.text();

    assert_eq!(request_count(&server).await, 4);
    assert_eq!(
        query_values(&received(&server).await[1], "channel"),
        vec![CHANNEL]
    );
    for operation in [
        "items.by_header",
        "items.by_query",
        "items.by_body",
        "items.by_map_body",
    ] {
        assert!(output.contains(operation), "no {operation}:\n{output}");
    }
    assert!(
        !output.contains(CHANNEL),
        "the full channel leaked:\n{output}"
    );
    assert!(
        output.contains("hook_id=chan…"),
        "no masked channel:\n{output}"
    );
    assert!(!output.contains(ACME_KEY), "the key leaked:\n{output}");
    assert!(!error.to_string().contains(ACME_KEY), "{error}");
    assert!(output.contains("status=400"), "{output}");
}

// ---------------------------------------------------------------------------------------
// 6. errors
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn request_id_status_and_retry_after_come_from_the_response() {
    let server = MockServer::start().await;
    mount_always(
        &server,
        "GET",
        "/sdk/peer",
        answer(503)
            .insert_header("x-request-id", "req-7f3a9c")
            .insert_header("Retry-After", "7")
            .set_body_json(json!({ "message": "try later" })),
    )
    .await;

    let error = cognipeer(&server.uri(), RetryPolicy::NEVER)
        .peers()
        .get()
        .send()
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(503));
    assert_eq!(error.request_id(), Some("req-7f3a9c"));
    let api = error.api_error().unwrap();
    assert_eq!(api.status(), 503);
    assert_eq!(api.request_id(), Some("req-7f3a9c"));
    assert_eq!(api.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(api.message(), Some("try later"));
    assert!(error.is_retryable());
    let text = error.to_string();
    assert!(text.contains("req-7f3a9c"), "{text}");
    assert!(text.contains("503"), "{text}");
}

#[tokio::test]
async fn client_errors_and_decode_errors_are_not_retryable() {
    let json = "application/json";
    // (case, status, x-request-id, body, its content type, variant, what Display shows)
    let cases = [
        (
            "401 invalid token",
            401,
            Some("req-401"),
            r#"{"message":"Invalid token"}"#,
            json,
            "InvalidToken",
            "req-401",
        ),
        (
            "404 channel not found",
            404,
            None,
            r#"{"message":"Channel not found"}"#,
            json,
            "ChannelNotFound",
            "hookId",
        ),
        (
            "200 that does not decode",
            200,
            None,
            "<html>oops</html>",
            "text/html",
            "Decode",
            "<html>oops</html>",
        ),
    ];
    for (name, status, request_id, body, content_type, expected, shows) in cases {
        let mut response = answer(status).set_body_raw(body, content_type);
        if let Some(id) = request_id {
            response = response.insert_header("x-request-id", id);
        }
        let server = MockServer::start().await;
        mount_always(&server, "GET", "/sdk/peer", response).await;

        // The default policy would retry a retryable error: one request proves none was.
        let error = cognipeer_default(&server)
            .peers()
            .get()
            .send()
            .await
            .unwrap_err();

        assert_eq!(variant(&error), expected, "{name}: {error:?}");
        assert_eq!(error.status(), Some(status), "{name}");
        assert_eq!(error.request_id(), request_id, "{name}");
        assert!(error.to_string().contains(shows), "{name}: {error}");
        assert!(!error.is_retryable(), "{name}");
        assert_eq!(request_count(&server).await, 1, "{name}: retried");
    }
}

#[test]
fn timeout_is_its_own_variant_naming_the_duration() {
    // Covered end to end above; here only that Display names the duration in any unit.
    let error = Error::Timeout {
        operation: "peers.get",
        after: Duration::from_millis(1500),
    };
    let text = error.to_string();
    assert!(text.contains("1.5s"), "{text}");
    assert!(!error.is_retryable());
    assert_eq!(error.status(), None);
    assert_eq!(error.request_id(), None);
}

// ---------------------------------------------------------------------------------------
// pagination in the query
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn query_pagination_walks_pages_with_defaults_and_the_hook_in_the_query() {
    use wiremock::matchers::{method, path, query_param};
    let server = MockServer::start().await;
    let item = |name: &str| json!({ "name": name });
    for (page, items) in [("1", vec![item("a"), item("b")]), ("2", vec![item("c")])] {
        wiremock::Mock::given(method("GET"))
            .and(path("/items/search"))
            .and(query_param("page", page))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "data": items, "total": 3, "limit": 2 })),
            )
            .expect(1)
            .mount(&server)
            .await;
    }

    let items = acme(&server)
        .items()
        .search()
        .q("x y")
        .into_pages()
        .collect()
        .await
        .unwrap();

    let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for (request, page) in requests.iter().zip(["1", "2"]) {
        let pairs: BTreeMap<String, Vec<String>> =
            request
                .url
                .query_pairs()
                .fold(BTreeMap::new(), |mut all, (k, v)| {
                    all.entry(k.into_owned()).or_default().push(v.into_owned());
                    all
                });
        let expected: BTreeMap<String, Vec<String>> = [
            ("channel", CHANNEL),
            ("limit", "2"),
            ("page", page),
            ("q", "x y"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
        .collect();
        assert_eq!(pairs, expected, "{}", request.url);
        assert!(request.body.is_empty(), "a GET page request has no body");
        assert!(
            request.headers.get("x-channel").is_none(),
            "the hookId travels in the query only"
        );
    }
}

// ---------------------------------------------------------------------------------------
// body defaults
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn unset_body_fields_send_their_defaults_and_set_ones_the_callers_values() {
    let server = MockServer::start().await;
    mount_always(&server, "POST", "/items/find", echo_ok()).await;
    let client = acme(&server);
    client.items().find().send().await.unwrap();
    client
        .items()
        .find()
        .text("lamp")
        .page(3)
        .ratio(1.0)
        .exact(true)
        .label("new")
        .mode(Mode::Fast)
        .tags(Vec::new())
        .ids(vec![7])
        .filter(tree(json!({ "size": 2 })))
        .weights(BTreeMap::new())
        .options(json!("plain"))
        .send()
        .await
        .unwrap();

    let requests = received(&server).await;
    assert_eq!(
        json_body(&requests[0]),
        Some(json!({
            "page": 1, "ratio": 0.5, "exact": false, "label": "all", "mode": "thorough",
            "tags": ["a", "b"], "ids": [], "filter": {}, "weights": { "a": 1.5 },
            "options": { "nested": [1, "two", null, true] }, "channel": CHANNEL,
        })),
        "every unset field with a default sends it; `text` has none and stays out"
    );
    assert_eq!(
        json_body(&requests[1]),
        Some(json!({
            "text": "lamp", "page": 3, "ratio": 1.0, "exact": true, "label": "new",
            "mode": "fast", "tags": [], "ids": [7], "filter": { "size": 2 }, "weights": {},
            "options": "plain", "channel": CHANNEL,
        })),
        "set fields send the caller's values"
    );
}
