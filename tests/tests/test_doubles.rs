//! The test doubles of the `test-util` feature (`mock::Mocks`), as a user's tests would use
//! them, on the placements crate (every hookId placement, both token kinds, query and body
//! paging) and on `cognipeer-sdk` (envelopes, error classes, the tool loop): answers of every
//! kind, matching on typed inputs, sequences, call records, and the spec's rules (token kind,
//! preconditions, path, hookId) enforced before any rule is asked. No socket is opened.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::future::Future;
use std::time::Duration;

use common::{variant, ACME_KEY, CHANNEL, HOOK, PAT};
use placements_sdk::mock::{Answer, Mocks};
use placements_sdk::models::{Echo, Item};
use placements_sdk::{
    kind, AcmeClient, AuthMode, Error, HookId, RequestOptions, RetryPolicy, Token,
};
use serde_json::json;

const APP_TOKEN: &str = "app-5f0c2a9e7d1b4c3a";

/// A placements client answered by `mocks`, retrying at once.
fn acme<K: kind::TokenKind>(mocks: &Mocks, token: Token<K>) -> AcmeClient<K> {
    AcmeClient::builder(token, HookId::new(CHANNEL).unwrap())
        .mock(mocks)
        .retry(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        })
        .build()
        .unwrap()
}

fn key_client(mocks: &Mocks) -> AcmeClient {
    acme(mocks, Token::new(ACME_KEY).unwrap())
}

fn echo(ok: bool) -> Echo {
    Echo::new().with_ok(ok)
}

/// The panic message of a future that must panic.
async fn panic_message(call: impl Future<Output = ()> + Send + 'static) -> String {
    let error = tokio::spawn(call)
        .await
        .expect_err("the call should fail the test");
    let payload = error.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[tokio::test]
async fn a_rule_answers_with_its_output_and_records_the_typed_input() {
    let mocks = Mocks::new();
    let rule = mocks
        .items()
        .by_body()
        .matching(|input| input.body.name == "lamp")
        .returns(echo(true));
    let client = key_client(&mocks);

    let answer = client.items().by_body("lamp").size(3).send().await.unwrap();

    assert_eq!(answer.ok, Some(true));
    assert_eq!(rule.num_calls(), 1);
    let call = rule.last_call().unwrap();
    assert_eq!(call.input.body, Item::new("lamp").with_size(3));
    // The hookId is taken out of the body and recorded apart.
    assert_eq!(
        call.request.body(),
        Some(&json!({ "name": "lamp", "size": 3 }))
    );
    assert_eq!(call.request.hook_id().map(HookId::as_str), Some(CHANNEL));
    assert_eq!(call.request.token_kind(), AuthMode::Key);
    assert_eq!(call.request.operation(), "items.by_body");
    assert_eq!(call.request.path(), "/items");
}

#[tokio::test]
async fn rules_are_asked_in_order_and_matchers_choose_between_them() {
    let mocks = Mocks::new();
    let small = mocks
        .items()
        .by_query()
        .matching(|input| input.query.size == Some(1))
        .returns(echo(false));
    let any = mocks.items().by_query().returns(echo(true));
    let client = key_client(&mocks);

    let first = client.items().by_query().size(1).send().await.unwrap();
    let second = client.items().by_query().size(2).send().await.unwrap();
    let third = client.items().by_query().send().await.unwrap();

    assert_eq!(
        [first.ok, second.ok, third.ok],
        [Some(false), Some(true), Some(true)]
    );
    assert_eq!((small.num_calls(), any.num_calls()), (1, 2));
    let sizes: Vec<Option<i64>> = any.calls().iter().map(|c| c.input.query.size).collect();
    assert_eq!(sizes, [Some(2), None]);
}

#[tokio::test]
async fn a_sequence_answers_in_turn_then_is_used_up() {
    let mocks = Mocks::new();
    let rule = mocks
        .items()
        .by_header()
        .matching(|input| input.id == "a")
        .once(Answer::status(404, json!({ "message": "no such item" })))
        .times(2, Answer::ok(echo(true)))
        .build();
    let fallback = mocks.items().by_header().returns(echo(false));
    let client = key_client(&mocks);

    let first = client.items().by_header("a").send().await.unwrap_err();
    assert!(
        matches!(&first, Error::Api(api) if api.status() == 404),
        "{first:?}"
    );
    assert_eq!(
        first.api_error().and_then(|a| a.message()),
        Some("no such item")
    );
    for _ in 0..2 {
        assert_eq!(
            client.items().by_header("a").send().await.unwrap().ok,
            Some(true)
        );
    }
    assert!(rule.is_exhausted());
    // Used up, the rule lets the next one answer.
    assert_eq!(
        client.items().by_header("a").send().await.unwrap().ok,
        Some(false)
    );
    assert_eq!((rule.num_calls(), fallback.num_calls()), (3, 1));
}

#[tokio::test]
async fn verify_fails_the_test_when_a_rule_was_not_used_up() {
    let mocks = Mocks::new();
    let answers = [true, false, true].map(|ok| Answer::ok(echo(ok)));
    let script = mocks.items().without_hook().in_turn(answers).build();
    let _never = mocks.items().by_query().returns(echo(true));
    let client = key_client(&mocks);
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(client.items().without_hook().send().await.unwrap().ok);
    }
    assert_eq!(seen, [Some(true), Some(false)]);
    assert!(!script.is_exhausted());

    let unused = mocks.clone();
    let message = panic_message(async move { unused.verify() }).await;
    assert!(
        message
            .contains("a rule of `items.without_hook` answered 2 call(s) and has 1 answer(s) left"),
        "{message}"
    );
    assert!(
        message.contains("a rule of `items.by_query` answered no call"),
        "{message}"
    );

    // An unexpected call on a task nobody joins is reported too.
    let on_the_side = key_client(&mocks);
    let _ = tokio::spawn(async move { on_the_side.items().by_header("x").send().await }).await;
    let unseen = mocks.clone();
    let message = panic_message(async move { unseen.verify() }).await;
    assert!(
        message.contains("unexpected call of `items.by_header`"),
        "{message}"
    );

    // Used up, nothing is reported.
    let mocks = Mocks::new();
    let _rule = mocks
        .items()
        .without_hook()
        .once(Answer::ok(echo(true)))
        .build();
    key_client(&mocks)
        .items()
        .without_hook()
        .send()
        .await
        .unwrap();
    mocks.verify();
}

