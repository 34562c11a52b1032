//! Wire tests of the committed `cognipeer-sdk` for the conversations, flows and channels
//! operations and for the generic features: open enums, unknown fields kept, path
//! percent-encoding, client-side preconditions, page/limit pagination and the page
//! envelope. Everything runs against a local `wiremock` server on 127.0.0.1.
//!
//! (peers.get, users.get, the four contacts operations and the error mappings are in
//! `wire.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use cognipeer_sdk::models::{
    Channel, ChannelType, ClientFunction, ClientFunctionParameters, ClientTool, ClientToolType,
    Contact, ContactChanges, ContactPage, Conversation, ConversationMessage, ConversationPage,
    CreateConversationResponse, ExecuteFlowResponse, ListContacts, ListConversations, Message,
    MessageRole, MessageStatus, PendingAction, ResponseFormat, ResumeMessage,
    ResumeMessageResponse, SendMessageResponse, ToolLog, ToolResult,
};
use cognipeer_sdk::resources::contacts::{ContactsGetRequest, ContactsUpdateRequest};
use cognipeer_sdk::{CognipeerClient, Error, RetryPolicy};
use common::{
    assert_bodiless, assert_credentials, assert_nothing_sent, assert_route, assert_sent, authed,
    builder_for, json_response, mount_once, obj, ok_json, permissive_server, received,
    request_count, serve_once, tree, HOOK, PAT,
};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// The route of `contacts.list` (and of its `into_pages`).
const CONTACT_LIST: &str = "/sdk/contact/list";
/// The route of `conversations.send_message` (POST) and `conversations.messages` (GET) of
/// `conv_1`.
const CONV_1_MESSAGES: &str = "/sdk/conversation/conv_1/message";
/// The route of `conversations.list` (and of its `into_pages`).
const CONVERSATION_LIST: &str = "/sdk/conversation/list";
/// An id with every character that must not break out of its path segment.
const NASTY_ID: &str = "a/b?c#d e%f–Ü";
/// `NASTY_ID` percent-encoded as one path segment.
const NASTY_ID_ENCODED: &str = "a%2Fb%3Fc%23d%20e%25f%E2%80%93%C3%9C";

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

/// A PAT client for `server` with the default retry policy.
fn client(server: &MockServer) -> CognipeerClient {
    builder_for(server, PAT).build().unwrap()
}

/// A PAT client for `server` with its own retry policy.
fn client_with(server: &MockServer, retry: RetryPolicy) -> CognipeerClient {
    builder_for(server, PAT).retry(retry).build().unwrap()
}

/// Up to three attempts with millisecond backoff, so that retry tests stay fast.
const FAST_RETRIES: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(1),
    max_backoff: Duration::from_millis(5),
};

/// A contacts list request for pages of two, from the first page.
fn contacts_by_two() -> ListContacts {
    ListContacts::new().with_limit(2)
}

/// A conversations list request for pages of two, from the first page.
fn conversations_by_two() -> ListConversations {
    ListConversations::new().with_limit(2)
}

/// Serializing a decoded response gives back exactly the JSON the server sent: nothing
/// was lost (or invented) on the way in.
macro_rules! assert_round_trips {
    ($decoded:expr, $sent:expr) => {
        assert_eq!(
            serde_json::to_value($decoded).unwrap(),
            *$sent,
            "decoded value does not serialize back to what the server sent"
        )
    };
}

/// Decodes `%XX` escapes (the inverse of percent-encoding one path segment).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The request's path segments, each percent-decoded: what the server saw.
fn decoded_segments(request: &Request) -> Vec<String> {
    request
        .url
        .path_segments()
        .unwrap()
        .map(percent_decode)
        .collect()
}

/// `conversations.send_message` of `content` alone to `conv_1`.
async fn send_to_conv_1(server: &MockServer, content: &str) -> Result<SendMessageResponse, Error> {
    client(server)
        .conversations()
        .send_message("conv_1", content)
        .send()
        .await
}

/// `conversations.messages` of `conv_1` with the default query.
async fn conv_1_messages(client: &CognipeerClient) -> Result<Vec<ConversationMessage>, Error> {
    client.conversations().messages("conv_1").send().await
}

// ---------------------------------------------------------------------------------------
// custom matchers
// ---------------------------------------------------------------------------------------

/// The JSON body's `page` field is this number.
struct BodyPage(i64);

impl Match for BodyPage {
    fn matches(&self, request: &Request) -> bool {
        serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|body| body.get("page").and_then(Value::as_i64))
            == Some(self.0)
    }
}

// ---------------------------------------------------------------------------------------
// realistic payloads (reference §4)
// ---------------------------------------------------------------------------------------

fn weather_tool() -> ClientTool {
    let parameters = ClientFunctionParameters::new(
        "object",
        tree(json!({
            "city": { "type": "string", "description": "City name" },
            "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] }
        })),
    )
    .with_required(vec!["city".to_owned()]);
    let function = ClientFunction::new("get_weather", parameters)
        .with_description("Current weather for a city");
    ClientTool::new(ClientToolType::Function, function)
}

fn weather_tool_json() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": { "type": "string", "description": "City name" },
                    "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] }
                },
                "required": ["city"]
            }
        }
    })
}

fn answer_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "summary": { "type": "string" },
            "confidence": { "type": "number" }
        },
        "required": ["summary"]
    })
}

fn conversation_json(id: &str) -> Value {
    json!({
        "_id": id,
        "title": format!("Conversation {id}"),
        "peerId": "65f1c0ffee00000000000a01",
        "userId": "65f1c0ffee00000000000b02",
        "source": "sdk",
        "createdAt": "2024-12-01T10:00:00.000Z",
        "updatedAt": "2024-12-01T10:05:00.000Z"
    })
}

fn expected_conversation(id: &str) -> Conversation {
    Conversation::new(
        id,
        "65f1c0ffee00000000000a01",
        "sdk",
        "2024-12-01T10:00:00.000Z",
        "2024-12-01T10:05:00.000Z",
    )
    .with_title(format!("Conversation {id}"))
    .with_user_id("65f1c0ffee00000000000b02")
}

fn contact_json(n: usize) -> Value {
    json!({
        "_id": format!("c_{n}"),
        "email": format!("person{n}@example.com"),
        "workspaceId": "ws_01",
        "tags": ["beta"],
        "createdDate": "2024-10-01T09:00:00.000Z",
        // unknown to the SDK
        "channelId": "ch_7"
    })
}

fn contact_ids(contacts: &[Contact]) -> Vec<String> {
    contacts.iter().map(|c| c.id.clone()).collect()
}

fn conversation_ids(conversations: &[Conversation]) -> Vec<String> {
    conversations.iter().map(|c| c.id.clone()).collect()
}

fn contact_page(ids: &[usize], total: i64, page: i64, limit: i64) -> Value {
    json!({
        "success": true,
        "data": ids.iter().map(|n| contact_json(*n)).collect::<Vec<_>>(),
        "total": total,
        "page": page,
        "limit": limit
    })
}

