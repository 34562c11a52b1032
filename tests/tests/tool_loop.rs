//! Tests of the client-tool loop (`ToolRegistry`, the hand-written `tool_loop` module of
//! `cognipeer-sdk`).
//!
//! The loop's logic runs on the SDK's typed test doubles (`cognipeer_sdk::mock`): the real
//! client, built with `.mock(&mocks)` and its default retry policy, with rules answering the
//! conversation calls in place of the API. Those tests read what the loop sent from the typed
//! inputs the rules recorded (the first body and its `clientTools`, each resume's message and
//! `toolResult`): tools run in turn until the answer is done; unknown tools, failing,
//! panicking and slow handlers are answered with `success: false` and the loop goes on; the
//! round limit; a failed resume (not retried) keeps the runs; a tool that cannot be offered
//! stops the loop before anything is sent; dropping the loop stops its tool and sends nothing
//! more; a client typed by its token kind sends what a dynamic one sends.
//!
//! What only the wire shows stays on a scripted wiremock peer on 127.0.0.1, over real HTTP:
//! the token on every resume (a double keeps only the token's kind) with the hookId and the
//! request options of the first call, and the logs of whole exchanges, transport included,
//! which show neither the arguments nor the token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognipeer_sdk::mock::{Answer, Mocks, Rule};
use cognipeer_sdk::models::{
    ClientFunction, ClientFunctionParameters, ClientTool, ClientToolType, CreateConversation,
    CreateConversationResponse, MessageStatus, PendingAction, ResumeMessageResponse, SendMessage,
    SendMessageResponse, ToolResult,
};
use cognipeer_sdk::resources::conversations::{
    ConversationsResumeMessageInput as ResumeInput, ConversationsSendMessageInput as SendInput,
};
use cognipeer_sdk::{
    ApiError, CognipeerClient, HookId, RequestOptions, Token, Tool, ToolLoopError, ToolRegistry,
    ToolStatus,
};
use common::{
    assert_formats_hidden, assert_hidden, builder, builder_for, capture_tracing, header_values,
    hidden_runs, ok_json, on, received, tree, HOOK, PAT,
};
use serde_json::{json, Value};
use wiremock::MockServer;

const CONVERSATION: &str = "conv-1";
const MESSAGE: &str = "msg-1";
const SEND: &str = "/sdk/conversation/conv-1/message";
const RESUME: &str = "/sdk/conversation/conv-1/message/msg-1/resume";

// ---------------------------------------------------------------------------------------
// the peer's answers
// ---------------------------------------------------------------------------------------

/// The peer's call of client tool `tool` (execution `execution`) with `args`.
fn action(tool: &str, execution: &str, args: Value) -> PendingAction {
    PendingAction::new(execution, tool, tree(args))
}

/// A first answer waiting for `action`.
fn asks(action: PendingAction) -> SendMessageResponse {
    SendMessageResponse::new(CONVERSATION, MESSAGE, MessageStatus::ClientToolCall)
        .with_pending_action(action)
}

/// A resume's answer waiting for `action` (a chained call).
fn asks_again(action: PendingAction) -> ResumeMessageResponse {
    ResumeMessageResponse::new(CONVERSATION, "", MESSAGE, MessageStatus::ClientToolCall)
        .with_pending_action(action)
}

/// A resume's finished answer.
fn done(content: &str) -> ResumeMessageResponse {
    ResumeMessageResponse::new(CONVERSATION, content, MESSAGE, MessageStatus::Done)
}

fn message() -> SendMessage {
    SendMessage::new("What is the weather in Oslo?")
}

// ---------------------------------------------------------------------------------------
// the peer as test doubles
// ---------------------------------------------------------------------------------------

/// Doubles where the message is answered with `first` and the resumes with `resumes` in turn;
/// a second message or one resume more fails the test as an unexpected call.
fn scripted(
    first: SendMessageResponse,
    resumes: Vec<ResumeMessageResponse>,
) -> (Mocks, Rule<SendInput>, Rule<ResumeInput>) {
    let mocks = Mocks::new();
    let send = mocks
        .conversations()
        .send_message()
        .once(Answer::ok(first))
        .build();
    let resume = mocks
        .conversations()
        .resume_message()
        .in_turn(resumes.into_iter().map(Answer::ok))
        .build();
    (mocks, send, resume)
}

/// The client under test, on `mocks` (with the default retry policy, as in production).
fn mocked(mocks: &Mocks) -> CognipeerClient {
    builder(PAT).mock(mocks).build().unwrap()
}