#[tokio::test]
async fn a_call_no_rule_answers_fails_the_test_naming_the_operation_and_its_input() {
    let mocks = Mocks::new();
    let client = key_client(&mocks);
    let message = panic_message(async move {
        let _ = client.items().by_body("chair").size(7).send().await;
    })
    .await;
    assert!(
        message.contains("unexpected call of `items.by_body`"),
        "{message}"
    );
    assert!(message.contains("no rule was declared for it"), "{message}");
    assert!(message.contains(r#""name":"chair""#), "{message}");

    // With rules that do not match, the message shows the typed input.
    let mocks = Mocks::new();
    let _rule = mocks
        .items()
        .by_body()
        .matching(|input| input.body.name == "lamp")
        .returns(echo(true));
    let client = key_client(&mocks);
    let message = panic_message(async move {
        let _ = client.items().by_body("chair").send().await;
    })
    .await;
    assert!(
        message.contains("none of its 1 rule(s) matches"),
        "{message}"
    );
    assert!(message.contains("ItemsByBodyInput"), "{message}");
    assert!(message.contains(r#"name: "chair""#), "{message}");
}

#[tokio::test]
async fn the_client_refuses_what_production_refuses_before_any_rule_is_asked() {
    let mocks = Mocks::new();
    let me = mocks.accounts().me().returns(echo(true));
    let by_header = mocks.items().by_header().returns(echo(true));

    // The token kind: `accounts.me` takes a user key only.
    let app = acme(&mocks, Token::new(APP_TOKEN).unwrap());
    let error = app.accounts().me().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::AuthModeNotAccepted {
                operation: "accounts.me",
                ..
            }
        ),
        "{error:?}"
    );
    // The path: `..` would leave the item's path.
    let error = key_client(&mocks)
        .items()
        .by_header("..")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Precondition {
                operation: "items.by_header",
                ..
            }
        ),
        "{error:?}"
    );

    assert_eq!((me.num_calls(), by_header.num_calls()), (0, 0));
    // A typed client of the right kind gets there.
    let key = acme(&mocks, Token::key(ACME_KEY).unwrap());
    assert_eq!(key.accounts().me().send().await.unwrap().ok, Some(true));
    assert_eq!(me.num_calls(), 1);
}