fn conversation_page(ids: &[usize], total: i64, page: i64, limit: i64) -> Value {
    json!({
        "data": ids.iter().map(|n| conversation_json(&format!("conv_{n}"))).collect::<Vec<_>>(),
        "total": total,
        "page": page,
        "limit": limit
    })
}

// ---------------------------------------------------------------------------------------
// conversations.create
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_create_posts_full_body_and_decodes_tool_call_answer() {
    let sent = json!({
        "contactId": "c_1",
        "messages": [
            { "role": "user", "content": "What's the weather in Berlin?" },
            { "role": "ai", "content": "Let me check." }
        ],
        "clientTools": [weather_tool_json()],
        "response_format": "json",
        "response_schema": answer_schema(),
        "additionalContext": "The user is in Europe.",
        "version": "3"
    });
    let response = json!({
        "conversationId": "conv_1",
        "peerId": "65f1c0ffee00000000000a01",
        "userId": "65f1c0ffee00000000000b02",
        "contactId": "c_1",
        "created": true,
        "content": "",
        "output": { "summary": "pending" },
        "tools": [
            { "name": "search", "input": { "q": "berlin" }, "output": ["r1", "r2"], "status": "done" }
        ],
        "messageId": "msg_ai_1",
        "status": "client_tool_call",
        "pendingAction": {
            "executionId": "exec_1",
            "toolName": "get_weather",
            "args": { "city": "Berlin", "unit": "celsius" },
            "timestamp": "2024-12-01T10:00:01.000Z"
        }
    });
    let server = serve_once("POST", "/sdk/conversation", PAT, ok_json(&response)).await;

    let answer = client(&server)
        .conversations()
        .create()
        .contact_id("c_1")
        .messages(vec![
            Message::new(MessageRole::User, "What's the weather in Berlin?"),
            Message::new(MessageRole::Ai, "Let me check."),
        ])
        .client_tools(vec![weather_tool()])
        .response_format(ResponseFormat::Json)
        .response_schema(answer_schema())
        .additional_context("The user is in Europe.")
        .version("3")
        .send()
        .await
        .unwrap();

    assert_eq!(
        answer,
        CreateConversationResponse::new("conv_1", "65f1c0ffee00000000000a01")
            .with_user_id("65f1c0ffee00000000000b02")
            .with_contact_id("c_1")
            .with_created(true)
            .with_content(String::new())
            .with_output(json!({ "summary": "pending" }))
            .with_tools(vec![ToolLog::new("search")
                .with_input(json!({ "q": "berlin" }))
                .with_output(json!(["r1", "r2"]))
                .with_status("done")])
            .with_message_id("msg_ai_1")
            .with_status(MessageStatus::ClientToolCall)
            .with_pending_action(
                PendingAction::new(
                    "exec_1",
                    "get_weather",
                    tree(json!({ "city": "Berlin", "unit": "celsius" })),
                )
                .with_timestamp("2024-12-01T10:00:01.000Z")
            )
    );
    assert_round_trips!(&answer, &response);
    let route = "/sdk/conversation";
    assert_sent(&server, PAT, "POST", route, None, Some(&sent)).await;
}

#[tokio::test]
async fn conversations_create_with_defaults_sends_empty_object_and_accepts_minimal_answer() {
    // The reference's own test mock leaves out `created`, `status` and `messageId`.
    let response = json!({ "conversationId": "conv_2", "peerId": "p_1" });
    let server = serve_once("POST", "/sdk/conversation", PAT, ok_json(&response)).await;

    let answer = client(&server)
        .conversations()
        .create()
        .send()
        .await
        .unwrap();
    assert_eq!(answer, CreateConversationResponse::new("conv_2", "p_1"));
    let route = "/sdk/conversation";
    assert_sent(&server, PAT, "POST", route, None, Some(&json!({}))).await;
}

#[tokio::test]
async fn conversations_create_text_format_with_only_messages() {
    let sent = json!({
        "messages": [{ "role": "user", "content": "Hallo, wie geht's? 👋" }],
        "response_format": "text"
    });
    let response = json!({
        "conversationId": "conv_3",
        "peerId": "p_1",
        "created": true,
        "content": "Gut, danke!",
        "messageId": "msg_3",
        "status": "done"
    });
    let server = serve_once("POST", "/sdk/conversation", PAT, ok_json(&response)).await;

    let answer = client(&server)
        .conversations()
        .create()
        .messages(vec![Message::new(
            MessageRole::User,
            "Hallo, wie geht's? 👋",
        )])
        .response_format(ResponseFormat::Text)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, Some(MessageStatus::Done));
    assert_eq!(answer.content.as_deref(), Some("Gut, danke!"));
    assert_round_trips!(&answer, &response);
    let route = "/sdk/conversation";
    assert_sent(&server, PAT, "POST", route, None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// conversations.send_message
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_send_message_posts_to_the_conversation_without_its_id_in_the_body() {
    let sent = json!({
        "content": "Summarize our chat.",
        "contactId": "c_1",
        "clientTools": [weather_tool_json()],
        "response_format": "json",
        "response_schema": answer_schema(),
        "additionalContext": "Keep it short.",
        "version": "latest"
    });
    let response = json!({
        "conversationId": "conv_1",
        "output": { "summary": "We talked about weather.", "confidence": 0.9 },
        "tools": [{ "name": "memory", "status": "error", "error": "timeout" }],
        "messageId": "msg_ai_2",
        "status": "done"
    });
    let server = serve_once("POST", CONV_1_MESSAGES, PAT, ok_json(&response)).await;

    let answer = client(&server)
        .conversations()
        .send_message("conv_1", "Summarize our chat.")
        .contact_id("c_1")
        .client_tools(vec![weather_tool()])
        .response_format(ResponseFormat::Json)
        .response_schema(answer_schema())
        .additional_context("Keep it short.")
        .version("latest")
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer,
        SendMessageResponse::new("conv_1", "msg_ai_2", MessageStatus::Done)
            .with_output(json!({ "summary": "We talked about weather.", "confidence": 0.9 }))
            .with_tools(vec![ToolLog::new("memory")
                .with_status("error")
                .with_error("timeout")])
    );
    assert_round_trips!(&answer, &response);
    // The whole body is compared: `conversationId` is in the path only.
    assert_sent(&server, PAT, "POST", CONV_1_MESSAGES, None, Some(&sent)).await;
}

