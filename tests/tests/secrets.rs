//! The token never shows up in anything the SDK formats: the token itself, the client,
//! its builder, and every error the SDK can produce.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;
use std::time::Duration;

use cognipeer_sdk::models::{ContactChanges, ContactsGetQuery, CreateContact, ListContacts, UpdateContact};
use cognipeer_sdk::{AuthMode, CognipeerClient, CognipeerClientBuilder, Error, HookId, Token};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The example personal access token from the authentication guide.
const PAT: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";
/// What the guide shows of it: "Tokens are masked for security (e.g., `pat_kcnlto8e...`)".
const PAT_MASKED: &str = "pat_kcnlto8e…";
/// A realistic API channel token (no prefix).
const API_TOKEN: &str = "kq3v9zt0w8m2x7c4b6n1p5r8s2d4f6g8";
const HOOK: &str = "bhdwxdpdkndpzolyttqf";

/// The secret parts of each token: the whole and its tail past what the mask shows.
fn secrets() -> Vec<&'static str> {
    vec![
        PAT,
        &PAT[4..],              // without the prefix
        &PAT[PAT.len() - 20..], // the tail the mask never shows
        API_TOKEN,
        &API_TOKEN[API_TOKEN.len() - 20..],
    ]
}

/// Formats `value` with `{:?}` and `{:#?}` and checks no secret is in either.
fn assert_debug_clean(what: &str, value: &impl Debug) -> String {
    let debug = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for secret in secrets() {
        assert!(
            !debug.contains(secret),
            "{what}: {{:?}} leaks `{secret}`: {debug}"
        );
        assert!(
            !pretty.contains(secret),
            "{what}: {{:#?}} leaks `{secret}`: {pretty}"
        );
    }
    debug
}

/// Formats an error with `{}`, `{:?}`, `{:#?}` and its source chain; no secret anywhere.
fn assert_error_clean(what: &str, error: &Error) -> String {
    let shown = error.to_string();
    for secret in secrets() {
        assert!(
            !shown.contains(secret),
            "{what}: {{}} leaks `{secret}`: {shown}"
        );
    }
    assert_debug_clean(what, error);
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = format!("{cause} / {cause:?}");
        for secret in secrets() {
            assert!(
                !text.contains(secret),
                "{what}: a cause leaks `{secret}`: {text}"
            );
        }
        source = cause.source();
    }
    shown
}

fn builder(token: &str, base_url: &str) -> CognipeerClientBuilder {
    CognipeerClient::builder(Token::new(token).unwrap(), HookId::new(HOOK).unwrap())
        .base_url(base_url)
}

#[test]
fn token_display_and_debug_show_only_the_masked_prefix() {
    let pat = Token::new(PAT).unwrap();
    assert_eq!(pat.mode(), AuthMode::Pat);
    assert_eq!(pat.masked(), PAT_MASKED);
    assert_eq!(pat.to_string(), PAT_MASKED);
    let debug = assert_debug_clean("pat token", &pat);
    assert!(debug.contains(PAT_MASKED), "{debug}");
    assert!(format!("{pat:#?}").contains(PAT_MASKED));
    assert!(!pat.to_string().contains(&PAT[..16]));

    let api = Token::new(API_TOKEN).unwrap();
    assert_eq!(api.mode(), AuthMode::ApiToken);
    let masked = api.masked().to_owned();
    assert!(masked.ends_with('…'), "{masked}");
    assert!(
        API_TOKEN.starts_with(masked.trim_end_matches('…')),
        "{masked}"
    );
    assert!(
        masked.trim_end_matches('…').len() <= API_TOKEN.len() / 4,
        "{masked}"
    );
    assert_eq!(api.to_string(), masked);
    assert!(assert_debug_clean("api token", &api).contains(&masked));
    for secret in secrets() {
        assert!(!pat.to_string().contains(secret));
        assert!(!api.to_string().contains(secret));
    }

    // Explicit constructors mask the same way.
    assert_eq!(Token::pat(PAT).unwrap().to_string(), PAT_MASKED);
    assert_eq!(Token::api_token(API_TOKEN).unwrap().to_string(), masked);
}

