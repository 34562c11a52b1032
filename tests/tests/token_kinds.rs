//! Token kinds as types, on the wire (`placements-sdk`, whose `accounts` resource has one
//! operation per token kind): a typed client sends what its kind may call exactly as a dynamic
//! client does; a dynamic client still refuses the other kind's operation before sending;
//! `typed()` and `Token::typed()` check the kind. What a typed client may not call does not
//! compile: `tests/compile_fail/`.

mod common;

use common::{assert_nothing_sent, header_values, on, received, ACME_KEY, CHANNEL};
use placements_sdk::{kind, AcmeClient, AuthMode, Error, HookId, Token};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

const APP_TOKEN: &str = "app-5f0c2a9e7d1b4c3a";

fn client<K: kind::TokenKind>(server: &MockServer, token: Token<K>) -> AcmeClient<K> {
    AcmeClient::builder(token, HookId::new(CHANNEL).unwrap())
        .base_url(server.uri())
        .no_timeout()
        .build()
        .unwrap()
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    on("GET", "/accounts/me")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(&server)
        .await;
    on("GET", "/accounts/app")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn typed_clients_send_their_kinds_operations_as_dynamic_clients_do() {
    let server = server().await;
    let key = client(&server, Token::key(ACME_KEY).unwrap());
    let app = client(&server, Token::app(APP_TOKEN).unwrap());
    let dynamic = client(&server, Token::new(ACME_KEY).unwrap());
    assert_eq!(key.accounts().me().send().await.unwrap().ok, Some(true));
    assert_eq!(app.accounts().app().send().await.unwrap().ok, Some(true));
    assert_eq!(dynamic.accounts().me().send().await.unwrap().ok, Some(true));

    let sent = received(&server).await;
    assert_eq!(sent.len(), 3);
    let credentials: Vec<(String, Vec<String>, Vec<String>)> = sent
        .iter()
        .map(|r| {
            (
                r.url.path().to_owned(),
                header_values(r, "X-Api-Key"),
                header_values(r, "X-Channel"),
            )
        })
        .collect();
    assert_eq!(
        credentials,
        [
            ("/accounts/me", ACME_KEY),
            ("/accounts/app", APP_TOKEN),
            ("/accounts/me", ACME_KEY)
        ]
        .map(|(path, token)| (
            path.to_owned(),
            vec![token.to_owned()],
            vec![CHANNEL.to_owned()]
        ))
    );
    // The typed and the dynamic client send the same request, byte for byte.
    assert_eq!(sent[0].headers, sent[2].headers);
    assert_eq!(sent[0].body, sent[2].body);
}

#[tokio::test]
async fn a_dynamic_client_refuses_another_kinds_operation_before_sending() {
    let server = MockServer::start().await;
    // `Token::new` reads the kind at run time, so every operation compiles and is checked.
    let dynamic = client(&server, Token::new(APP_TOKEN).unwrap());
    let error = dynamic.accounts().me().send().await.unwrap_err();
    match &error {
        Error::AuthModeNotAccepted {
            operation,
            mode,
            accepted,
        } => {
            assert_eq!(*operation, "accounts.me");
            assert_eq!(*mode, AuthMode::App);
            assert_eq!(*accepted, &[AuthMode::Key]);
        }
        other => panic!("expected AuthModeNotAccepted, got {other:?}"),
    }
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn typed_checks_the_kind_and_dynamic_goes_back() {
    let server = server().await;
    let dynamic = client(&server, Token::new(ACME_KEY).unwrap());
    let key: AcmeClient<kind::Key> = dynamic.typed().unwrap();
    assert_eq!(key.accounts().me().send().await.unwrap().ok, Some(true));
    let error = dynamic.typed::<kind::App>().unwrap_err();
    assert!(
        matches!(&error, Error::InvalidCredential(m) if m.contains("a user key, not an app token")),
        "{error}"
    );
    assert!(!error.to_string().contains(ACME_KEY), "{error}");
    // Back to dynamic: every operation again, checked before sending.
    let back: AcmeClient = key.dynamic();
    assert!(matches!(
        back.accounts().app().send().await,
        Err(Error::AuthModeNotAccepted { .. })
    ));
    assert_eq!(received(&server).await.len(), 1);
}

#[test]
fn tokens_are_typed_by_their_constructor_and_checked_by_typed() {
    let key: Token<kind::Key> = Token::key(ACME_KEY).unwrap();
    assert_eq!(key.mode(), AuthMode::Key);
    let dynamic: Token = key.clone().into_dynamic();
    assert_eq!(dynamic.mode(), AuthMode::Key);
    assert_eq!(format!("{key:?}"), format!("{dynamic:?}"));
    assert!(!format!("{key:?} {key}").contains(ACME_KEY));
    assert!(Token::new(ACME_KEY).unwrap().typed::<kind::Key>().is_ok());
    assert!(Token::new(ACME_KEY)
        .unwrap()
        .typed::<kind::Dynamic>()
        .is_ok());
    let error = Token::new(APP_TOKEN)
        .unwrap()
        .typed::<kind::Key>()
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidCredential(m) if m.contains("an app token, not a user key")),
        "{error}"
    );
    assert!(!error.to_string().contains(APP_TOKEN));
}