/// The `toolResult` of every resume, in order; each resume must be of [`MESSAGE`] in
/// [`CONVERSATION`].
fn tool_results(resume: &Rule<ResumeInput>) -> Vec<ToolResult> {
    resume
        .calls()
        .into_iter()
        .map(|call| {
            let resumed = (
                call.input.conversation_id.as_str(),
                call.input.message_id.as_str(),
            );
            assert_eq!(resumed, (CONVERSATION, MESSAGE), "the message resumed");
            call.input.body.tool_result
        })
        .collect()
}

/// A successful tool result.
fn succeeded(execution: &str, output: impl Into<String>) -> ToolResult {
    ToolResult::new(execution, true, output)
}

/// A failed tool result: no output, and why.
fn failed(execution: &str, error: &str) -> ToolResult {
    ToolResult::new(execution, false, "").with_error(error)
}

// ---------------------------------------------------------------------------------------
// the peer over HTTP
// ---------------------------------------------------------------------------------------

/// A wiremock peer where `POST SEND` answers `first` (once) and the resumes answer `resumes`
/// in turn, the last one repeated.
async fn peer(first: SendMessageResponse, resumes: Vec<ResumeMessageResponse>) -> MockServer {
    let server = MockServer::start().await;
    on("POST", SEND)
        .respond_with(ok_json(&json!(first)))
        .expect(1)
        .mount(&server)
        .await;
    let last = resumes.len() - 1;
    for (i, answer) in resumes.iter().enumerate() {
        // The first mounted mock that still matches answers.
        let mock = on("POST", RESUME).respond_with(ok_json(&json!(answer)));
        let mock = if i < last {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.mount(&server).await;
    }
    server
}

fn client(server: &MockServer) -> CognipeerClient {
    builder_for(server, PAT).build().unwrap()
}

// ---------------------------------------------------------------------------------------
// tools
// ---------------------------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Weather {
    city: String,
}

fn weather_schema() -> Value {
    json!({
        "type": "object",
        "properties": { "city": { "type": "string", "description": "The city." } },
        "required": ["city"]
    })
}

/// A typed tool answering with a JSON object.
fn weather_tool() -> Tool {
    Tool::typed("get_weather", |w: Weather| async move {
        Ok::<_, String>(json!({ "city": w.city, "celsius": 21 }))
    })
    .description("The current weather in a city.")
    .parameters(weather_schema())
}

/// [`weather_tool`] as the registry offers it in `clientTools`.
fn weather_offered() -> ClientTool {
    let properties = tree(weather_schema()["properties"].clone());
    let parameters =
        ClientFunctionParameters::new("object", properties).with_required(vec!["city".into()]);
    let function = ClientFunction::new("get_weather", parameters)
        .with_description("The current weather in a city.");
    ClientTool::new(ClientToolType::Function, function)
}

/// A tool without parameters answering with text.
fn time_tool() -> Tool {
    Tool::new("get_time", |_: Value| async { Ok::<_, String>("12:00") })
}

/// [`time_tool`] as the registry offers it: no description, an object without properties.
fn time_offered() -> ClientTool {
    let parameters = ClientFunctionParameters::new("object", BTreeMap::new());
    ClientTool::new(
        ClientToolType::Function,
        ClientFunction::new("get_time", parameters),
    )
}

async fn fail(_: Value) -> Result<Value, String> {
    Err("the database is down".into())
}

async fn explode(_: Value) -> Result<Value, String> {
    panic!("the tool exploded")
}

fn explode_on_call(_: Value) -> std::future::Ready<Result<Value, String>> {
    panic!("the call exploded")
}

async fn never(_: Value) -> Result<Value, String> {
    std::future::pending().await
}

