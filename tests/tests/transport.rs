//! The HTTP stack opened to the caller (`configure_http`, `http_client`) and the invariants that
//! hold with each, the SDK's own client included: plain http only to loopback and never through
//! a proxy, https through a proxy only as a tunnel, credentials never following a redirect to
//! another origin, no user name or password in the base URL, the same timeouts and typed errors.
//!
//! Every server is on 127.0.0.1 and started by the test; HTTPS goes through a TLS front signed
//! by the test CA in `fixtures/tls/`. Clients read the proxy variables when they are built, so
//! every test holds [`proxy_env`] for its whole run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cognipeer_sdk::{reqwest, CognipeerClient, CognipeerClientBuilder, Error, RetryPolicy};
use common::net::{https_front, proxy_env, test_ca, FakeProxy};
use common::{
    assert_nothing_sent, builder, header_values, ok_json, on, only_request, permissive_server,
    received, serve_once, short_peer_json, PAT,
};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

/// The route of `peers.get`, the simplest call.
const PEER: &str = "/sdk/peer";

/// How a test sets up the HTTP side of a client builder.
type Setup<'a> = &'a dyn Fn(CognipeerClientBuilder) -> CognipeerClientBuilder;

/// A PAT client builder for `base_url` that never retries.
fn sdk(base_url: &str) -> CognipeerClientBuilder {
    builder(PAT).base_url(base_url).retry(RetryPolicy::NEVER)
}

/// `peers.get` on a client built by `setup` from [`sdk`]`(base_url)`.
async fn get_peer(base_url: &str, setup: Setup<'_>) -> Result<(), Error> {
    setup(sdk(base_url))
        .build()?
        .peers()
        .get()
        .send()
        .await
        .map(|_| ())
}

/// A server where `peers.get` with the right credentials answers a peer, expected once.
async fn peer_server() -> MockServer {
    serve_once("GET", PEER, PAT, ok_json(&short_peer_json())).await
}

/// An HTTP client of the caller's own that trusts the test CA (and nothing else), built from
/// `start` (e.g. `CognipeerClient::http_client_builder()`).
fn own_client(start: reqwest::ClientBuilder) -> reqwest::Client {
    start.tls_certs_only([test_ca()]).build().unwrap()
}

/// A setup that hands the builder `client`.
fn with_client(
    client: reqwest::Client,
) -> impl Fn(CognipeerClientBuilder) -> CognipeerClientBuilder {
    move |b| b.http_client(client.clone())
}

// ---------------------------------------------------------------------------------------
// proxies
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn plain_http_never_goes_through_a_proxy() {
    let proxy = FakeProxy::start().await;
    let _env = proxy_env(Some(&proxy.url())).await;
    let proxy_url = proxy.url();
    let cases: [(&str, Setup); 2] = [
        ("the SDK's own client, proxy variables set", &|b| b),
        ("a hook that adds a proxy", &|b| {
            let proxy = reqwest::Proxy::all(&proxy_url).unwrap();
            b.configure_http(move |http| http.proxy(proxy.clone()))
        }),
    ];
    for (name, setup) in cases {
        let server = peer_server().await;
        get_peer(&server.uri(), setup)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        only_request(&server, PAT).await;
        assert_eq!(proxy.received(), "", "{name}: the proxy saw the request");
    }
}