#[tokio::test]
async fn every_hook_placement_is_checked_and_recorded() {
    let mocks = Mocks::new();
    let header = mocks.items().by_header().returns(echo(true));
    let query = mocks.items().by_query().returns(echo(true));
    let body = mocks.items().by_body().returns(echo(true));
    let map_body = mocks.items().by_map_body().returns(echo(true));
    let none = mocks.items().without_hook().returns(echo(true));
    let client = key_client(&mocks);
    let other =
        client.with_options(RequestOptions::new().hook_id(HookId::new("chan-other").unwrap()));

    client.items().by_header("a").send().await.unwrap();
    other.items().by_query().size(2).send().await.unwrap();
    client.items().by_body("lamp").send().await.unwrap();
    client.items().by_map_body().send().await.unwrap();
    client.items().without_hook().send().await.unwrap();

    let hook = |call: Option<placements_sdk::mock::Request>| {
        call.and_then(|r| r.hook_id().map(|h| h.as_str().to_owned()))
    };
    assert_eq!(
        hook(header.last_call().map(|c| c.request)).as_deref(),
        Some(CHANNEL)
    );
    assert_eq!(
        hook(query.last_call().map(|c| c.request)).as_deref(),
        Some("chan-other")
    );
    assert_eq!(
        hook(body.last_call().map(|c| c.request)).as_deref(),
        Some(CHANNEL)
    );
    assert_eq!(
        hook(map_body.last_call().map(|c| c.request)).as_deref(),
        Some(CHANNEL)
    );
    assert_eq!(hook(none.last_call().map(|c| c.request)), None);
    // Taken out of the query and the body, where the API would read it.
    let query_call = query.last_call().unwrap();
    assert_eq!(query_call.request.query(), "size=2");
    assert_eq!(query_call.input.query.size, Some(2));
    assert_eq!(map_body.last_call().unwrap().input.body, Default::default());
}

#[tokio::test]
async fn a_body_whose_own_hook_field_is_empty_fails_the_test() {
    let mocks = Mocks::new();
    let _rule = mocks.items().by_map_body().returns(echo(true));
    let client = key_client(&mocks);
    let message = panic_message(async move {
        let body = [("channel".to_owned(), json!(""))].into_iter().collect();
        let _ = client.items().by_map_body().body(body).send().await;
    })
    .await;
    assert!(
        message.contains("`items.by_map_body` was sent without a usable hookId in the body field"),
        "{message}"
    );
}

#[tokio::test]
async fn retries_timeouts_and_transport_failures_behave_as_over_http() {
    let mocks = Mocks::new();
    // A PUT is retried after a connection failure or a 503; a POST is not.
    let replace = mocks
        .items()
        .replace()
        .once(Answer::transport_failure("connection reset by peer"))
        .once(Answer::status(503, json!({ "message": "busy" })).header("Retry-After", "0"))
        .returns(echo(true));
    let by_body = mocks
        .items()
        .by_body()
        .answers(Answer::transport_failure("connection reset by peer"));
    let client = key_client(&mocks);

    assert_eq!(
        client.items().replace("a", "lamp").send().await.unwrap().ok,
        Some(true)
    );
    let attempts: Vec<u32> = replace
        .calls()
        .iter()
        .map(|c| c.request.attempt())
        .collect();
    assert_eq!(attempts, [1, 2, 3]);

    let error = client.items().by_body("lamp").send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                operation: "items.by_body",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("connection reset by peer"),
        "{error}"
    );
    assert!(error.is_retryable());
    assert_eq!(by_body.num_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_delay_longer_than_the_timeout_is_a_timeout() {
    let mocks = Mocks::new();
    let _rule = mocks
        .items()
        .without_hook()
        .answers(Answer::ok(echo(true)).after(Duration::from_secs(60)));
    let client = AcmeClient::builder(Token::new(ACME_KEY).unwrap(), HookId::new(CHANNEL).unwrap())
        .mock(&mocks)
        .timeout(Duration::from_secs(2))
        .retry(RetryPolicy::NEVER)
        .build()
        .unwrap();
    let error = client.items().without_hook().send().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { operation: "items.without_hook", after } if after == Duration::from_secs(2)),
        "{error:?}"
    );
    // A delay within the timeout is only a wait.
    let short = client.with_options(RequestOptions::new().timeout(Duration::from_secs(120)));
    assert_eq!(
        short.items().without_hook().send().await.unwrap().ok,
        Some(true)
    );
}

