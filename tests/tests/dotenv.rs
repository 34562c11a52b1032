//! `CognipeerClient::from_env()` with the `dotenv` feature: a `.env` file in the current
//! directory is read, and variables already set in the environment win over it.
//!
//! Its own test binary with a single test, because it changes the process's current
//! directory and environment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognipeer_sdk::{CognipeerClient, Error};
use common::{
    json_response, mount_once, on, received, short_peer_json, BASE_URL_ENV, HOOK_ENV, PAT,
    TOKEN_ENV,
};
use wiremock::MockServer;

/// The token only the `.env` file has.
const DOTENV_TOKEN: &str = PAT;
/// The hookId in the `.env` file, which the environment overrides.
const DOTENV_HOOK: &str = "hook-from-dotenv-file";
/// The hookId already set in the environment.
const ENV_HOOK: &str = "hook-from-real-environment";

#[tokio::test]
async fn from_env_reads_dotenv_but_the_environment_wins() {
    let server = MockServer::start().await;
    // Which credentials won is checked on the request below.
    let answer = json_response(200, short_peer_json());
    mount_once(&server, on("GET", "/sdk/peer"), answer).await;

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
    let peer = client.peers().get().send().await.unwrap();
    assert_eq!(peer.name, "Support");
    let requests = received(&server).await;
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