#[tokio::test]
async fn https_goes_through_a_proxy_only_as_a_tunnel() {
    let proxy = FakeProxy::start().await;
    let proxy_url = proxy.url();
    let via_proxy = || reqwest::Proxy::all(&proxy_url).unwrap();
    let own = own_client(CognipeerClient::http_client_builder().proxy(via_proxy()));
    // (case, whether the proxy comes from the environment, setup)
    let cases: [(&str, bool, Setup); 3] = [
        ("the SDK's own client, proxy variables set", true, &|b| b),
        ("a hook that adds a proxy", false, &|b| {
            let proxy = via_proxy();
            b.configure_http(move |http| http.proxy(proxy.clone()))
        }),
        ("an own client with a proxy", false, &with_client(own)),
    ];
    for (name, from_env, setup) in cases {
        let _env = proxy_env(from_env.then_some(proxy_url.as_str())).await;
        let before = proxy.received().len();
        let error = get_peer("https://api.example.test/v1", setup)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Transport { .. }),
            "{name}: {error:?}"
        );
        let seen = proxy.received()[before..].to_owned();
        assert!(
            seen.starts_with("CONNECT api.example.test:443 HTTP/1.1\r\n"),
            "{name}: the proxy must only be asked for a tunnel: {seen:?}"
        );
        assert!(
            !seen.contains(PAT) && !seen.to_lowercase().contains("authorization"),
            "{name}: the credentials must stay inside the tunnel: {seen:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// the base URL
// ---------------------------------------------------------------------------------------

/// A password that must never be echoed.
const PASSWORD: &str = "s3cret-pw";

#[tokio::test]
async fn a_base_url_with_credentials_is_refused_without_echoing_them() {
    let _env = proxy_env(None).await;
    let server = permissive_server(&short_peer_json()).await;
    let addr = server.address();
    for base_url in [
        format!("http://user:{PASSWORD}@{addr}"),
        format!("http://:{PASSWORD}@{addr}"),
        format!("http://user@{addr}"),
        format!("https://user:{PASSWORD}@api.example.com/v1"),
        // Not even a valid URL (the port is too large): still not echoed.
        format!("https://user:{PASSWORD}@api.example.com:99999/v1"),
    ] {
        let builder = sdk(&base_url);
        let debug = format!("{builder:?}");
        assert!(!debug.contains(PASSWORD), "{base_url}: {debug}");
        match builder.build() {
            Err(Error::Config(message)) => {
                assert!(message.contains("***@"), "{base_url}: {message}");
                assert!(
                    !message.contains(PASSWORD) && !message.contains("user@"),
                    "{base_url}: {message}"
                );
            }
            Err(other) => panic!("{base_url}: expected Error::Config, got {other:?}"),
            Ok(client) => {
                // reqwest would send the user and password as a second, Basic credential.
                let outcome = client.peers().get().send().await;
                panic!("{base_url}: accepted, and the call gave {outcome:?}");
            }
        }
    }
    assert_nothing_sent(&server).await;
}

// ---------------------------------------------------------------------------------------
// configure_http
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn configure_http_settings_reach_the_server_next_to_the_sdks() {
    let _env = proxy_env(None).await;
    let server = peer_server().await;
    get_peer(&server.uri(), &|b| {
        b.configure_http(|http| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                "x-team",
                reqwest::header::HeaderValue::from_static("billing"),
            );
            http.default_headers(headers)
                .connect_timeout(Duration::from_secs(5))
                .pool_max_idle_per_host(2)
        })
    })
    .await
    .unwrap();
    // One Authorization and one hookId header, as always.
    let request = only_request(&server, PAT).await;
    assert_eq!(header_values(&request, "x-team"), ["billing"]);
}

#[tokio::test]
async fn a_corporate_root_certificate_given_to_the_hook_is_trusted() {
    let _env = proxy_env(None).await;
    let server = peer_server().await;
    let base_url = https_front(*server.address()).await;

    // Unknown to the platform's certificate store: refused.
    let error = get_peer(&base_url, &|b| b).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_nothing_sent(&server).await;

    get_peer(&base_url, &|b| {
        b.configure_http(|http| http.tls_certs_merge([test_ca()]))
    })
    .await
    .unwrap();
    only_request(&server, PAT).await;
}

// ---------------------------------------------------------------------------------------
// http_client
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_own_client_is_used_with_its_settings_and_the_sdks_typed_errors() {
    let _env = proxy_env(None).await;
    let server = MockServer::start().await;
    on("GET", PEER)
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "message": "Invalid token" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let base_url = https_front(*server.address()).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-team",
        reqwest::header::HeaderValue::from_static("billing"),
    );
    let own = own_client(CognipeerClient::http_client_builder().default_headers(headers));

    let error = get_peer(&base_url, &with_client(own)).await.unwrap_err();
    assert!(matches!(error, Error::InvalidToken(_)), "{error:?}");
    let request = only_request(&server, PAT).await;
    assert_eq!(header_values(&request, "x-team"), ["billing"]);
}

#[tokio::test]
async fn an_own_client_is_refused_for_plain_http_even_to_loopback() {
    let _env = proxy_env(None).await;
    let server = permissive_server(&short_peer_json()).await;
    let own = CognipeerClient::http_client_builder().build().unwrap();

    match get_peer(&server.uri(), &with_client(own)).await {
        Err(Error::Config(message)) => {
            assert!(message.contains("configure_http"), "{message}");
            assert!(message.contains("proxy"), "{message}");
        }
        other => panic!("expected Error::Config, got {other:?}"),
    }
    assert_nothing_sent(&server).await;
}

