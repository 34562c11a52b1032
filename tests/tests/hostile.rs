//! Hostile servers and odd inputs: whatever the server answers, the token shows only masked
//! (echoed, escaped or cut), response bodies are read under a cap, ids stay inside their path
//! segment, retries stay bounded, and the runtime the SDK needs is the one its docs name.
//!
//! Every server lives on 127.0.0.1 and is started by the test: wiremock, or a raw TCP server
//! where wiremock cannot misbehave enough (lying `Content-Length`, endless chunked bodies).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cognipeer_sdk::models::ToolResult;
use cognipeer_sdk::{CognipeerClient, Error, RetryPolicy, Token};
use common::{
    assert_formats_hidden, assert_nothing_sent, builder, builder_for, capture_tracing,
    failing_call, hidden_runs, on, permissive_server, raw_response, received, request_count,
    short_peer_json, variant, Scripted, ECHO_FORMS, ERROR_KINDS, PAT,
};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::{MockServer, ResponseTemplate};

/// A personal access token with every character that JSON, Go's encoder or HTML escapes.
const ODD_PAT: &str = r#"pat_q7"Zx\w/8<k>&'Lm2"nR\4tY9/vB0&pQ"#;

/// A client for `server` with `token` that never retries.
fn client(server: &MockServer, token: &str) -> CognipeerClient {
    builder_for(server, token)
        .retry(RetryPolicy::NEVER)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// 2. a token cut by the error snippet
// ---------------------------------------------------------------------------------------

/// An answer that shows the first `kept` characters of [`PAT`] where it is cut off.
type Cut = fn(usize) -> ResponseTemplate;

/// The two places a token is cut: by the SDK's snippet and by the server.
const CUTS: [(&str, Cut); 2] = [
    // The snippet keeps 200 characters; `{"token":"` is 10 of them.
    ("by the decode snippet", |kept| {
        let filler = "x".repeat(190 - kept);
        raw_response(
            200,
            &format!(r#"{{"token":"{filler}{PAT}", "#),
            "application/json",
        )
    }),
    ("by the server", |kept| {
        raw_response(500, &format!("bad bearer {}", &PAT[..kept]), "text/plain")
    }),
];

#[tokio::test]
async fn a_token_cut_anywhere_shows_nothing_hidden() {
    let scripted = Scripted::start().await;
    let client = client(&scripted.server, PAT);
    let runs = hidden_runs(PAT, Token::new(PAT).unwrap().masked());
    for (how, answer) in CUTS {
        for kept in 0..=PAT.len() {
            scripted.reply(answer(kept));
            let error = client.peers().get().send().await.unwrap_err();
            let what = format!("cut {how} after {kept} characters");
            assert!(
                matches!(error, Error::Decode { .. } | Error::Api(_)),
                "{what}: {error:?}"
            );
            assert_formats_hidden(&what, &runs, &error);
        }
    }
}

/// Shorter than eight characters, a cut-off part of the token is not a hidden run; it is still
/// masked from three characters on: the token's end where a text starts, its prefix and three
/// more where a text ends (its masked form shows the first eight after the prefix anyway).
#[tokio::test]
async fn a_token_cut_at_either_end_of_a_text_is_masked_from_three_characters() {
    let scripted = Scripted::start().await;
    let client = client(&scripted.server, PAT);
    let masked = Token::new(PAT).unwrap().masked().to_owned();
    let prefix = "pat_".len();
    for shown in 3..PAT.len() - prefix {
        let end = &PAT[PAT.len() - shown..];
        let start = &PAT[..prefix + shown];
        let cases = [
            (
                "its end where the text starts",
                format!("{end} is no bearer"),
                end,
            ),
            (
                "its start where the text ends",
                format!("bad bearer {start}"),
                start,
            ),
        ];
        for (what, body, part) in cases {
            scripted.reply(raw_response(500, &body, "text/plain"));
            let error = client.peers().get().send().await.unwrap_err();
            let text = format!("{error} {error:?}").replace(&masked, "");
            assert!(
                !text.contains(part),
                "{what}, {shown} characters `{part}` show in: {text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3. escaped tokens
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn escaped_tokens_are_masked_in_every_error_and_in_tracing() {
    let scripted = Scripted::start().await;
    let client = client(&scripted.server, ODD_PAT);
    let runs = hidden_runs(ODD_PAT, Token::new(ODD_PAT).unwrap().masked());
    let (captured, guard) = capture_tracing();
    for (form, escape) in ECHO_FORMS {
        let echo = escape(ODD_PAT);
        for kind in ERROR_KINDS {
            scripted.reply(kind.response(&echo));
            let error = failing_call(&client, kind.call).await;
            let what = format!("{} echoed {form}", kind.name);
            // An echo that is not valid in a JSON string breaks the JSON around it.
            let valid = serde_json::from_str::<String>(&format!("\"{echo}\"")).is_ok();
            if valid {
                assert_eq!(variant(&error), kind.variant, "{what}: {error:?}");
            }
            assert_formats_hidden(&what, &runs, &error);
        }
    }
    drop(guard);
    assert_formats_hidden("tracing", &runs, &captured.text());
}

// ---------------------------------------------------------------------------------------
// 4. response bodies are read under a cap
// ---------------------------------------------------------------------------------------

/// What a [`raw_server`] did: bytes of body written, and whether the client hung up on it.
#[derive(Default)]
struct Served {
    written: AtomicU64,
    hung_up: AtomicBool,
}

/// A raw HTTP/1.1 server: for each request it writes `head`, then the body chunks `body`
/// makes, then holds the connection open; it stops writing when the client hangs up.
async fn raw_server<I>(
    head: String,
    body: impl Fn() -> I + Send + Sync + 'static,
) -> (SocketAddr, Arc<Served>)
where
    I: Iterator<Item = Vec<u8>> + Send + 'static,
{
    let body = Arc::new(body);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(Served::default());
    let log = Arc::clone(&served);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let log = Arc::clone(&log);
            let head = head.clone();
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for chunk in body() {
                    if socket.write_all(&chunk).await.is_err() {
                        log.hung_up.store(true, Ordering::SeqCst);
                        return;
                    }
                    log.written.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
                // Hold the connection open; notice when the client hangs up.
                if matches!(socket.read(&mut buf).await, Ok(0) | Err(_)) {
                    log.hung_up.store(true, Ordering::SeqCst);
                }
            });
        }
    });
    (addr, served)
}

/// A 200 response head with these framing headers.
fn head(framing: &str) -> String {
    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\n\r\n")
}

/// One chunk of a chunked body, framed.
fn chunk(data: &[u8]) -> Vec<u8> {
    let mut framed = format!("{:x}\r\n", data.len()).into_bytes();
    framed.extend_from_slice(data);
    framed.extend_from_slice(b"\r\n");
    framed
}

/// A client for the raw server at `addr`, with this body limit (the default if `None`).
fn raw_client(addr: SocketAddr, limit: Option<u64>) -> CognipeerClient {
    let builder = builder(PAT)
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_secs(20));
    match limit {
        Some(limit) => builder.response_body_limit(limit),
        None => builder,
    }
    .build()
    .unwrap()
}

/// Waits (in real time, bounded) until the client has hung up on `served`.
async fn assert_hung_up(served: &Served) {
    for _ in 0..200 {
        if served.hung_up.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the client kept the connection after refusing the body");
}

/// The error is `BodyTooLarge` with this limit, and says how to raise it.
fn assert_too_large(error: &Error, limit: u64) {
    assert!(
        matches!(error, Error::BodyTooLarge { limit: l, operation: "peers.get", .. } if *l == limit),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(shown.contains(&limit.to_string()), "{shown}");
    assert!(shown.contains("response_body_limit"), "{shown}");
    assert!(!error.is_retryable(), "{error:?}");
}

#[tokio::test]
async fn a_declared_length_over_the_default_limit_is_refused_before_reading() {
    // 10 GB announced, a few bytes sent, then silence: nothing more is waited for.
    let (addr, served) = raw_server(head("content-length: 10000000000"), || {
        std::iter::once(b"{\"_id\":".to_vec())
    })
    .await;
    let error = raw_client(addr, None)
        .peers()
        .get()
        .send()
        .await
        .unwrap_err();
    assert_too_large(&error, CognipeerClient::DEFAULT_RESPONSE_BODY_LIMIT);
    assert_eq!(
        CognipeerClient::DEFAULT_RESPONSE_BODY_LIMIT,
        32 * 1024 * 1024
    );
    assert_hung_up(&served).await;
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_off_at_the_limit() {
    let default = CognipeerClient::DEFAULT_RESPONSE_BODY_LIMIT;
    for (set, limit) in [(Some(256 * 1024), 256 * 1024), (None, default)] {
        let (addr, served) = raw_server(head("transfer-encoding: chunked"), || {
            std::iter::repeat(chunk(&[b' '; 16 * 1024]))
        })
        .await;
        let error = raw_client(addr, set)
            .peers()
            .get()
            .send()
            .await
            .unwrap_err();
        assert_too_large(&error, limit);
        let written = served.written.load(Ordering::SeqCst);
        assert!(written >= limit, "refused after {written} of {limit} bytes");
        assert_hung_up(&served).await;
    }
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_read_and_one_byte_more_is_not() {
    let body = serde_json::to_vec(&short_peer_json()).unwrap();
    let length = body.len() as u64;
    let (half, rest) = body.split_at(body.len() / 2);
    let chunked = [chunk(half), chunk(rest), b"0\r\n\r\n".to_vec()];
    let servers = [
        (
            "content-length",
            head(&format!("content-length: {length}")),
            vec![body.clone()],
        ),
        (
            "chunked",
            head("transfer-encoding: chunked"),
            chunked.to_vec(),
        ),
    ];
    for (what, head, chunks) in servers {
        let (addr, _) = raw_server(head, move || chunks.clone().into_iter()).await;
        for (limit, fits) in [(length, true), (length - 1, false)] {
            let result = raw_client(addr, Some(limit)).peers().get().send().await;
            match result {
                Ok(peer) => assert!(fits, "{what}: {limit}: read {peer:?}"),
                Err(error) => {
                    assert!(!fits, "{what}: {limit}: {error:?}");
                    assert_too_large(&error, limit);
                }
            }
        }
    }
}

#[tokio::test]
async fn an_error_answer_over_the_limit_is_refused_too_and_not_retried() {
    let server = MockServer::start().await;
    on("GET", "/sdk/peer")
        .respond_with(raw_response(503, &"x".repeat(4096), "text/plain"))
        .mount(&server)
        .await;
    let error = builder_for(&server, PAT)
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        })
        .response_body_limit(1024)
        .build()
        .unwrap()
        .peers()
        .get()
        .send()
        .await
        .unwrap_err();
    assert_too_large(&error, 1024);
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert_eq!(request_count(&server).await, 1);
}

#[test]
fn a_zero_body_limit_is_a_config_error() {
    let error = builder(PAT)
        .base_url("http://127.0.0.1:9")
        .response_body_limit(0)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(error.to_string().contains("response_body_limit"), "{error}");
}

// ---------------------------------------------------------------------------------------
// 6. ids stay inside their path segment
// ---------------------------------------------------------------------------------------

/// A call of an operation with a path parameter set to the given value (any other one fine).
type PathCall =
    fn(CognipeerClient, &'static str) -> Pin<Box<dyn Future<Output = Result<(), Error>>>>;

/// Operations with path parameters: (operation, parameter, call).
fn path_calls() -> Vec<(&'static str, &'static str, PathCall)> {
    vec![
        ("conversations.get", "conversation_id", |c, v| {
            Box::pin(async move { c.conversations().get(v).send().await.map(drop) })
        }),
        ("flows.execute", "flow_id", |c, v| {
            Box::pin(async move {
                c.flows()
                    .execute(v)
                    .body(BTreeMap::new())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("conversations.resume_message", "conversation_id", |c, v| {
            Box::pin(async move {
                c.conversations()
                    .resume_message(v, "m1", ToolResult::default())
                    .send()
                    .await
                    .map(drop)
            })
        }),
        ("conversations.resume_message", "message_id", |c, v| {
            Box::pin(async move {
                c.conversations()
                    .resume_message("c1", v, ToolResult::default())
                    .send()
                    .await
                    .map(drop)
            })
        }),
    ]
}

#[tokio::test]
async fn empty_and_dot_ids_are_refused_before_sending() {
    let server = permissive_server(&json!({})).await;
    let client = client(&server, PAT);
    for (operation, parameter, call) in path_calls() {
        for value in ["", ".", ".."] {
            let error = call(client.clone(), value).await.unwrap_err();
            let what = format!("{operation}({parameter} = {value:?})");
            assert!(
                matches!(&error, Error::Precondition { operation: op, .. } if *op == operation),
                "{what}: {error:?}"
            );
            let shown = error.to_string();
            assert!(shown.contains(&format!("`{parameter}`")), "{what}: {shown}");
        }
    }
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn a_dot_id_fails_a_paged_list_before_its_first_page() {
    let server = permissive_server(&json!({ "data": [], "total": 0 })).await;
    let client = placements_sdk::AcmeClient::builder(
        placements_sdk::Token::new("key_5f0c2a9e7d1b4c3a").unwrap(),
        placements_sdk::HookId::new("chan-default-0001").unwrap(),
    )
    .base_url(server.uri())
    .build()
    .unwrap();
    let mut items = client.items().in_folder("..").into_pages();
    let error = items.next().await.unwrap_err();
    assert!(
        matches!(
            error,
            placements_sdk::Error::Precondition {
                operation: "items.in_folder",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("`folder`"), "{error}");
    assert!(
        items.next().await.unwrap().is_none(),
        "the list ends after its error"
    );
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn dot_like_ids_stay_one_segment() {
    let server = permissive_server(&json!({})).await;
    let client = client(&server, PAT);
    let cases = [
        ("%2e%2e", "%252e%252e"),
        ("%2E.", "%252E."),
        ("...", "..."),
        ("../x", "..%2Fx"),
        (".x", ".x"),
    ];
    for (value, segment) in cases {
        // The answer does not decode as a conversation; only the path matters here.
        let _ = client.conversations().get(value).send().await;
        let requests = received(&server).await;
        let path = requests.last().unwrap().url.path().to_owned();
        assert_eq!(path, format!("/sdk/conversation/{segment}"), "{value:?}");
    }
    assert_eq!(request_count(&server).await, cases.len());
}

// ---------------------------------------------------------------------------------------
// 8. retry edge cases
// ---------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_u64_waits_max_backoff() {
    let server = MockServer::start().await;
    on("GET", "/sdk/peer")
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("connection", "close")
                .insert_header("Retry-After", "99999999999999999999999"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    on("GET", "/sdk/peer")
        .respond_with(ResponseTemplate::new(200).set_body_json(short_peer_json()))
        .with_priority(2)
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_secs(5),
    };
    let client = builder_for(&server, PAT)
        .retry(policy)
        .no_timeout()
        .build()
        .unwrap();

    let start = tokio::time::Instant::now();
    client.peers().get().send().await.unwrap();
    let waited = start.elapsed();

    assert_eq!(request_count(&server).await, 2);
    assert!(waited >= Duration::from_secs(5), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(6), "waited {waited:?}");
}

#[tokio::test]
async fn a_redirect_loop_is_not_retried() {
    let server = MockServer::start().await;
    on("GET", "/sdk/peer")
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/sdk/peer"))
        .mount(&server)
        .await;
    let client = builder_for(&server, PAT)
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        })
        .build()
        .unwrap();

    let error = client.peers().get().send().await.unwrap_err();

    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(!error.is_retryable(), "{error:?}");
    assert!(error.to_string().contains("redirect"), "{error}");
    // The first request and five redirects, once.
    assert_eq!(request_count(&server).await, 6);
}

// ---------------------------------------------------------------------------------------
// 9. the runtime the SDK needs
// ---------------------------------------------------------------------------------------

/// The crate docs say the SDK needs Tokio's time driver; without it Tokio panics, naming the fix.
#[test]
#[should_panic(expected = "enable_time")]
fn a_runtime_without_the_time_driver_is_tokios_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = builder(PAT)
            .base_url(format!("http://{}", common::closed_port()))
            .build()
            .unwrap();
        let _ = client.peers().get().send().await;
    });
}

#[test]
fn a_runtime_built_as_the_docs_say_works() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = permissive_server(&short_peer_json()).await;
        client(&server, PAT).peers().get().send().await.unwrap();
    });
}
