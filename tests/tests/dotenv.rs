//! `CognipeerClient::from_env()` with the `dotenv` feature: a `.env` file in the current
//! directory is read, and variables already set in the environment win over it.
//!
//! Its own test binary with a single test, because it changes the process's current
//! directory and environment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cognipeer_sdk::{CognipeerClient, Error};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_ENV: &str = "COGNIPEER_TOKEN";
const HOOK_ENV: &str = "COGNIPEER_HOOK_ID";
const BASE_URL_ENV: &str = "COGNIPEER_BASE_URL";

/// The token only the `.env` file has.
const DOTENV_TOKEN: &str = "pat_kcnlto8e01zg3frarz8l1kvenmhqvtqzjmfnxdvh";
/// The hookId in the `.env` file, which the environment overrides.
const DOTENV_HOOK: &str = "hook-from-dotenv-file";
/// The hookId already set in the environment.
const ENV_HOOK: &str = "hook-from-real-environment";

#[tokio::test]
async fn from_env_reads_dotenv_but_the_environment_wins() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sdk/peer"))
        .and(header(
            "Authorization",
            format!("Bearer {DOTENV_TOKEN}").as_str(),
        ))
        .and(header("X-Hook-Id", ENV_HOOK))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "_id": "peer-1", "name": "Support", "modelId": "gpt-4o", "prompt": "Be kind."
        })))
        .expect(1)
        .mount(&server)
        .await;

    let original_dir = std::env::current_dir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "# written by the dotenv test\n\
             {TOKEN_ENV}={DOTENV_TOKEN}\n\
             {HOOK_ENV}={DOTENV_HOOK}\n\
             {BASE_URL_ENV}=\"{}/\"\n",
            server.uri()
        ),
    )
    .unwrap();

    // Only the hookId is set in the real environment; the token and base URL must come from
    // the file (and must not leak in from the machine running the tests).
    std::env::remove_var(TOKEN_ENV);
    std::env::remove_var(BASE_URL_ENV);
    std::env::set_var(HOOK_ENV, ENV_HOOK);
    std::env::set_current_dir(dir.path()).unwrap();

    let result = CognipeerClient::from_env();

    let client = result.unwrap();
    assert_eq!(
        client.base_url(),
        server.uri(),
        "the base URL comes from .env"
    );
    assert_eq!(
        std::env::var(HOOK_ENV).unwrap(),
        ENV_HOOK,
        ".env overwrote the environment"
    );
    let peer = client.peers().get().await.unwrap();
    assert_eq!(peer.name, "Support");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].headers.get("x-hook-id").unwrap(), ENV_HOOK);
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        format!("Bearer {DOTENV_TOKEN}").as_str()
    );

    // A malformed .env is a configuration error, not silently ignored.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join(".env"),
        "COGNIPEER_TOKEN=\"unterminated\nthis line is not an assignment\n",
    )
    .unwrap();
    std::env::set_current_dir(broken.path()).unwrap();

    let result = CognipeerClient::from_env();

    std::env::set_current_dir(&original_dir).unwrap();
    match result {
        Err(Error::Config(message)) => {
            assert!(message.contains(".env"), "{message}");
        }
        other => panic!("expected Error::Config for a malformed .env, got {other:?}"),
    }
}