// ---------------------------------------------------------------------------------------
// redirects and timeouts, with every kind of HTTP client
// ---------------------------------------------------------------------------------------

/// Two servers, each behind an HTTPS front when `https`: `peers.get` on the first redirects
/// (302) to the second, which answers a peer. Returns both and the first one's base URL.
async fn redirect_to_another_origin(https: bool) -> (MockServer, MockServer, String, String) {
    let (from, to) = (MockServer::start().await, MockServer::start().await);
    let (from_url, to_url) = if https {
        (
            https_front(*from.address()).await,
            https_front(*to.address()).await,
        )
    } else {
        (from.uri(), to.uri())
    };
    on("GET", PEER)
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{to_url}{PEER}")),
        )
        .mount(&from)
        .await;
    on("GET", PEER)
        .respond_with(ok_json(&short_peer_json()))
        .mount(&to)
        .await;
    (from, to, from_url, to_url)
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let _env = proxy_env(None).await;
    struct Case {
        name: &'static str,
        https: bool,
        setup: Box<dyn Fn(CognipeerClientBuilder) -> CognipeerClientBuilder>,
        /// Whether the client follows the redirect at all (only an own client can).
        followed: bool,
    }
    let cases = [
        Case {
            name: "the SDK's own client",
            https: false,
            setup: Box::new(|b| b),
            followed: false,
        },
        Case {
            name: "a hook that sets a redirect policy",
            https: false,
            setup: Box::new(|b| {
                b.configure_http(|http| http.redirect(reqwest::redirect::Policy::limited(10)))
            }),
            followed: false,
        },
        Case {
            name: "an own client from http_client_builder",
            https: true,
            setup: Box::new(with_client(own_client(
                CognipeerClient::http_client_builder(),
            ))),
            followed: false,
        },
        Case {
            name: "an own client that follows redirects",
            https: true,
            setup: Box::new(with_client(own_client(
                CognipeerClient::http_client_builder()
                    .redirect(reqwest::redirect::Policy::limited(10)),
            ))),
            followed: true,
        },
    ];
    for case in cases {
        let name = case.name;
        let (from, to, from_url, to_url) = redirect_to_another_origin(case.https).await;
        let error = get_peer(&from_url, &case.setup).await.unwrap_err();
        let Error::Redirect {
            status, location, ..
        } = &error
        else {
            panic!("{name}: expected Error::Redirect, got {error:?}");
        };
        assert_eq!(received(&from).await.len(), 1, "{name}");
        let reached = received(&to).await;
        if case.followed {
            // The own client went on by itself: reqwest dropped the token on the way, and
            // the SDK refuses the answer.
            assert_eq!(
                (*status, location.as_str()),
                (200, to_url.as_str()),
                "{name}"
            );
            assert_eq!(reached.len(), 1, "{name}");
            assert!(
                reached[0].headers.get("authorization").is_none(),
                "{name}: the token followed the redirect"
            );
        } else {
            assert_eq!(*status, 302, "{name}");
            assert_eq!(location, &format!("{to_url}{PEER}"), "{name}");
            assert!(reached.is_empty(), "{name}: followed the redirect");
        }
        let text = error.to_string();
        assert!(
            text.contains("peers.get") && text.contains("set the base URL"),
            "{name}: {text}"
        );
        assert!(!error.is_retryable(), "{name}");
    }
}

#[tokio::test]
async fn the_clients_timeout_holds_with_a_hook_and_with_an_own_client() {
    let _env = proxy_env(None).await;
    let server = MockServer::start().await;
    on("GET", PEER)
        .respond_with(ok_json(&short_peer_json()).set_delay(Duration::from_secs(60)))
        .mount(&server)
        .await;
    let https_url = https_front(*server.address()).await;
    let own = own_client(CognipeerClient::http_client_builder());
    let cases: [(&str, &str, Setup); 2] = [
        ("a hook", &server.uri(), &|b| b.configure_http(|http| http)),
        ("an own client", &https_url, &with_client(own)),
    ];
    for (name, base_url, setup) in cases {
        let limit = Duration::from_millis(200);
        let error = get_peer(base_url, &|b| setup(b).timeout(limit))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Timeout { operation: "peers.get", after } if *after == limit),
            "{name}: {error:?}"
        );
    }
}