#[tokio::test]
async fn conversations_send_message_with_only_content_sends_only_content() {
    let response = json!({
        "conversationId": "conv_1",
        "content": "Hi!",
        "messageId": "msg_ai_3",
        "status": "completed"
    });
    let server = serve_once("POST", CONV_1_MESSAGES, PAT, ok_json(&response)).await;

    let answer = send_to_conv_1(&server, "Hello").await.unwrap();
    assert_eq!(answer.status, MessageStatus::Completed);
    assert_eq!(answer.content.as_deref(), Some("Hi!"));
    assert_round_trips!(&answer, &response);
    let sent = json!({ "content": "Hello" });
    assert_sent(&server, PAT, "POST", CONV_1_MESSAGES, None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// conversations.resume_message
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_resume_message_posts_exactly_the_tool_result() {
    let sent = json!({
        "toolResult": {
            "executionId": "exec_1",
            "success": true,
            "output": "{\"tempC\":21}"
        }
    });
    // A chained tool call: the answer waits for another client tool.
    let response = json!({
        "conversationId": "conv_1",
        "content": "",
        "tools": [{ "name": "get_weather", "input": { "city": "Berlin" }, "output": "{\"tempC\":21}" }],
        "messageId": "msg_ai_1",
        "status": "client_tool_call",
        "pendingAction": {
            "executionId": "exec_2",
            "toolName": "get_forecast",
            "args": { "city": "Berlin", "days": 3 }
        }
    });
    let route = "/sdk/conversation/conv_1/message/msg_ai_1/resume";
    let server = serve_once("POST", route, PAT, ok_json(&response)).await;

    let tool_result = ToolResult::new("exec_1", true, "{\"tempC\":21}");
    let answer = client(&server)
        .conversations()
        .resume_message("conv_1", "msg_ai_1", tool_result)
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer,
        ResumeMessageResponse::new("conv_1", "", "msg_ai_1", MessageStatus::ClientToolCall)
            .with_tools(vec![ToolLog::new("get_weather")
                .with_input(json!({ "city": "Berlin" }))
                .with_output(json!("{\"tempC\":21}"))])
            .with_pending_action(PendingAction::new(
                "exec_2",
                "get_forecast",
                tree(json!({ "city": "Berlin", "days": 3 })),
            ))
    );
    assert_round_trips!(&answer, &response);
    assert_sent(&server, PAT, "POST", route, None, Some(&sent)).await;
}

#[tokio::test]
async fn conversations_resume_message_failed_tool_sends_empty_output_and_error() {
    let sent = json!({
        "toolResult": {
            "executionId": "exec_9",
            "success": false,
            "output": "",
            "error": "Unknown tool: teleport"
        }
    });
    let response = json!({
        "conversationId": "conv_1",
        "content": "Sorry, I could not do that.",
        "messageId": "msg_ai_9",
        "status": "done"
    });
    let route = "/sdk/conversation/conv_1/message/msg_ai_9/resume";
    let server = serve_once("POST", route, PAT, ok_json(&response)).await;

    let answer = client(&server)
        .conversations()
        .resume_message(
            "conv_1",
            "msg_ai_9",
            ToolResult::new("exec_9", false, String::new()).with_error("Unknown tool: teleport"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, MessageStatus::Done);
    assert_eq!(answer.pending_action, None);
    assert_round_trips!(&answer, &response);
    assert_sent(&server, PAT, "POST", route, None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// conversations.list
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_list_with_defaults_posts_empty_object() {
    let response = json!({
        "data": [
            conversation_json("conv_1"),
            {
                "_id": "conv_2",
                "peerId": "p_1",
                "contactId": "c_9",
                "source": "api",
                "createdAt": "2024-12-02T10:00:00.000Z",
                "updatedAt": "2024-12-02T10:00:00.000Z",
                "peer": { "_id": "p_1", "name": "Support Agent" }
            }
        ],
        "total": 2,
        "page": 1,
        "limit": 10
    });
    let server = serve_once("POST", CONVERSATION_LIST, PAT, ok_json(&response)).await;

    let page = client(&server).conversations().list().send().await.unwrap();
    assert_eq!(
        page,
        ConversationPage::new(
            vec![
                expected_conversation("conv_1"),
                Conversation::new(
                    "conv_2",
                    "p_1",
                    "api",
                    "2024-12-02T10:00:00.000Z",
                    "2024-12-02T10:00:00.000Z",
                )
                .with_contact_id("c_9")
                .with_peer(json!({ "_id": "p_1", "name": "Support Agent" })),
            ],
            2,
            1,
            10,
        )
    );
    assert_round_trips!(&page, &response);
    let route = CONVERSATION_LIST;
    assert_sent(&server, PAT, "POST", route, None, Some(&json!({}))).await;
}

#[tokio::test]
async fn conversations_list_sends_filter_sort_page_limit_and_contact() {
    let sent = json!({
        "contactId": "c_1",
        "filter": { "title": { "$exists": true }, "source": "sdk" },
        "page": 2,
        "limit": 5,
        "sort": { "createdAt": -1 }
    });
    let page = ok_json(&conversation_page(&[6], 6, 2, 5));
    let server = serve_once("POST", CONVERSATION_LIST, PAT, page).await;

    let page = client(&server)
        .conversations()
        .list()
        .contact_id("c_1")
        .filter(tree(
            json!({ "title": { "$exists": true }, "source": "sdk" }),
        ))
        .page(2)
        .limit(5)
        .sort(BTreeMap::from([("createdAt".to_owned(), -1)]))
        .send()
        .await
        .unwrap();
    assert_eq!(conversation_ids(&page.data), ["conv_6"]);
    assert_eq!((page.total, page.page, page.limit), (6, 2, 5));
    let route = CONVERSATION_LIST;
    assert_sent(&server, PAT, "POST", route, None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// conversations.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_get_fetches_one_conversation() {
    let mut response = conversation_json("conv_1");
    response["peer"] = json!({ "_id": "65f1c0ffee00000000000a01", "name": "Support Agent", "modelId": "gpt-4o-mini" });
    let server = serve_once("GET", "/sdk/conversation/conv_1", PAT, ok_json(&response)).await;

    let conversation = client(&server)
        .conversations()
        .get("conv_1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        conversation,
        expected_conversation("conv_1").with_peer(json!({
            "_id": "65f1c0ffee00000000000a01",
            "name": "Support Agent",
            "modelId": "gpt-4o-mini"
        }))
    );
    assert_round_trips!(&conversation, &response);
    assert_sent(&server, PAT, "GET", "/sdk/conversation/conv_1", None, None).await;
}

// ---------------------------------------------------------------------------------------
// conversations.messages
// ---------------------------------------------------------------------------------------

fn messages_json() -> Value {
    json!([
        {
            "_id": "msg_1",
            "conversationId": "conv_1",
            "type": "user",
            "content": "What's the weather?",
            "createdAt": "2024-12-01T10:00:00.000Z"
        },
        {
            "_id": "msg_2",
            "conversationId": "conv_1",
            "type": "ai",
            "content": "Sunny, 21 °C.",
            "status": "done",
            "createdAt": "2024-12-01T10:00:02.000Z",
            "toolLogs": [{ "name": "get_weather", "input": { "city": "Berlin" }, "output": { "tempC": 21 }, "status": "success" }]
        }
    ])
}

fn expected_messages() -> Vec<ConversationMessage> {
    vec![
        ConversationMessage::new(
            "msg_1",
            "conv_1",
            MessageRole::User,
            "What's the weather?",
            "2024-12-01T10:00:00.000Z",
        ),
        ConversationMessage::new(
            "msg_2",
            "conv_1",
            MessageRole::Ai,
            "Sunny, 21 °C.",
            "2024-12-01T10:00:02.000Z",
        )
        .with_status(MessageStatus::Done)
        .with_tool_logs(vec![ToolLog::new("get_weather")
            .with_input(json!({ "city": "Berlin" }))
            .with_output(json!({ "tempC": 21 }))
            .with_status("success")]),
    ]
}

#[tokio::test]
async fn conversations_messages_sends_default_messages_count_10_and_decodes_bare_array() {
    let server = serve_once("GET", CONV_1_MESSAGES, PAT, ok_json(&messages_json())).await;

    let messages = conv_1_messages(&client(&server)).await.unwrap();
    assert_eq!(messages, expected_messages());
    assert_round_trips!(&messages, &messages_json());
    let query = Some("messagesCount=10");
    assert_sent(&server, PAT, "GET", CONV_1_MESSAGES, query, None).await;
}

#[tokio::test]
async fn conversations_messages_sends_the_given_messages_count_once() {
    let server = serve_once("GET", CONV_1_MESSAGES, PAT, ok_json(&json!([]))).await;

    let messages = client(&server)
        .conversations()
        .messages("conv_1")
        .messages_count(3)
        .send()
        .await
        .unwrap();
    assert!(messages.is_empty());
    let query = Some("messagesCount=3");
    assert_sent(&server, PAT, "GET", CONV_1_MESSAGES, query, None).await;
}

// ---------------------------------------------------------------------------------------
// flows.execute
// ---------------------------------------------------------------------------------------

fn flow_inputs() -> BTreeMap<String, Value> {
    tree(json!({
        "customerName": "Jürgen",
        "orderIds": [101, 102],
        "options": { "priority": "high", "notify": true }
    }))
}

#[tokio::test]
async fn flows_execute_posts_the_inputs_as_the_whole_body_with_version_latest() {
    let response = json!({
        "success": true,
        "outputs": { "summary": "2 orders found", "total": 59.9 },
        // not typed by the SDK: kept in `extra`
        "executionId": "exec_42",
        "durationMs": 1234
    });
    let server = serve_once("POST", "/sdk/flow/flow_1/execute", PAT, ok_json(&response)).await;

    let result = client(&server)
        .flows()
        .execute("flow_1")
        .body(flow_inputs())
        .send()
        .await
        .unwrap();
    let mut expected = ExecuteFlowResponse::new(true)
        .with_outputs(tree(json!({ "summary": "2 orders found", "total": 59.9 })));
    // `extra` has no `with_` method.
    expected.extra = obj(json!({ "executionId": "exec_42", "durationMs": 1234 }));
    assert_eq!(result, expected);
    assert_round_trips!(&result, &response);
    // The inputs are the body itself: not wrapped in `inputs`, no flowId, no version.
    let inputs = json!({
        "customerName": "Jürgen",
        "orderIds": [101, 102],
        "options": { "priority": "high", "notify": true }
    });
    let (route, query) = ("/sdk/flow/flow_1/execute", Some("version=latest"));
    assert_sent(&server, PAT, "POST", route, query, Some(&inputs)).await;
}

#[tokio::test]
async fn flows_execute_sends_the_given_version_once_and_empty_inputs_as_empty_object() {
    let response = json!({ "success": false, "error": "Input `customerName` is required" });
    let server = serve_once("POST", "/sdk/flow/flow_1/execute", PAT, ok_json(&response)).await;

    let result = client(&server)
        .flows()
        .execute("flow_1")
        .version("v3")
        .body(BTreeMap::new())
        .send()
        .await
        .unwrap();
    // flows.execute has no envelope: a failed run is a value, as the API sends it.
    assert_eq!(
        result,
        ExecuteFlowResponse::new(false).with_error("Input `customerName` is required")
    );
    assert_round_trips!(&result, &response);
    let (route, query) = ("/sdk/flow/flow_1/execute", Some("version=v3"));
    assert_sent(&server, PAT, "POST", route, query, Some(&json!({}))).await;
}

// ---------------------------------------------------------------------------------------
// channels.get
// ---------------------------------------------------------------------------------------

fn channel_json(channel_type: &str) -> Value {
    json!({
        "_id": "ch_1",
        "name": "Website API",
        "hookId": HOOK,
        "peerId": "65f1c0ffee00000000000a01",
        "channelType": channel_type,
        "galleryKey": "api-access",
        "isActive": true,
        "prompt": "Be brief.",
        "messagesCount": 20,
        "createdAt": "2024-09-01T00:00:00.000Z",
        "updatedAt": "2024-12-01T00:00:00.000Z",
        // untyped, reached through the extra map (reference §4.3)
        "hookData": { "settings": { "allowedOrigins": ["https://example.com"], "rateLimit": 60 } },
        "workspaceId": "ws_01"
    })
}

#[tokio::test]
async fn channels_get_fetches_the_channel_and_keeps_unknown_fields() {
    let server = serve_once("GET", "/sdk/channel", PAT, ok_json(&channel_json("api"))).await;

    let channel = client(&server).channels().get().send().await.unwrap();
    let mut expected = Channel::new(
        "ch_1",
        "Website API",
        HOOK,
        "65f1c0ffee00000000000a01",
        ChannelType::Api,
        true,
    )
    .with_gallery_key("api-access")
    .with_prompt("Be brief.")
    .with_messages_count(20)
    .with_created_at("2024-09-01T00:00:00.000Z")
    .with_updated_at("2024-12-01T00:00:00.000Z");
    // `extra` has no `with_` method.
    expected.extra = obj(json!({
        "hookData": { "settings": { "allowedOrigins": ["https://example.com"], "rateLimit": 60 } },
        "workspaceId": "ws_01"
    }));
    assert_eq!(channel, expected);
    assert_round_trips!(&channel, &channel_json("api"));
    assert_sent(&server, PAT, "GET", "/sdk/channel", None, None).await;
}

// ---------------------------------------------------------------------------------------
// open and closed enums
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_channel_type_is_kept_as_unknown_and_sent_back_as_is() {
    let server = serve_once(
        "GET",
        "/sdk/channel",
        PAT,
        ok_json(&channel_json("telegram")),
    )
    .await;

    let channel = client(&server).channels().get().send().await.unwrap();
    assert_eq!(
        channel.channel_type,
        ChannelType::Unknown("telegram".into())
    );
    assert_eq!(channel.channel_type.as_str(), "telegram");
    assert_round_trips!(&channel, &channel_json("telegram"));
}

#[tokio::test]
async fn known_channel_types_decode_to_their_variants() {
    for (wire, expected) in [
        ("api", ChannelType::Api),
        ("whatsapp", ChannelType::Whatsapp),
        ("webchat", ChannelType::Webchat),
        ("chatwoot", ChannelType::Chatwoot),
    ] {
        let server = serve_once("GET", "/sdk/channel", PAT, ok_json(&channel_json(wire))).await;
        let channel = client(&server).channels().get().send().await.unwrap();
        assert_eq!(channel.channel_type, expected, "{wire}");
        assert_eq!(channel.channel_type.to_string(), wire);
    }
}

#[tokio::test]
async fn unknown_message_status_is_kept_as_unknown() {
    let response = json!({
        "conversationId": "conv_1",
        "content": "…",
        "messageId": "msg_ai_5",
        "status": "thinking_hard"
    });
    let server = serve_once("POST", CONV_1_MESSAGES, PAT, ok_json(&response)).await;

    let answer = send_to_conv_1(&server, "Think about it.").await.unwrap();
    assert_eq!(
        answer.status,
        MessageStatus::Unknown("thinking_hard".into())
    );
    assert_eq!(answer.status.as_str(), "thinking_hard");
    assert_round_trips!(&answer, &response);
}

#[tokio::test]
async fn known_message_status_client_tool_call_decodes_to_its_variant() {
    let server = serve_once(
        "POST",
        CONV_1_MESSAGES,
        PAT,
        ok_json(&json!({
            "conversationId": "conv_1",
            "messageId": "msg_ai_6",
            "status": "client_tool_call",
            "pendingAction": { "executionId": "exec_6", "toolName": "get_weather", "args": {} }
        })),
    )
    .await;

    let answer = send_to_conv_1(&server, "Weather?").await.unwrap();
    assert_eq!(answer.status, MessageStatus::ClientToolCall);
    assert_eq!(answer.pending_action.unwrap().execution_id, "exec_6");
}

#[tokio::test]
async fn unknown_message_role_and_status_in_stored_messages_are_kept() {
    let response = json!([{
        "_id": "msg_0",
        "conversationId": "conv_1",
        "type": "system",
        "content": "Conversation started.",
        "status": "archived",
        "createdAt": "2024-12-01T09:59:59.000Z"
    }]);
    let server = serve_once("GET", CONV_1_MESSAGES, PAT, ok_json(&response)).await;

    let messages = conv_1_messages(&client(&server)).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].r#type, MessageRole::Unknown("system".into()));
    assert_eq!(
        messages[0].status,
        Some(MessageStatus::Unknown("archived".into()))
    );
    assert_round_trips!(&messages, &response);
}

#[tokio::test]
async fn open_enum_of_the_wrong_json_type_is_a_decode_error() {
    let server = serve_once(
        "POST",
        CONV_1_MESSAGES,
        PAT,
        ok_json(&json!({
            "conversationId": "conv_1",
            "messageId": "msg_ai_7",
            "status": 42
        })),
    )
    .await;

    let error = send_to_conv_1(&server, "x").await.unwrap_err();
    assert!(
        matches!(error, Error::Decode { status: 200, .. }),
        "expected Decode, got {error:?}"
    );
}

/// `ResponseFormat` is a closed enum. No response of the API carries it, so the check is
/// on the type itself: known values round-trip, an unknown one is an error (which, inside
/// a response, the client reports as `Error::Decode`).
#[test]
fn closed_response_format_rejects_unknown_values() {
    for (wire, expected) in [
        ("text", ResponseFormat::Text),
        ("json", ResponseFormat::Json),
    ] {
        let decoded: ResponseFormat = serde_json::from_value(json!(wire)).unwrap();
        assert_eq!(decoded, expected);
        assert_eq!(serde_json::to_value(decoded).unwrap(), json!(wire));
        assert_eq!(decoded.as_str(), wire);
    }
    let error = serde_json::from_value::<ResponseFormat>(json!("xml")).unwrap_err();
    assert!(error.to_string().contains("xml"), "{error}");
    assert!(serde_json::from_value::<ResponseFormat>(json!("JSON")).is_err());
    assert!(serde_json::from_value::<ClientToolType>(json!("retrieval")).is_err());
}

// ---------------------------------------------------------------------------------------
// unknown fields are kept (Peer, Channel above, Contact, ExecuteFlowResponse above)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn peer_keeps_unknown_fields_in_extra_and_serializes_them_back() {
    let response = json!({
        "_id": "p_1",
        "name": "Support Agent",
        "modelId": "gpt-4o-mini",
        "prompt": "You help customers.",
        "temperature": 0.3,
        "messagesCount": 12,
        // unknown to the SDK
        "shortDescription": "Helps",
        "initialPrompts": ["Hi!", "How can I help?"],
        "securityFilters": { "pii": true },
        "createdBy": "u_1"
    });
    let server = serve_once("GET", "/sdk/peer", PAT, ok_json(&response)).await;

    let peer = client(&server).peers().get().send().await.unwrap();
    assert_eq!(peer.name, "Support Agent");
    assert_eq!(peer.temperature, Some(0.3));
    assert_eq!(peer.messages_count, Some(12));
    assert_eq!(
        peer.extra,
        obj(json!({
            "shortDescription": "Helps",
            "initialPrompts": ["Hi!", "How can I help?"],
            "securityFilters": { "pii": true },
            "createdBy": "u_1"
        }))
    );
    assert_round_trips!(&peer, &response);
}

#[tokio::test]
async fn contacts_in_a_page_keep_unknown_fields_in_extra() {
    let server = serve_once(
        "POST",
        CONTACT_LIST,
        PAT,
        ok_json(&contact_page(&[1], 1, 1, 10)),
    )
    .await;

    let page = client(&server).contacts().list().send().await.unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].extra, obj(json!({ "channelId": "ch_7" })));
    assert_round_trips!(&page.data[0], &contact_json(1));
}

// ---------------------------------------------------------------------------------------
// percent-encoding of path parameters
// ---------------------------------------------------------------------------------------

/// An operation with path parameters, called with [`NASTY_ID`] for each.
#[derive(Clone, Copy, Debug)]
enum PathCall {
    ConversationsGet,
    SendMessage,
    /// Also with the message id `m/1 ?#`.
    ResumeMessage,
    Messages,
    FlowsExecute,
}

impl PathCall {
    /// Calls the operation and gives back its decoded answer as JSON.
    async fn answer(self, client: &CognipeerClient) -> Value {
        fn json(answer: Result<impl serde::Serialize, Error>) -> Value {
            serde_json::to_value(answer.unwrap()).unwrap()
        }
        let conversations = client.conversations();
        match self {
            PathCall::ConversationsGet => json(conversations.get(NASTY_ID).send().await),
            PathCall::SendMessage => json(conversations.send_message(NASTY_ID, "hi").send().await),
            PathCall::ResumeMessage => json(
                conversations
                    .resume_message(NASTY_ID, "m/1 ?#", ToolResult::default())
                    .send()
                    .await,
            ),
            PathCall::Messages => json(conversations.messages(NASTY_ID).send().await),
            PathCall::FlowsExecute => json(
                client
                    .flows()
                    .execute(NASTY_ID)
                    .body(BTreeMap::new())
                    .send()
                    .await,
            ),
        }
    }
}

#[tokio::test]
async fn path_parameters_are_percent_encoded_as_one_segment_each() {
    let resume_body = serde_json::to_value(ResumeMessage::new(ToolResult::default())).unwrap();
    // (call, verb, raw path on the wire, segments the server decodes, query, body, answer)
    let cases = [
        (
            PathCall::ConversationsGet,
            "GET",
            format!("/sdk/conversation/{NASTY_ID_ENCODED}"),
            vec!["sdk", "conversation", NASTY_ID],
            None,
            None,
            conversation_json(NASTY_ID),
        ),
        (
            PathCall::SendMessage,
            "POST",
            format!("/sdk/conversation/{NASTY_ID_ENCODED}/message"),
            vec!["sdk", "conversation", NASTY_ID, "message"],
            None,
            Some(json!({ "content": "hi" })),
            json!({ "conversationId": NASTY_ID, "content": "hello", "messageId": "m", "status": "done" }),
        ),
        (
            // Both ids, each encoded on its own.
            PathCall::ResumeMessage,
            "POST",
            format!("/sdk/conversation/{NASTY_ID_ENCODED}/message/m%2F1%20%3F%23/resume"),
            vec![
                "sdk",
                "conversation",
                NASTY_ID,
                "message",
                "m/1 ?#",
                "resume",
            ],
            None,
            Some(resume_body),
            json!({ "conversationId": NASTY_ID, "content": "done", "messageId": "m/1 ?#", "status": "done" }),
        ),
        (
            // The query stays separate from the encoded id.
            PathCall::Messages,
            "GET",
            format!("/sdk/conversation/{NASTY_ID_ENCODED}/message"),
            vec!["sdk", "conversation", NASTY_ID, "message"],
            Some("messagesCount=10"),
            None,
            json!([]),
        ),
        (
            PathCall::FlowsExecute,
            "POST",
            format!("/sdk/flow/{NASTY_ID_ENCODED}/execute"),
            vec!["sdk", "flow", NASTY_ID, "execute"],
            Some("version=latest"),
            Some(json!({})),
            json!({ "success": true }),
        ),
    ];
    for (call, verb, raw, segments, query, body, answer) in cases {
        let server = MockServer::start().await;
        mount_once(&server, Mock::given(method(verb)), ok_json(&answer)).await;

        assert_eq!(call.answer(&client(&server)).await, answer, "{call:?}");
        let request = assert_sent(&server, PAT, verb, &raw, query, body.as_ref()).await;
        assert_eq!(
            request.url.fragment(),
            None,
            "{call:?}: nothing may leak into a fragment"
        );
        assert_eq!(decoded_segments(&request), segments, "{call:?}");
    }
}

#[test]
fn percent_decode_helper_inverts_the_expected_encoding() {
    assert_eq!(percent_decode(NASTY_ID_ENCODED), NASTY_ID);
}

// ---------------------------------------------------------------------------------------
// client-side preconditions: nothing may reach the server
// ---------------------------------------------------------------------------------------

/// A server that answers anything with contact 1, so that only the client can refuse.
async fn contact_server() -> MockServer {
    permissive_server(&json!({ "success": true, "data": contact_json(1) })).await
}

/// A request the client must refuse before sending it.
enum Refused {
    /// `contacts().get()` with these optional inputs set.
    Get(fn(ContactsGetRequest<'_>) -> ContactsGetRequest<'_>),
    /// `contacts().update(data)` with these optional inputs set.
    Update(
        Box<ContactChanges>,
        fn(ContactsUpdateRequest<'_>) -> ContactsUpdateRequest<'_>,
    ),
}

#[tokio::test]
async fn contacts_get_and_update_without_selector_or_changes_are_refused_before_sending() {
    let changes = Box::new(ContactChanges::new().with_name("New Name"));
    // (case, request, what the refusal names besides the operation)
    let cases = [
        (
            "get without email or integrationId",
            Refused::Get(|get| get),
            &["email", "integrationId"][..],
        ),
        (
            "get with an empty email only",
            Refused::Get(|get| get.email(String::new())),
            &[],
        ),
        (
            "update without a selector",
            Refused::Update(changes.clone(), |update| update),
            &[],
        ),
        (
            "update with empty changes",
            Refused::Update(Box::default(), |update| update.email("person1@example.com")),
            &["data"],
        ),
        (
            "update selected by an empty email only",
            Refused::Update(changes, |update| update.email(String::new())),
            &[],
        ),
        (
            "update with neither selector nor changes",
            Refused::Update(Box::default(), |update| update),
            &[],
        ),
    ];
    for (name, request, names) in cases {
        let server = contact_server().await;
        let client = client(&server);
        let contacts = client.contacts();
        let (operation, result) = match request {
            Refused::Get(set) => ("contacts.get", set(contacts.get()).send().await),
            Refused::Update(data, set) => {
                ("contacts.update", set(contacts.update(*data)).send().await)
            }
        };

        let error = result.expect_err(name);
        let Error::Precondition {
            operation: op,
            message,
        } = &error
        else {
            panic!("{name}: expected Precondition, got {error:?}");
        };
        assert_eq!(*op, operation, "{name}");
        assert!(
            error.to_string().contains(operation),
            "{name}: the message names the operation: {error}"
        );
        for word in names {
            assert!(
                message.contains(word),
                "{name}: `{word}` missing from: {message}"
            );
        }
        assert_nothing_sent(&server).await;
    }
}

#[tokio::test]
async fn a_valid_contacts_update_is_sent() {
    // The counterpart of the refusals above: a selector and a change pass the checks.
    let server = contact_server().await;
    let contact = client(&server)
        .contacts()
        .update(ContactChanges::new().with_status("vip"))
        .integration_id("crm-1")
        .send()
        .await
        .unwrap();
    assert_eq!(contact.id, "c_1");
    let sent = json!({ "integrationId": "crm-1", "data": { "status": "vip" } });
    assert_sent(&server, PAT, "PATCH", "/sdk/contact", None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// pagination: contacts().list().into_pages()
// ---------------------------------------------------------------------------------------

/// A new server with one `POST route` mock per `(page, response)`, each matched on the JSON
/// body's `page` and expected exactly once.
async fn paged_server(route: &str, pages: Vec<(i64, Value)>) -> MockServer {
    let server = MockServer::start().await;
    for (page, response) in pages {
        mount_once(
            &server,
            authed("POST", route, PAT).and(BodyPage(page)),
            ok_json(&response),
        )
        .await;
    }
    server
}

/// Mounts a `POST route` mock for `page` that must never be reached: asking for that page
/// would be a bug.
async fn forbid_page(server: &MockServer, route: &str, page: i64, response: &Value) {
    authed("POST", route, PAT)
        .and(BodyPage(page))
        .respond_with(ok_json(response))
        .expect(0)
        .mount(server)
        .await;
}

/// Every contact `contacts().list().into_pages()` collects in pages of two.
async fn all_contacts_by_two(server: &MockServer) -> Result<Vec<Contact>, Error> {
    client(server)
        .contacts()
        .list()
        .body(contacts_by_two())
        .into_pages()
        .collect()
        .await
}

/// The JSON bodies of every request, in order, after checking their credentials and path.
async fn sent_bodies(server: &MockServer, route: &str) -> Vec<Value> {
    received(server)
        .await
        .iter()
        .map(|request| {
            assert_credentials(request, PAT);
            assert_route(request, "POST", route);
            serde_json::from_slice(&request.body).unwrap()
        })
        .collect()
}

fn five_contact_pages() -> Vec<(i64, Value)> {
    vec![
        (1, contact_page(&[1, 2], 5, 1, 2)),
        (2, contact_page(&[3, 4], 5, 2, 2)),
        (3, contact_page(&[5], 5, 3, 2)),
    ]
}

#[tokio::test]
async fn contacts_list_all_collects_every_page_in_order() {
    let server = paged_server(CONTACT_LIST, five_contact_pages()).await;

    let contacts = all_contacts_by_two(&server).await.unwrap();
    assert_eq!(contact_ids(&contacts), ["c_1", "c_2", "c_3", "c_4", "c_5"]);
    assert_eq!(contacts[4].email.as_deref(), Some("person5@example.com"));
    assert_eq!(
        sent_bodies(&server, CONTACT_LIST).await,
        [
            json!({ "limit": 2, "page": 1, "filter": {} }),
            json!({ "limit": 2, "page": 2, "filter": {} }),
            json!({ "limit": 2, "page": 3, "filter": {} }),
        ]
    );
}

#[tokio::test]
async fn contacts_list_all_with_nothing_set_pages_from_the_default_page_by_the_default_limit() {
    let first: Vec<usize> = (1..=10).collect();
    let server = paged_server(
        CONTACT_LIST,
        vec![
            (1, contact_page(&first, 12, 1, 10)),
            (2, contact_page(&[11, 12], 12, 2, 10)),
        ],
    )
    .await;

    let contacts = client(&server)
        .contacts()
        .list()
        .into_pages()
        .collect()
        .await
        .unwrap();
    assert_eq!(contacts.len(), 12);
    assert_eq!(
        sent_bodies(&server, CONTACT_LIST).await,
        [
            json!({ "page": 1, "limit": 10, "filter": {} }),
            json!({ "page": 2, "limit": 10, "filter": {} }),
        ]
    );
}

#[tokio::test]
async fn contacts_list_all_keeps_filter_and_sort_on_every_page() {
    let server = paged_server(CONTACT_LIST, five_contact_pages()).await;

    let contacts = client(&server)
        .contacts()
        .list()
        .limit(2)
        .filter(tree(json!({ "status": { "$ne": "inactive" } })))
        .sort(BTreeMap::from([("createdDate".to_owned(), -1)]))
        .into_pages()
        .collect()
        .await
        .unwrap();
    assert_eq!(contacts.len(), 5);
    let bodies = sent_bodies(&server, CONTACT_LIST).await;
    assert_eq!(bodies.len(), 3);
    for (i, body) in bodies.iter().enumerate() {
        assert_eq!(
            body,
            &json!({
                "limit": 2,
                "page": i + 1,
                "filter": { "status": { "$ne": "inactive" } },
                "sort": { "createdDate": -1 }
            })
        );
    }
}

#[tokio::test]
async fn contacts_list_all_starts_at_the_requested_page() {
    let server = paged_server(
        CONTACT_LIST,
        vec![
            (2, contact_page(&[3, 4], 5, 2, 2)),
            (3, contact_page(&[5], 5, 3, 2)),
        ],
    )
    .await;

    let contacts = client(&server)
        .contacts()
        .list()
        .page(2)
        .limit(2)
        .into_pages()
        .collect()
        .await
        .unwrap();
    assert_eq!(contact_ids(&contacts), ["c_3", "c_4", "c_5"]);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn contacts_list_all_stops_at_an_early_empty_page() {
    let server = paged_server(
        CONTACT_LIST,
        vec![
            (1, contact_page(&[1, 2], 5, 1, 2)),
            // The total said 5, but the server runs dry: stop instead of looping.
            (2, contact_page(&[], 5, 2, 2)),
        ],
    )
    .await;
    // A page 3 would be a bug.
    forbid_page(&server, CONTACT_LIST, 3, &contact_page(&[5], 5, 3, 2)).await;

    let contacts = all_contacts_by_two(&server).await.unwrap();
    assert_eq!(contact_ids(&contacts), ["c_1", "c_2"]);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn contacts_list_all_of_nothing_makes_one_request() {
    let server = paged_server(CONTACT_LIST, vec![(1, contact_page(&[], 0, 1, 2))]).await;

    let contacts = all_contacts_by_two(&server).await.unwrap();
    assert!(contacts.is_empty());
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn contacts_list_all_next_yields_items_one_by_one_fetching_lazily() {
    let server = paged_server(CONTACT_LIST, five_contact_pages()).await;

    let client = client(&server);
    let mut pages = client
        .contacts()
        .list()
        .body(contacts_by_two())
        .into_pages();
    assert!(
        received(&server).await.is_empty(),
        "nothing is sent before the first next()"
    );

    // (expected item, requests made once it has been returned)
    let expected = [("c_1", 1), ("c_2", 1), ("c_3", 2), ("c_4", 2), ("c_5", 3)];
    for (id, requests) in expected {
        let contact = pages.next().await.unwrap().expect("another contact");
        assert_eq!(contact.id, id);
        assert_eq!(request_count(&server).await, requests, "after {id}");
    }
    assert!(pages.next().await.unwrap().is_none());
    assert!(pages.next().await.unwrap().is_none(), "stays finished");
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn contacts_list_all_unsuccessful_page_two_is_an_error_from_next() {
    let server = paged_server(
        CONTACT_LIST,
        vec![
            (1, contact_page(&[1, 2], 5, 1, 2)),
            (
                2,
                json!({ "success": false, "error": "Database temporarily unavailable" }),
            ),
        ],
    )
    .await;

    let client = client(&server);
    let mut pages = client
        .contacts()
        .list()
        .body(contacts_by_two())
        .into_pages();
    assert_eq!(pages.next().await.unwrap().unwrap().id, "c_1");
    assert_eq!(pages.next().await.unwrap().unwrap().id, "c_2");
    let error = pages.next().await.unwrap_err();
    let Error::Unsuccessful(api) = &error else {
        panic!("expected Unsuccessful, got {error:?}");
    };
    assert_eq!(api.status(), 200);
    assert_eq!(api.message(), Some("Database temporarily unavailable"));
    // After an error the list ends; page 3 is never requested.
    assert!(pages.next().await.unwrap().is_none());
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn contacts_list_all_unsuccessful_page_two_fails_collect() {
    let server = paged_server(
        CONTACT_LIST,
        vec![
            (1, contact_page(&[1, 2], 5, 1, 2)),
            (2, json!({ "success": false, "error": "boom" })),
        ],
    )
    .await;

    let error = all_contacts_by_two(&server).await.unwrap_err();
    assert!(
        matches!(error, Error::Unsuccessful(_)),
        "expected Unsuccessful, got {error:?}"
    );
    assert_eq!(request_count(&server).await, 2);
}

// ---------------------------------------------------------------------------------------
// pagination: conversations().list().into_pages() (no envelope)
// ---------------------------------------------------------------------------------------

fn five_conversation_pages() -> Vec<(i64, Value)> {
    vec![
        (1, conversation_page(&[1, 2], 5, 1, 2)),
        (2, conversation_page(&[3, 4], 5, 2, 2)),
        (3, conversation_page(&[5], 5, 3, 2)),
    ]
}

#[tokio::test]
async fn conversations_list_all_collects_every_page_in_order() {
    let server = paged_server(CONVERSATION_LIST, five_conversation_pages()).await;

    let conversations = client(&server)
        .conversations()
        .list()
        .contact_id("c_1")
        .limit(2)
        .into_pages()
        .collect()
        .await
        .unwrap();
    assert_eq!(
        conversation_ids(&conversations),
        ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]
    );
    assert_eq!(conversations[0], expected_conversation("conv_1"));
    assert_eq!(
        sent_bodies(&server, CONVERSATION_LIST).await,
        [
            json!({ "contactId": "c_1", "limit": 2, "page": 1 }),
            json!({ "contactId": "c_1", "limit": 2, "page": 2 }),
            json!({ "contactId": "c_1", "limit": 2, "page": 3 }),
        ]
    );
}

#[tokio::test]
async fn conversations_list_all_stops_at_an_early_empty_page() {
    let server = paged_server(
        CONVERSATION_LIST,
        vec![
            (1, conversation_page(&[1, 2], 5, 1, 2)),
            (2, conversation_page(&[], 5, 2, 2)),
        ],
    )
    .await;
    forbid_page(
        &server,
        CONVERSATION_LIST,
        3,
        &conversation_page(&[5], 5, 3, 2),
    )
    .await;

    let conversations = client(&server)
        .conversations()
        .list()
        .body(conversations_by_two())
        .into_pages()
        .collect()
        .await
        .unwrap();
    assert_eq!(conversation_ids(&conversations), ["conv_1", "conv_2"]);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn conversations_list_all_next_yields_items_one_by_one() {
    let server = paged_server(CONVERSATION_LIST, five_conversation_pages()).await;

    let client = client(&server);
    let mut pages = client
        .conversations()
        .list()
        .body(conversations_by_two())
        .into_pages();
    assert!(received(&server).await.is_empty());
    let mut ids = Vec::new();
    while let Some(conversation) = pages.next().await.unwrap() {
        ids.push(conversation.id);
    }
    assert_eq!(ids, ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]);
    assert!(pages.next().await.unwrap().is_none());
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn conversations_list_all_http_error_on_page_two_is_an_error_from_next() {
    let server = paged_server(
        CONVERSATION_LIST,
        vec![(1, conversation_page(&[1, 2], 5, 1, 2))],
    )
    .await;
    mount_once(
        &server,
        authed("POST", CONVERSATION_LIST, PAT).and(BodyPage(2)),
        json_response(
            500,
            json!({ "message": "Internal error", "statusCode": 500 }),
        ),
    )
    .await;

    let client = client_with(&server, RetryPolicy::NEVER);
    let mut pages = client
        .conversations()
        .list()
        .body(conversations_by_two())
        .into_pages();
    assert_eq!(pages.next().await.unwrap().unwrap().id, "conv_1");
    assert_eq!(pages.next().await.unwrap().unwrap().id, "conv_2");
    let error = pages.next().await.unwrap_err();
    assert!(
        matches!(error, Error::Api(_)),
        "expected Api, got {error:?}"
    );
    assert_eq!(error.status(), Some(500));
    assert!(pages.next().await.unwrap().is_none());
    assert_eq!(request_count(&server).await, 2);
}

// ---------------------------------------------------------------------------------------
// the page envelope
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_list_returns_a_typed_page_with_total_page_and_limit() {
    let page = ok_json(&contact_page(&[3, 4], 5, 2, 2));
    let server = serve_once("POST", CONTACT_LIST, PAT, page).await;

    let page = client(&server)
        .contacts()
        .list()
        .page(2)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page,
        ContactPage::new(
            vec![
                serde_json::from_value(contact_json(3)).unwrap(),
                serde_json::from_value(contact_json(4)).unwrap(),
            ],
            5,
            2,
            2,
        )
    );
    assert_eq!(page.data[0].workspace_id, "ws_01");
    assert_eq!(page.data[1].tags, Some(vec!["beta".to_owned()]));
    let sent = json!({ "page": 2, "limit": 2, "filter": {} });
    assert_sent(&server, PAT, "POST", CONTACT_LIST, None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// retries: only reads are repeated (reference §7.3: create, send and resume are not
// idempotent)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn creating_sending_resuming_and_running_flows_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_response(
            503,
            json!({ "message": "Service Unavailable" }),
        ))
        .mount(&server)
        .await;
    let client = client_with(&server, FAST_RETRIES);
    let conversations = client.conversations();

    let errors = [
        conversations.create().send().await.unwrap_err(),
        conversations
            .send_message("conv_1", "hi")
            .send()
            .await
            .unwrap_err(),
        conversations
            .resume_message("conv_1", "msg_1", ToolResult::default())
            .send()
            .await
            .unwrap_err(),
        client
            .flows()
            .execute("flow_1")
            .body(flow_inputs())
            .send()
            .await
            .unwrap_err(),
    ];
    for error in &errors {
        assert!(
            matches!(error, Error::Api(_)),
            "expected Api, got {error:?}"
        );
        assert_eq!(error.status(), Some(503));
    }
    let paths: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/sdk/conversation",
            "/sdk/conversation/conv_1/message",
            "/sdk/conversation/conv_1/message/msg_1/resume",
            "/sdk/flow/flow_1/execute",
        ],
        "each call is sent exactly once"
    );
}

#[tokio::test]
async fn reading_messages_is_retried_after_a_503_with_the_same_request() {
    let server = MockServer::start().await;
    authed("GET", CONV_1_MESSAGES, PAT)
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let messages = authed("GET", CONV_1_MESSAGES, PAT);
    mount_once(&server, messages, ok_json(&messages_json())).await;

    let messages = conv_1_messages(&client_with(&server, FAST_RETRIES))
        .await
        .unwrap();
    assert_eq!(messages, expected_messages());
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_credentials(request, PAT);
        assert_eq!(request.url.path(), CONV_1_MESSAGES);
        assert_eq!(request.url.query(), Some("messagesCount=10"));
        assert_bodiless(request);
    }
}