#[tokio::test]
async fn pages_are_served_from_a_list_of_items() {
    let mocks = Mocks::new();
    let items: Vec<Item> = (1..=5).map(|i| Item::new(format!("item-{i}"))).collect();
    let search = mocks.items().search().pages(items.clone());
    let client = key_client(&mocks);

    let all = client
        .items()
        .search()
        .q("x")
        .into_pages()
        .collect()
        .await
        .unwrap();
    assert_eq!(all, items);
    // The spec's default page size (2) is sent, so the list takes three pages.
    let pages: Vec<(Option<i64>, Option<i64>)> = search
        .calls()
        .iter()
        .map(|c| (c.input.query.page, c.input.query.limit))
        .collect();
    assert_eq!(
        pages,
        [(Some(1), Some(2)), (Some(2), Some(2)), (Some(3), Some(2))]
    );

    // `send` gets the page it asks for.
    let page = client
        .items()
        .search()
        .page(2)
        .limit(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.data, items[3..].to_vec());
    assert_eq!((page.total, page.limit), (5, Some(3)));
}

#[tokio::test]
async fn a_thousand_calls_are_all_answered_and_counted() {
    let mocks = Mocks::new();
    let rule = mocks
        .items()
        .by_body()
        .answers_with(|input| Answer::ok(Echo::new().with_ok(input.body.name.len() % 2 == 0)));
    let client = key_client(&mocks);
    let mut even = 0;
    for i in 0..1000 {
        let name = "x".repeat(i % 4 + 1);
        if client.items().by_body(name).send().await.unwrap().ok == Some(true) {
            even += 1;
        }
    }
    assert_eq!((rule.num_calls(), even), (1000, 500));
}

// ---------------------------------------------------------------------------------------
// cognipeer-sdk: envelopes, error classes, the tool loop
// ---------------------------------------------------------------------------------------

mod cognipeer {
    use super::*;
    use cognipeer_sdk::mock::{Answer, ErrorClass, Mocks};
    use cognipeer_sdk::models::{
        Contact, MessageStatus, PendingAction, ResumeMessageResponse, SendMessage,
        SendMessageResponse,
    };
    use cognipeer_sdk::{CognipeerClient, Error, HookId, Token, Tool, ToolRegistry};

