//! The token never shows up in anything the SDK formats: the token itself, the client,
//! its builder, and every error the SDK can produce.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;
use std::time::Duration;

use cognipeer_sdk::models::ContactChanges;
use cognipeer_sdk::{AuthMode, CognipeerClient, Error, HookId, Token};
use common::{
    builder, builder_for, clear_env, closed_port, json_response, mount_once, on, raw_response,
    variant, HOOK, PAT,
};
use serde_json::json;
use wiremock::MockServer;

/// What the guide shows of it: "Tokens are masked for security (e.g., `pat_kcnlto8e...`)".
const PAT_MASKED: &str = "pat_kcnlto8e…";
/// A realistic API channel token (no prefix).
const API_TOKEN: &str = "kq3v9zt0w8m2x7c4b6n1p5r8s2d4f6g8";

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

/// No secret, nor any piece in `also` (with and without surrounding whitespace), is in
/// `text`, which `how` formatted.
fn assert_hides(what: &str, how: &str, text: &str, also: &[&str]) {
    let also = also.iter().flat_map(|piece| [*piece, piece.trim()]);
    // The empty string is contained in everything; only check real secrets.
    for secret in secrets()
        .into_iter()
        .chain(also)
        .filter(|s| !s.trim().is_empty())
    {
        assert!(
            !text.contains(secret),
            "{what}: {how} leaks `{secret}`: {text}"
        );
    }
}

/// Formats `value` with `{:?}` and `{:#?}` and checks no secret is in either.
fn assert_debug_clean(what: &str, value: &impl Debug) -> String {
    let debug = format!("{value:?}");
    assert_hides(what, "{:?}", &debug, &[]);
    assert_hides(what, "{:#?}", &format!("{value:#?}"), &[]);
    debug
}

/// Formats an error with `{}`, `{:?}`, `{:#?}` and its source chain; no secret anywhere.
fn assert_error_clean(what: &str, error: &Error) -> String {
    let shown = error.to_string();
    assert_hides(what, "{}", &shown, &[]);
    assert_debug_clean(what, error);
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_hides(what, "a cause", &format!("{cause} / {cause:?}"), &[]);
        source = cause.source();
    }
    shown
}

/// A base URL nothing is ever sent to in these tests.
const UNUSED_BASE_URL: &str = "http://127.0.0.1:9";

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
        let builder = builder(token).base_url(UNUSED_BASE_URL);
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

/// A rejected credential: `InvalidCredential`, and neither the known secrets nor `part` (a
/// piece of the rejected value) in anything the error formats.
fn assert_refused<T: Debug>(what: &str, result: Result<T, Error>, part: &str) {
    let error = result.expect_err(what);
    assert!(
        matches!(error, Error::InvalidCredential(_)),
        "{what}: {error:?}"
    );
    let shown = assert_error_clean(what, &error);
    assert_hides(what, "{}", &shown, &[part]);
    assert_hides(what, "{:?}", &format!("{error:?}"), &[part]);
}

#[test]
fn credential_errors_hide_the_token() {
    // (case, the rejected token, a secret piece of it beyond those in `secrets()`); the typed
    // constructors' tokens are made dynamic only so that all the cases fit in one list.
    let tokens: Vec<(&str, Result<Token, Error>, &str)> = vec![
        ("empty", Token::new(""), ""),
        ("empty pat", Token::pat("").map(Token::into_dynamic), ""),
        (
            "empty api token",
            Token::api_token("").map(Token::into_dynamic),
            "",
        ),
        (
            "short pat without prefix",
            Token::pat("abc").map(Token::into_dynamic),
            "abc",
        ),
        (
            "pat without prefix",
            Token::pat(&PAT[4..]).map(Token::into_dynamic),
            "",
        ),
        (
            "another pat without prefix",
            Token::pat("abcdefghijkl0123456789").map(Token::into_dynamic),
            "abcdefghijkl0123456789",
        ),
        // Only the prefix: the message names the prefix, which is no secret.
        (
            "pat prefix only",
            Token::pat("pat_").map(Token::into_dynamic),
            "",
        ),
        ("prefix only", Token::new("pat_"), ""),
        ("trailing newline", Token::new(format!("{PAT}\n")), PAT),
        ("crlf", Token::new(format!("{PAT}\r\n")), ""),
        ("leading space", Token::new(format!(" {PAT}")), PAT),
        (
            "inner space",
            Token::new(format!("{} {}", &PAT[..20], &PAT[20..])),
            "",
        ),
        (
            "inner space after the mask",
            Token::new("pat_kcnlto8e01zg 3frarz8l1kvenmhqvtqzjmfnxdvh"),
            "01zg 3frar",
        ),
        ("trailing tab", Token::new(format!("{API_TOKEN}\t")), ""),
        (
            "inner tab",
            Token::new("abc123\tdef456ghi789"),
            "abc123\tdef456ghi789",
        ),
        ("trailing non-ascii", Token::new(format!("{PAT}é")), ""),
        (
            "inner non-ascii",
            Token::new("pat_kcnlto8e01zgé3frarz8l1kvenmhq"),
            "kcnlto8e01zgé3fr",
        ),
        (
            "api token declared pat",
            Token::pat(API_TOKEN).map(Token::into_dynamic),
            API_TOKEN,
        ),
        (
            "pat declared api token",
            Token::api_token(PAT).map(Token::into_dynamic),
            PAT,
        ),
    ];
    for (what, result, part) in tokens {
        assert_refused(what, result, part);
    }
    let hook_ids = [
        ("empty hookId", HookId::new(""), ""),
        ("hookId with crlf", HookId::new(format!("{HOOK}\r\n")), HOOK),
        (
            "hookId with a header injection",
            HookId::new("bhdwxdpdkn\r\nX-Evil: 1"),
            "bhdwxdpdkn",
        ),
        (
            "hookId with a space",
            HookId::new("bhdwx dpdkndpzolyttqf"),
            "bhdwx dpdkn",
        ),
    ];
    for (what, result, part) in hook_ids {
        assert_refused(what, result, part);
    }
    let error = CognipeerClient::new(&format!(" {PAT}"), HOOK).unwrap_err();
    assert_error_clean("client new", &error);

    // The constructors accept the right kinds.
    assert_eq!(Token::pat(PAT).unwrap().mode(), AuthMode::Pat);
    assert_eq!(
        Token::api_token(API_TOKEN).unwrap().mode(),
        AuthMode::ApiToken
    );
    assert_eq!(HookId::new(HOOK).unwrap().as_str(), HOOK);
}

