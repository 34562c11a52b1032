//! Property: whatever token the client holds (any character a token may contain) and however a
//! hostile server echoes it (as is or escaped, whole, or cut at any offset by the server, at
//! either end, or by the error's snippet), in every kind of error, no eight characters of it in a row that its
//! mask hides show in `{}`, `{:?}`, `{:#?}` or the tracing output.
//!
//! Each case is a few hundred requests to a server on 127.0.0.1, so CI runs a few cases;
//! `PROPTEST_CASES=500 cargo test -p tests --test redaction` runs more.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cognipeer_sdk::{Error, RetryPolicy, Token};
use common::{
    assert_formats_hidden, assert_hidden, builder_for, capture_tracing, failing_call, hidden_runs,
    raw_response, Call, Scripted, ECHO_FORMS, ERROR_KINDS,
};
use proptest::prelude::*;

/// What a token may hold past its prefix: visible ASCII.
fn secret_part() -> impl Strategy<Value = String> {
    proptest::collection::vec(0x21u8..=0x7e, 6..48)
        .prop_map(|bytes| String::from_utf8(bytes).expect("visible ASCII is UTF-8"))
}

/// A personal access token (`pat_…`) or an API token (no prefix).
fn tokens() -> impl Strategy<Value = String> {
    (any::<bool>(), secret_part())
        .prop_map(|(pat, part)| if pat { format!("pat_{part}") } else { part })
}

/// The error snippet keeps this many characters of a body.
const SNIPPET: usize = 200;

/// Every error the server can provoke with `token` echoed, checked as it comes.
async fn check_every_echo(token: &str) {
    let scripted = Scripted::start().await;
    // One retry without waiting, so that retried answers are logged too.
    let retry_once = RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };
    let client = builder_for(&scripted.server, token)
        .retry(retry_once)
        .build()
        .unwrap();
    let runs = hidden_runs(token, Token::new(token).unwrap().masked());
    let (captured, guard) = capture_tracing();
    let check = |what: String, error: Error| assert_formats_hidden(&what, &runs, &error);
    for (form, escape) in ECHO_FORMS {
        let echo = escape(token);
        for kind in ERROR_KINDS {
            scripted.reply(kind.response(&echo));
            let error = failing_call(&client, kind.call).await;
            check(format!("{} echoed {form}", kind.name), error);
        }
        for offset in 0..=echo.len() {
            let (kept, _) = echo.split_at(offset);
            // The server cuts its answer `offset` characters into the echo.
            scripted.reply(raw_response(
                400,
                &format!("bad bearer {kept}"),
                "text/plain",
            ));
            let error = failing_call(&client, Call::Contact).await;
            check(format!("{form} echo cut by the server at {offset}"), error);
            // The server's text starts `offset` characters into the echo.
            let (_, rest) = echo.split_at(offset);
            scripted.reply(raw_response(
                400,
                &format!("{rest} is not a bearer"),
                "text/plain",
            ));
            let error = failing_call(&client, Call::Contact).await;
            check(format!("{form} echo starting at {offset}"), error);
            // The snippet of a malformed body cuts it there.
            if let Some(filler) = SNIPPET.checked_sub(offset) {
                let body = format!("{}{echo}", "x".repeat(filler));
                scripted.reply(raw_response(200, &body, "application/json"));
                let error = failing_call(&client, Call::Contact).await;
                assert!(matches!(error, Error::Decode { .. }), "{error:?}");
                check(format!("{form} echo cut by the snippet at {offset}"), error);
            }
        }
    }
    drop(guard);
    assert_hidden(&format!("tracing with {token:?}"), &runs, &captured.text());
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(8),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_hidden_run_of_the_token_ever_shows(token in tokens()) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(check_every_echo(&token));
    }
}