// ---------------------------------------------------------------------------------------
// the loop, on test doubles
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn two_tools_run_in_turn_then_the_answer_is_returned() {
    let (mocks, send, resume) = scripted(
        asks(action("get_weather", "exec-1", json!({ "city": "Oslo" }))),
        vec![
            asks_again(action("get_time", "exec-2", json!({}))),
            done("21 °C in Oslo at noon."),
        ],
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let (on_start, on_end) = (Arc::clone(&events), Arc::clone(&events));
    let tools = ToolRegistry::new()
        .tool(weather_tool())
        .tool(time_tool())
        .on_tool_start(move |name, args| {
            on_start
                .lock()
                .unwrap()
                .push(format!("start {name} {}", json!(args)))
        })
        .on_tool_end(move |run| {
            let status = run.status.as_str();
            on_end
                .lock()
                .unwrap()
                .push(format!("end {} {status}", run.name))
        });

    let outcome = tools
        .send_message(&mocked(&mocks), CONVERSATION, &message())
        .await
        .unwrap();

    assert_eq!(
        outcome.response.content.as_deref(),
        Some("21 °C in Oslo at noon.")
    );
    assert_eq!(outcome.response.status, MessageStatus::Done);
    assert_eq!(outcome.response.pending_action, None);
    let runs: Vec<(&str, ToolStatus)> = outcome
        .runs
        .iter()
        .map(|r| (r.name.as_str(), r.status))
        .collect();
    assert_eq!(
        runs,
        [
            ("get_weather", ToolStatus::Succeeded),
            ("get_time", ToolStatus::Succeeded)
        ]
    );
    assert_eq!(outcome.runs[0].arguments, tree(json!({ "city": "Oslo" })));
    assert_eq!(
        *events.lock().unwrap(),
        [
            r#"start get_weather {"city":"Oslo"}"#,
            "end get_weather succeeded",
            "start get_time {}",
            "end get_time succeeded",
        ]
    );

    // The registry wrote the tools once; they go out as `clientTools` of the message.
    let sent = send.calls();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].input.conversation_id, CONVERSATION);
    assert_eq!(
        sent[0].input.body,
        message().with_client_tools(vec![weather_offered(), time_offered()])
    );
    // A JSON output is sent as JSON text, a text output as is.
    assert_eq!(
        tool_results(&resume),
        [
            succeeded(
                "exec-1",
                json!({ "city": "Oslo", "celsius": 21 }).to_string()
            ),
            succeeded("exec-2", "12:00"),
        ]
    );
}

#[tokio::test]
async fn an_unknown_tool_is_answered_with_a_failure_and_the_loop_goes_on() {
    let mocks = Mocks::new();
    let create = mocks.conversations().create().once(Answer::ok(
        CreateConversationResponse::new(CONVERSATION, "peer-1")
            .with_message_id(MESSAGE)
            .with_status(MessageStatus::ClientToolCall)
            .with_pending_action(action("launch_rockets", "exec-9", json!({ "count": 3 }))),
    ));
    let create = create.build();
    let resume = mocks
        .conversations()
        .resume_message()
        .once(Answer::ok(done("I cannot launch rockets.")))
        .build();
    let tools = ToolRegistry::new().tool(time_tool());
    let body = CreateConversation::new().with_contact_id("contact-1");

    let outcome = tools.create(&mocked(&mocks), &body).await.unwrap();

    assert_eq!(outcome.response.conversation_id, CONVERSATION);
    assert_eq!(
        outcome.response.content.as_deref(),
        Some("I cannot launch rockets.")
    );
    assert_eq!(outcome.response.status, Some(MessageStatus::Done));
    assert_eq!(outcome.runs.len(), 1);
    assert_eq!(outcome.runs[0].name, "launch_rockets");
    assert_eq!(outcome.runs[0].status, ToolStatus::UnknownTool);
    assert_eq!(outcome.runs[0].arguments, tree(json!({ "count": 3 })));
    assert_eq!(
        tool_results(&resume),
        [failed(
            "exec-9",
            "unknown tool `launch_rockets`; this client offers `get_time`"
        )]
    );
    let created = create.calls();
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].input.body,
        body.with_client_tools(vec![time_offered()]),
        "the caller's body is kept, the registry's tools added"
    );
}