#[test]
fn short_tokens_are_masked_too() {
    for secret in ["pat_abc", "pat_abcdefgh", "abcd", "x"] {
        let token = Token::new(secret).unwrap();
        let tail = secret.trim_start_matches("pat_");
        assert!(!token.to_string().contains(tail), "{token}");
        assert!(!format!("{token:?}").contains(tail), "{token:?}");
    }
}

#[test]
fn client_and_builder_debug_hide_the_token() {
    for token in [PAT, API_TOKEN] {
        let builder = builder(token, "http://127.0.0.1:9");
        let debug = assert_debug_clean("builder", &builder);
        assert!(
            debug.contains(Token::new(token).unwrap().masked()),
            "{debug}"
        );

        let client = builder.build().unwrap();
        let debug = assert_debug_clean("client", &client);
        assert!(
            debug.contains(Token::new(token).unwrap().masked()),
            "{debug}"
        );
        assert_debug_clean("client clone", &client.clone());
        assert_debug_clean("peers handle", &client.peers());
        assert_debug_clean("users handle", &client.users());
        assert_debug_clean("contacts handle", &client.contacts());
    }
    let from_new = CognipeerClient::new(PAT, HOOK).unwrap();
    assert!(assert_debug_clean("client from new", &from_new).contains(PAT_MASKED));
}

#[test]
fn credential_errors_hide_the_token() {
    let cases: Vec<(&str, Result<Token, Error>)> = vec![
        ("trailing newline", Token::new(format!("{PAT}\n"))),
        (
            "inner space",
            Token::new(format!("{} {}", &PAT[..20], &PAT[20..])),
        ),
        ("tab api", Token::new(format!("{API_TOKEN}\t"))),
        ("non-ascii", Token::new(format!("{PAT}é"))),
        ("pat without prefix", Token::pat(&PAT[4..])),
        ("api token declared pat", Token::pat(API_TOKEN)),
        ("pat declared api token", Token::api_token(PAT)),
        ("crlf", Token::new(format!("{PAT}\r\n"))),
    ];
    for (what, result) in cases {
        let error = result.expect_err(what);
        assert!(
            matches!(error, Error::InvalidCredential(_)),
            "{what}: {error:?}"
        );
        assert_error_clean(what, &error);
    }
    let error = CognipeerClient::new(&format!(" {PAT}"), HOOK).unwrap_err();
    assert_error_clean("client new", &error);
}

#[test]
fn config_errors_hide_the_token() {
    let error = builder(PAT, "not a url").build().unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert_error_clean("bad base url", &error);

    let error = builder(PAT, "http://127.0.0.1:9")
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert_error_clean("zero timeout", &error);
}

#[test]
fn from_env_errors_hide_the_token() {
    // The only test in this binary that touches the environment.
    std::env::remove_var("COGNIPEER_BASE_URL");
    std::env::set_var("COGNIPEER_HOOK_ID", HOOK);
    for bad in [
        format!("{PAT}\n"),
        format!("{PAT} "),
        format!("x{API_TOKEN}\r\n"),
    ] {
        std::env::set_var("COGNIPEER_TOKEN", &bad);
        let error = CognipeerClient::from_env().unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        let shown = assert_error_clean("from_env", &error);
        assert!(shown.contains("COGNIPEER_TOKEN"), "{shown}");
    }
    std::env::set_var("COGNIPEER_TOKEN", PAT);
    let client = CognipeerClient::from_env().unwrap();
    assert!(assert_debug_clean("client from env", &client).contains(PAT_MASKED));
    for name in ["COGNIPEER_TOKEN", "COGNIPEER_HOOK_ID", "COGNIPEER_BASE_URL"] {
        std::env::remove_var(name);
    }
}

#[tokio::test]
async fn auth_mode_error_hides_the_token() {
    let client = builder(API_TOKEN, "http://127.0.0.1:9").build().unwrap();
    for error in [
        client.users().get().await.unwrap_err(),
        client.peers().get().await.unwrap_err(),
    ] {
        assert!(
            matches!(error, Error::AuthModeNotAccepted { .. }),
            "{error:?}"
        );
        assert_error_clean("auth mode", &error);
    }
}