#[test]
fn config_errors_hide_the_token() {
    let error = builder(PAT).base_url("not a url").build().unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert_error_clean("bad base url", &error);

    let error = builder(PAT)
        .base_url(UNUSED_BASE_URL)
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
    clear_env();
}

#[tokio::test]
async fn auth_mode_error_hides_the_token() {
    // A dynamic client (`builder` reads the kind from `Token::new`): on a typed API-token client
    // these calls do not compile, so only a dynamic one meets `AuthModeNotAccepted` at run time.
    let client = builder(API_TOKEN)
        .base_url(UNUSED_BASE_URL)
        .build()
        .unwrap();
    for error in [
        client.users().get().send().await.unwrap_err(),
        client.peers().get().send().await.unwrap_err(),
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
    // Answers chosen so that every API-derived variant comes out of one operation each.
    for (verb, route, response) in [
        (
            "GET",
            "/sdk/user",
            json_response(401, json!({"message": "Unauthorized"})),
        ),
        (
            "GET",
            "/sdk/peer",
            json_response(401, json!({"message": "Invalid token"})),
        ),
        (
            "POST",
            "/sdk/contact/list",
            json_response(404, json!({"error": "Channel not found"})),
        ),
        (
            "PATCH",
            "/sdk/contact",
            raw_response(500, "<html><h1>Oops</h1></html>", "text/html"),
        ),
        (
            "GET",
            "/sdk/contact",
            json_response(200, json!({"success": false, "error": "Contact not found"})),
        ),
        (
            "POST",
            "/sdk/contact",
            raw_response(200, "{\"_id\": 1,", "application/json"),
        ),
    ] {
        mount_once(&server, on(verb, route), response).await;
    }

    let client = builder_for(&server, PAT).build().unwrap();
    let contacts = client.contacts();
    let cases = [
        (
            "unauthorized",
            client.users().get().send().await.unwrap_err(),
        ),
        (
            "invalid token",
            client.peers().get().send().await.unwrap_err(),
        ),
        (
            "channel not found",
            contacts.list().send().await.unwrap_err(),
        ),
        (
            "api",
            contacts
                .update(ContactChanges::new().with_name("A"))
                .email("a@example.com")
                .send()
                .await
                .unwrap_err(),
        ),
        (
            "unsuccessful",
            contacts
                .get()
                .email("a@example.com")
                .send()
                .await
                .unwrap_err(),
        ),
        ("decode", contacts.create().send().await.unwrap_err()),
    ];
    let variants: Vec<String> = cases
        .iter()
        .map(|(what, error)| {
            assert_error_clean(what, error);
            variant(error)
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
    mount_once(
        &server,
        on("GET", "/sdk/user"),
        json_response(200, json!({"_id": "u", "email": "e"})).set_delay(Duration::from_millis(300)),
    )
    .await;

    let client = builder_for(&server, PAT)
        .timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let error = client.users().get().send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_error_clean("timeout", &error);
}

#[tokio::test]
async fn transport_error_hides_the_token() {
    let addr = closed_port();
    for token in [PAT, API_TOKEN] {
        let client = builder(token)
            .base_url(format!("http://{addr}"))
            .build()
            .unwrap();
        let error = client.contacts().create().send().await.unwrap_err();
        assert!(matches!(error, Error::Transport { .. }), "{error:?}");
        assert_error_clean("transport", &error);
    }
}

#[tokio::test]
async fn echoed_token_in_error_body_is_redacted() {
    let server = MockServer::start().await;
    mount_once(
        &server,
        on("GET", "/sdk/peer"),
        raw_response(
            401,
            &format!("<html><pre>Authorization: Bearer {PAT}</pre> rejected</html>"),
            "text/html",
        ),
    )
    .await;
    mount_once(
        &server,
        on("GET", "/sdk/user"),
        raw_response(
            200,
            &format!("{{\"token\": \"{PAT}\", "),
            "application/json",
        ),
    )
    .await;

    let client = builder_for(&server, PAT).build().unwrap();
    let error = client.peers().get().send().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_error_clean("echoed in 401 body", &error);
    let error = client.users().get().send().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert_error_clean("echoed in decode snippet", &error);
}