#[tokio::test]
async fn a_client_typed_by_its_token_kind_runs_the_loop_as_a_dynamic_one_does() {
    let tools = ToolRegistry::new().tool(time_tool());
    let mut sent = Vec::new();
    for typed in [true, false] {
        let (mocks, send, resume) = scripted(
            asks(action("get_time", "exec-1", json!({}))),
            vec![done("It is noon.")],
        );
        let outcome = if typed {
            // `Token::pat` gives a `CognipeerClient<kind::Pat>`, which may send and resume.
            let client =
                CognipeerClient::builder(Token::pat(PAT).unwrap(), HookId::new(HOOK).unwrap())
                    .mock(&mocks)
                    .build()
                    .unwrap();
            tools.send_message(&client, CONVERSATION, &message()).await
        } else {
            tools
                .send_message(&mocked(&mocks), CONVERSATION, &message())
                .await
        }
        .unwrap();
        assert_eq!(outcome.response.content.as_deref(), Some("It is noon."));
        assert_eq!(tool_results(&resume), [succeeded("exec-1", "12:00")]);
        // What each request carried besides its input: the hookId and the token's kind.
        let requests: Vec<_> = send
            .calls()
            .into_iter()
            .map(|c| c.request)
            .chain(resume.calls().into_iter().map(|c| c.request))
            .map(|r| (r.hook_id().map(|h| h.as_str().to_owned()), r.token_kind()))
            .collect();
        let inputs = (
            send.calls()
                .into_iter()
                .map(|c| c.input)
                .collect::<Vec<_>>(),
            resume
                .calls()
                .into_iter()
                .map(|c| c.input)
                .collect::<Vec<_>>(),
        );
        sent.push((inputs, requests));
    }
    assert_eq!(sent[0].1.len(), 2, "one message and one resume");
    assert_eq!(
        sent[0], sent[1],
        "the typed client sends what the dynamic one sends"
    );
}

#[tokio::test]
async fn failing_handlers_are_answered_with_the_reason_and_the_loop_goes_on() {
    struct Case {
        name: &'static str,
        tool: Tool,
        args: Value,
        status: ToolStatus,
        error: &'static str,
    }
    let cases = [
        Case {
            name: "an error",
            tool: Tool::new("tool", fail),
            args: json!({}),
            status: ToolStatus::Failed,
            error: "the database is down",
        },
        Case {
            name: "a panic while running",
            tool: Tool::new("tool", explode),
            args: json!({}),
            status: ToolStatus::Panicked,
            error: "the tool panicked: the tool exploded",
        },
        Case {
            name: "a panic when called",
            tool: Tool::new("tool", explode_on_call),
            args: json!({}),
            status: ToolStatus::Panicked,
            error: "the tool panicked: the call exploded",
        },
        Case {
            name: "arguments that do not deserialize",
            tool: Tool::typed("tool", |w: Weather| async move { Ok::<_, String>(w.city) }),
            args: json!({ "town": "Oslo" }),
            status: ToolStatus::InvalidArguments,
            error: "the arguments do not match the parameters: missing field `city`",
        },
        Case {
            name: "no answer within the tool's timeout",
            tool: Tool::new("tool", never).timeout(Duration::from_millis(20)),
            args: json!({}),
            status: ToolStatus::TimedOut,
            error: "the tool did not finish within 20ms",
        },
    ];
    for case in cases {
        let (mocks, _, resume) = scripted(
            asks(action("tool", "exec-1", case.args.clone())),
            vec![done("Sorry.")],
        );
        let tools = ToolRegistry::new().tool(case.tool);

        let outcome = tools
            .send_message(&mocked(&mocks), CONVERSATION, &message())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));

        assert_eq!(
            outcome.response.content.as_deref(),
            Some("Sorry."),
            "{}",
            case.name
        );
        assert_eq!(outcome.runs.len(), 1, "{}", case.name);
        assert_eq!(outcome.runs[0].status, case.status, "{}", case.name);
        assert_eq!(outcome.runs[0].arguments, tree(case.args), "{}", case.name);
        assert_eq!(
            tool_results(&resume),
            [failed("exec-1", case.error)],
            "{}",
            case.name
        );
    }
}