    fn client(mocks: &Mocks) -> CognipeerClient {
        CognipeerClient::builder(Token::new(PAT).unwrap(), HookId::new(HOOK).unwrap())
            .mock(mocks)
            .retry(cognipeer_sdk::RetryPolicy::NEVER)
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn outputs_come_through_the_envelope_and_errors_through_their_class() {
        let mocks = Mocks::new();
        let get = mocks
            .contacts()
            .get()
            .matching(|input| input.query.email.as_deref() == Some("a@b.c"))
            .returns(Contact::new("c1", "ws1").with_email("a@b.c"));
        let client = client(&mocks);
        let contact = client.contacts().get().email("a@b.c").send().await.unwrap();
        assert_eq!(
            (contact.id.as_str(), contact.email.as_deref()),
            ("c1", Some("a@b.c"))
        );
        assert_eq!(get.calls()[0].request.query(), "email=a%40b.c");

        // Every error class of the spec comes back as its own variant.
        assert!(!ErrorClass::ALL.is_empty());
        for class in ErrorClass::ALL {
            let mocks = Mocks::new();
            let _rule = mocks.contacts().create().answers(Answer::error(*class));
            let error = super::cognipeer::client(&mocks)
                .contacts()
                .create()
                .send()
                .await
                .unwrap_err();
            assert_eq!(variant(&error), format!("{class:?}"), "{error}");
        }

        // `success: false` in a success status.
        let mocks = Mocks::new();
        let _rule = mocks
            .contacts()
            .create()
            .answers(Answer::unsuccessful("email taken"));
        let error = super::cognipeer::client(&mocks)
            .contacts()
            .create()
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Unsuccessful(api) if api.message() == Some("email taken")),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_body_paged_list_in_a_whole_body_envelope_walks_every_page() {
        let mocks = Mocks::new();
        let contacts: Vec<Contact> = (0..23)
            .map(|i| Contact::new(format!("c{i}"), "ws1"))
            .collect();
        let list = mocks.contacts().list().pages(contacts.clone());
        let all = client(&mocks)
            .contacts()
            .list()
            .into_pages()
            .collect()
            .await
            .unwrap();
        assert_eq!(all, contacts);
        // Page after page of the size the client sends (the spec's default), numbered from 1.
        let calls = list.calls();
        let size = calls[0].input.body.limit.expect("a page size");
        let pages: Vec<(Option<i64>, Option<i64>)> = calls
            .iter()
            .map(|c| (c.input.body.page, c.input.body.limit))
            .collect();
        let expected: Vec<(Option<i64>, Option<i64>)> = (1..=(23 + size - 1) / size)
            .map(|page| (Some(page), Some(size)))
            .collect();
        assert_eq!(pages, expected);
    }

    #[tokio::test]
    async fn preconditions_hold_before_any_rule_is_asked() {
        let mocks = Mocks::new();
        let get = mocks.contacts().get().returns(Contact::new("c1", "ws1"));
        let error = client(&mocks).contacts().get().send().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Precondition {
                    operation: "contacts.get",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(get.num_calls(), 0);
    }

    #[tokio::test]
    async fn the_tool_loop_runs_on_mocked_conversations() {
        let mocks = Mocks::new();
        let action = PendingAction::new(
            "exec-1",
            "get_weather",
            [("city".to_owned(), json!("Oslo"))],
        );
        let send = mocks.conversations().send_message().returns(
            SendMessageResponse::new("conv-1", "msg-1", MessageStatus::ClientToolCall)
                .with_pending_action(action),
        );
        let resume = mocks
            .conversations()
            .resume_message()
            .returns(ResumeMessageResponse::new(
                "conv-1",
                "12 °C in Oslo.",
                "msg-1",
                MessageStatus::Done,
            ));
        let tools = ToolRegistry::new().tool(Tool::new(
            "get_weather",
            |args: serde_json::Value| async move {
                Ok::<_, std::io::Error>(format!(
                    "12 °C in {}",
                    args["city"].as_str().unwrap_or("?")
                ))
            },
        ));

        let outcome = tools
            .send_message(&client(&mocks), "conv-1", &SendMessage::new("Weather?"))
            .await
            .unwrap();

        assert_eq!(outcome.response.content.as_deref(), Some("12 °C in Oslo."));
        let sent = send.last_call().unwrap().input;
        assert_eq!(sent.conversation_id, "conv-1");
        assert_eq!(sent.body.content, "Weather?");
        let tool_names: Vec<String> = sent
            .body
            .client_tools
            .unwrap_or_default()
            .iter()
            .map(|t| t.function.name.clone())
            .collect();
        assert_eq!(tool_names, ["get_weather"]);
        let resumed = resume.last_call().unwrap().input;
        assert_eq!(
            (
                resumed.conversation_id.as_str(),
                resumed.message_id.as_str()
            ),
            ("conv-1", "msg-1")
        );
        assert_eq!(resumed.body.tool_result.output, "12 °C in Oslo");
        assert!(resumed.body.tool_result.success);
    }

    #[tokio::test]
    async fn call_records_never_show_the_token() {
        let mocks = Mocks::new();
        let rule = mocks.contacts().create().returns(Contact::new("c1", "ws1"));
        let client = client(&mocks);
        client
            .contacts()
            .create()
            .email("a@b.c")
            .send()
            .await
            .unwrap();
        let shown = format!("{:?} {:?} {mocks:?} {client:?}", rule.calls(), rule);
        assert!(!shown.contains(&PAT[4..]), "{shown}");
        assert!(!shown.contains(HOOK), "{shown}");
    }
}