#[tokio::test]
async fn api_errors_hide_the_token() {
    let server = MockServer::start().await;
    let mount = |verb: &'static str, route: &'static str, template: ResponseTemplate| {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(template)
    };
    // Answers chosen so that every API-derived variant comes out of one operation each.
    mount(
        "GET",
        "/sdk/user",
        ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})),
    )
    .expect(1)
    .mount(&server)
    .await;
    mount(
        "GET",
        "/sdk/peer",
        ResponseTemplate::new(401).set_body_json(json!({"message": "Invalid token"})),
    )
    .expect(1)
    .mount(&server)
    .await;
    mount(
        "POST",
        "/sdk/contact/list",
        ResponseTemplate::new(404).set_body_json(json!({"error": "Channel not found"})),
    )
    .expect(1)
    .mount(&server)
    .await;
    mount(
        "PATCH",
        "/sdk/contact",
        ResponseTemplate::new(500)
            .set_body_raw(b"<html><h1>Oops</h1></html>".to_vec(), "text/html"),
    )
    .expect(1)
    .mount(&server)
    .await;
    mount(
        "GET",
        "/sdk/contact",
        ResponseTemplate::new(200)
            .set_body_json(json!({"success": false, "error": "Contact not found"})),
    )
    .expect(1)
    .mount(&server)
    .await;
    mount(
        "POST",
        "/sdk/contact",
        ResponseTemplate::new(200).set_body_raw(b"{\"_id\": 1,".to_vec(), "application/json"),
    )
    .expect(1)
    .mount(&server)
    .await;

    let client = builder(PAT, &server.uri()).build().unwrap();
    let contacts = client.contacts();
    let cases = [
        ("unauthorized", client.users().get().await.unwrap_err()),
        ("invalid token", client.peers().get().await.unwrap_err()),
        (
            "channel not found",
            contacts.list(&ListContacts::default()).await.unwrap_err(),
        ),
        (
            "api",
            contacts
                .update(&UpdateContact {
                    email: Some("a@example.com".into()),
                    data: ContactChanges { name: Some("A".into()), ..Default::default() },
                    ..Default::default()
                })
                .await
                .unwrap_err(),
        ),
        (
            "unsuccessful",
            contacts
                .get(&ContactsGetQuery {
                    email: Some("a@example.com".into()),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
        ),
        (
            "decode",
            contacts
                .create(&CreateContact::default())
                .await
                .unwrap_err(),
        ),
    ];
    let variants: Vec<&str> = cases
        .iter()
        .map(|(what, error)| {
            assert_error_clean(what, error);
            match error {
                Error::Unauthorized(_) => "Unauthorized",
                Error::InvalidToken(_) => "InvalidToken",
                Error::ChannelNotFound(_) => "ChannelNotFound",
                Error::Api(_) => "Api",
                Error::Unsuccessful(_) => "Unsuccessful",
                Error::Decode { .. } => "Decode",
                other => panic!("{what}: unexpected {other:?}"),
            }
        })
        .collect();
    assert_eq!(
        variants,
        [
            "Unauthorized",
            "InvalidToken",
            "ChannelNotFound",
            "Api",
            "Unsuccessful",
            "Decode"
        ]
    );
}

#[tokio::test]
async fn timeout_error_hides_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sdk/user"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"_id": "u", "email": "e"}))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(PAT, &server.uri())
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let error = client.users().get().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_error_clean("timeout", &error);
}

#[tokio::test]
async fn transport_error_hides_the_token() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    for token in [PAT, API_TOKEN] {
        let client = builder(token, &format!("http://127.0.0.1:{port}"))
            .build()
            .unwrap();
        let error = client
            .contacts()
            .create(&CreateContact::default())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Transport { .. }), "{error:?}");
        assert_error_clean("transport", &error);
    }
}

#[tokio::test]
async fn echoed_token_in_error_body_is_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sdk/peer"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            format!("<html><pre>Authorization: Bearer {PAT}</pre> rejected</html>").into_bytes(),
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/sdk/user"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!("{{\"token\": \"{PAT}\", ").into_bytes(),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(PAT, &server.uri()).build().unwrap();
    let error = client.peers().get().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_error_clean("echoed in 401 body", &error);
    let error = client.users().get().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_error_clean("echoed in decode snippet", &error);
}