#[tokio::test]
async fn a_peer_that_never_stops_asking_hits_the_round_limit() {
    // (limit set, rounds allowed): each round is one resume after the first request.
    for (limit, rounds) in [(None, 10), (Some(3), 3), (Some(0), 0)] {
        let asking = action("get_time", "exec-n", json!({}));
        let mocks = Mocks::new();
        let send = mocks
            .conversations()
            .send_message()
            .once(Answer::ok(asks(asking.clone())))
            .build();
        let resume = mocks
            .conversations()
            .resume_message()
            .returns(asks_again(asking));
        let mut tools = ToolRegistry::new().tool(time_tool());
        if let Some(limit) = limit {
            tools = tools.max_rounds(limit);
        }

        let error = tools
            .send_message(&mocked(&mocks), CONVERSATION, &message())
            .await
            .unwrap_err();

        let text = error.to_string();
        let ToolLoopError::TooManyRounds {
            max_rounds,
            pending_tool,
            last,
        } = error
        else {
            panic!("limit {limit:?}: expected TooManyRounds, got {text}")
        };
        assert_eq!(max_rounds, rounds, "limit {limit:?}");
        assert_eq!(pending_tool, "get_time", "limit {limit:?}");
        assert_eq!(last.runs.len(), rounds as usize, "limit {limit:?}");
        assert_eq!(last.response.status, MessageStatus::ClientToolCall);
        assert!(
            text.contains(&format!("after {rounds} tool rounds")),
            "{text}"
        );
        assert_eq!(send.num_calls(), 1, "limit {limit:?}");
        assert_eq!(
            tool_results(&resume),
            vec![succeeded("exec-n", "12:00"); rounds as usize],
            "limit {limit:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_resume_stops_the_loop_and_keeps_the_runs() {
    let mocks = Mocks::new();
    let send = mocks
        .conversations()
        .send_message()
        .once(Answer::ok(asks(action("get_time", "exec-1", json!({})))))
        .build();
    let resume = mocks
        .conversations()
        .resume_message()
        .answers(Answer::status(500, json!({ "message": "resume failed" })));

    let error = ToolRegistry::new()
        .tool(time_tool())
        .send_message(&mocked(&mocks), CONVERSATION, &message())
        .await
        .unwrap_err();

    let ToolLoopError::Request { source, runs } = error else {
        panic!("expected a request error, got {error}")
    };
    assert_eq!(source.status(), Some(500));
    assert_eq!(
        source.api_error().and_then(ApiError::message),
        Some("resume failed")
    );
    let runs: Vec<(&str, ToolStatus)> = runs.iter().map(|r| (r.name.as_str(), r.status)).collect();
    assert_eq!(runs, [("get_time", ToolStatus::Succeeded)]);
    assert_eq!(send.num_calls(), 1);
    // Resuming is not idempotent, so it is not retried (the client keeps the default policy).
    assert_eq!(tool_results(&resume), [succeeded("exec-1", "12:00")]);
    let resumed = resume.last_call().unwrap().request;
    assert_eq!(resumed.hook_id().map(HookId::as_str), Some(HOOK));
}

#[tokio::test]
async fn a_tool_with_parameters_of_the_wrong_shape_fails_before_sending() {
    let mocks = Mocks::new();
    let send = mocks
        .conversations()
        .send_message()
        .returns(SendMessageResponse::new(
            CONVERSATION,
            MESSAGE,
            MessageStatus::Done,
        ));
    let tools = ToolRegistry::new().tool(
        Tool::new("get_time", |_: Value| async { Ok::<_, String>("12:00") })
            // The properties without the object schema around them.
            .parameters(json!({ "zone": { "type": "string" } })),
    );

    let error = tools
        .send_message(&mocked(&mocks), CONVERSATION, &message())
        .await
        .unwrap_err();

    assert!(
        matches!(&error, ToolLoopError::InvalidTool { tool, .. } if tool == "get_time"),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "client tool `get_time` cannot be sent: the parameters must be an object schema with \
         `type: \"object\"` and `properties` (missing field `type`); nothing was sent"
    );
    assert_eq!(send.num_calls(), 0, "nothing may be sent");
}

#[tokio::test]
async fn dropping_the_loop_stops_its_tool_and_sends_nothing_more() {
    /// Sets its flag when dropped: the handler's future was dropped, not left running.
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let (mocks, send, resume) = scripted(
        asks(action("slow", "exec-1", json!({}))),
        vec![done("Done.")],
    );
    let started = Arc::new(tokio::sync::Notify::new());
    let dropped = Arc::new(AtomicBool::new(false));
    let (started_in_tool, dropped_in_tool) = (Arc::clone(&started), Arc::clone(&dropped));
    let tools = ToolRegistry::new().tool(Tool::new("slow", move |_: Value| {
        let started = Arc::clone(&started_in_tool);
        let guard = SetOnDrop(Arc::clone(&dropped_in_tool));
        async move {
            let _guard = guard;
            started.notify_one();
            std::future::pending::<()>().await;
            Ok::<_, String>("never")
        }
    }));
    let (client, message) = (mocked(&mocks), message());

    let running = tools.send_message(&client, CONVERSATION, &message);
    tokio::select! {
        _ = running => panic!("the tool never finishes, so the loop cannot"),
        _ = started.notified() => {}
    }

    assert!(
        dropped.load(Ordering::SeqCst),
        "the tool must stop with the loop"
    );
    assert_eq!(send.num_calls(), 1, "the message was sent");
    assert_eq!(resume.num_calls(), 0, "no resume after the drop");
}

// ---------------------------------------------------------------------------------------
// the loop over HTTP: credentials and logs
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_resume_carries_the_token_hook_id_and_options_of_the_first_call() {
    const OTHER_HOOK: &str = "other-channel-hook-id";
    let server = peer(
        asks(action("get_time", "exec-1", json!({}))),
        vec![
            asks_again(action("get_time", "exec-2", json!({}))),
            done("Noon."),
        ],
    )
    .await;
    let client = client(&server).with_options(
        RequestOptions::new()
            .hook_id(HookId::new(OTHER_HOOK).unwrap())
            .header("X-Trace-Id", "trace-7")
            .unwrap(),
    );

    ToolRegistry::new()
        .tool(time_tool())
        .send_message(&client, CONVERSATION, &message())
        .await
        .unwrap();

    let requests = received(&server).await;
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, [SEND, RESUME, RESUME]);
    for request in &requests {
        let at = request.url.path();
        assert_eq!(
            header_values(request, "authorization"),
            [format!("Bearer {PAT}")],
            "{at}"
        );
        assert_eq!(header_values(request, "x-hook-id"), [OTHER_HOOK], "{at}");
        assert_eq!(header_values(request, "x-trace-id"), ["trace-7"], "{at}");
    }
}

#[tokio::test]
async fn tool_runs_are_logged_with_name_status_and_duration_but_no_arguments() {
    const SECRET: &str = "sk-live-7f3a9c";
    let server = peer(
        asks(action("get_weather", "exec-1", json!({ "city": SECRET }))),
        vec![done("Sunny.")],
    )
    .await;
    let (captured, guard) = capture_tracing();

    ToolRegistry::new()
        .tool(weather_tool())
        .send_message(&client(&server), CONVERSATION, &message())
        .await
        .unwrap();
    drop(guard);

    let logs = captured.text();
    let line = logs
        .lines()
        .find(|l| l.contains("client tool ran"))
        .unwrap_or_else(|| panic!("no tool event in:\n{logs}"));
    for expected in ["tool=get_weather", "status=succeeded", "duration_ms="] {
        assert!(line.contains(expected), "{expected} missing in {line}");
    }
    assert!(!logs.contains(SECRET), "an argument was logged:\n{logs}");
    assert!(!logs.contains(PAT), "the token was logged:\n{logs}");
    assert!(
        !logs.contains(HOOK),
        "the hookId was logged unmasked:\n{logs}"
    );
}

#[tokio::test]
async fn a_tool_name_that_echoes_the_token_shows_masked_in_errors_and_logs() {
    let asking = action(PAT, "exec-n", json!({}));
    let server = peer(asks(asking.clone()), vec![asks_again(asking)]).await;
    let (captured, guard) = capture_tracing();

    let error = ToolRegistry::new()
        .max_rounds(1)
        .send_message(&client(&server), CONVERSATION, &message())
        .await
        .unwrap_err();
    drop(guard);

    let runs = hidden_runs(PAT, Token::new(PAT).unwrap().masked());
    let ToolLoopError::TooManyRounds { pending_tool, .. } = &error else {
        panic!("expected TooManyRounds, got {error}")
    };
    assert_hidden("pending_tool", &runs, pending_tool);
    assert_formats_hidden("TooManyRounds", &runs, &error);
    let logs = captured.text();
    assert!(
        logs.contains("client tool ran"),
        "no tool event in:\n{logs}"
    );
    assert_hidden("logs", &runs, &logs);
}

// ---------------------------------------------------------------------------------------
// without a peer
// ---------------------------------------------------------------------------------------

#[test]
fn the_loop_can_run_on_another_task() {
    fn assert_send<T: Send>(_: &T) {}
    let client = CognipeerClient::new(PAT, HOOK).unwrap();
    let tools = ToolRegistry::new().tool(weather_tool());
    assert_send(&tools.send_message(&client, CONVERSATION, &message()));
    assert_send(&tools.create(&client, &CreateConversation::default()));
}

#[test]
fn the_generator_knows_nothing_of_the_tool_loop() {
    // The loop is a hand-written module named in the spec; the generator stays API-agnostic.
    let mut dirs = vec![xtask::workspace_root().join("codegen/src")];
    let mut files = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
            for word in [
                "client_tool_call",
                "pendingaction",
                "resume_message",
                "toolresult",
            ] {
                assert!(!text.contains(word), "{} mentions {word}", path.display());
            }
            files += 1;
        }
    }
    assert!(files > 10, "read only {files} files of codegen/src");
}
