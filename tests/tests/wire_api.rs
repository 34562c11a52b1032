//! Wire tests of the committed `cognipeer-sdk` for the conversations, flows and channels
//! operations and for the generic features: open enums, unknown fields kept, path
//! percent-encoding, client-side preconditions, page/limit pagination and the page
//! envelope. Everything runs against a local `wiremock` server on 127.0.0.1.
//!
//! (peers.get, users.get, the four contacts operations and the error mappings are in
//! `wire.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use cognipeer_sdk::models::{
    Channel, ChannelType, ClientFunction, ClientFunctionParameters, ClientTool, ClientToolType,
    Contact, ContactChanges, ContactPage, ContactsGetQuery, Conversation, ConversationMessage,
    ConversationPage, ConversationsMessagesQuery, CreateConversation, CreateConversationResponse,
    ExecuteFlowResponse, FlowsExecuteQuery, ListContacts, ListConversations, Message, MessageRole,
    MessageStatus, PendingAction, ResponseFormat, ResumeMessage, ResumeMessageResponse,
    SendMessage, SendMessageResponse, ToolLog, ToolResult, UpdateContact,
};
use cognipeer_sdk::{CognipeerClient, Error, HookId, RetryPolicy, Token};
use serde_json::{json, Value};
use std::time::Duration;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Match, Mock, MockBuilder, MockServer, Request, ResponseTemplate};

/// A personal access token (the example shape from the authentication guide).
const PAT: &str = "pat_q7x2m9c4v8b1n6k3j5h0g2f4d6s8a1p3o5i7u9y0";
/// A hookId (20 lowercase letters, like the guide's example).
const HOOK: &str = "qwhxnzkapmtrlyvbdsoe";
/// An id with every character that must not break out of its path segment.
const NASTY_ID: &str = "a/b?c#d e%f–Ü";
/// `NASTY_ID` percent-encoded as one path segment.
const NASTY_ID_ENCODED: &str = "a%2Fb%3Fc%23d%20e%25f%E2%80%93%C3%9C";

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

fn client(server: &MockServer) -> CognipeerClient {
    CognipeerClient::builder(Token::new(PAT).unwrap(), HookId::new(HOOK).unwrap())
        .base_url(server.uri())
        .build()
        .unwrap()
}

/// A client with its own retry policy.
fn client_with(server: &MockServer, retry: RetryPolicy) -> CognipeerClient {
    CognipeerClient::builder(Token::new(PAT).unwrap(), HookId::new(HOOK).unwrap())
        .base_url(server.uri())
        .retry(retry)
        .build()
        .unwrap()
}

/// Up to three attempts with millisecond backoff, so that retry tests stay fast.
const FAST_RETRIES: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(1),
    max_backoff: Duration::from_millis(5),
};

/// A mock for `verb route` that matches only with the client's exact credentials.
fn authed(verb: &str, route: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("Authorization", format!("Bearer {PAT}").as_str()))
        .and(header("X-Hook-Id", HOOK))
}

fn ok_json(body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is enabled")
}

/// Checks the credentials every request must carry, exactly once each, and that the
/// hookId travels only in its header.
fn assert_credentials(request: &Request) {
    let auth: Vec<_> = request.headers.get_all("authorization").iter().collect();
    assert_eq!(auth.len(), 1, "exactly one Authorization header");
    assert_eq!(auth[0].to_str().unwrap(), format!("Bearer {PAT}"));
    let hook: Vec<_> = request.headers.get_all("x-hook-id").iter().collect();
    assert_eq!(hook.len(), 1, "exactly one X-Hook-Id header");
    assert_eq!(hook[0].to_str().unwrap(), HOOK);
    assert!(
        !request.url.query_pairs().any(|(name, _)| name == "hookId"),
        "hookId must not be in the query: {}",
        request.url
    );
    if !request.body.is_empty() {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert!(
            body.get("hookId").is_none(),
            "hookId must not be in the body"
        );
    }
}

/// Exactly one request reached the server; returns it after checking its credentials.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = received(server).await;
    assert_eq!(
        requests.len(),
        1,
        "expected exactly one request: {requests:#?}"
    );
    let request = requests.remove(0);
    assert_credentials(&request);
    request
}

/// A bodiless request: no body and no content type.
fn assert_bodiless(request: &Request) {
    assert!(request.body.is_empty(), "expected no body");
    assert!(request.headers.get("content-type").is_none());
}

/// A JSON body equal to `expected`, with no `null` anywhere (unset fields are absent).
fn assert_json_body(request: &Request, expected: &Value) {
    assert_eq!(
        request
            .headers
            .get("content-type")
            .expect("a JSON body has a content type")
            .to_str()
            .unwrap(),
        "application/json"
    );
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(&sent, expected);
    assert_no_nulls(&sent);
}

fn assert_no_nulls(value: &Value) {
    match value {
        Value::Null => panic!("unset optional fields must be absent, not null"),
        Value::Array(items) => items.iter().for_each(assert_no_nulls),
        Value::Object(fields) => fields.values().for_each(assert_no_nulls),
        _ => {}
    }
}

/// The values of one query parameter, in order.
fn query_values(request: &Request, name: &str) -> Vec<String> {
    request
        .url
        .query_pairs()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect()
}

fn obj(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn tree(value: Value) -> BTreeMap<String, Value> {
    obj(value).into_iter().collect()
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

// ---------------------------------------------------------------------------------------
// custom matchers
// ---------------------------------------------------------------------------------------

/// The raw (still percent-encoded) request path is exactly this.
struct RawPath(String);

impl Match for RawPath {
    fn matches(&self, request: &Request) -> bool {
        request.url.path() == self.0
    }
}

/// The query parameter occurs exactly once, with exactly this value.
struct QueryOnce(&'static str, &'static str);

impl Match for QueryOnce {
    fn matches(&self, request: &Request) -> bool {
        query_values(request, self.0) == [self.1]
    }
}

/// The request has no query string at all.
struct NoQuery;

impl Match for NoQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query().is_none()
    }
}

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
    ClientTool {
        r#type: ClientToolType::Function,
        function: ClientFunction {
            name: "get_weather".into(),
            description: Some("Current weather for a city".into()),
            parameters: ClientFunctionParameters {
                r#type: "object".into(),
                properties: tree(json!({
                    "city": { "type": "string", "description": "City name" },
                    "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] }
                })),
                required: Some(vec!["city".into()]),
            },
        },
    }
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
    Conversation {
        id: id.into(),
        title: Some(format!("Conversation {id}")),
        peer_id: "65f1c0ffee00000000000a01".into(),
        user_id: Some("65f1c0ffee00000000000b02".into()),
        contact_id: None,
        source: "sdk".into(),
        created_at: "2024-12-01T10:00:00.000Z".into(),
        updated_at: "2024-12-01T10:05:00.000Z".into(),
        peer: None,
    }
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
    let server = MockServer::start().await;
    let expected_body = json!({
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
    authed("POST", "/sdk/conversation")
        .and(NoQuery)
        .and(body_json(&expected_body))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let body = CreateConversation {
        contact_id: Some("c_1".into()),
        messages: Some(vec![
            Message {
                role: MessageRole::User,
                content: "What's the weather in Berlin?".into(),
            },
            Message {
                role: MessageRole::Ai,
                content: "Let me check.".into(),
            },
        ]),
        client_tools: Some(vec![weather_tool()]),
        response_format: Some(ResponseFormat::Json),
        response_schema: Some(answer_schema()),
        additional_context: Some("The user is in Europe.".into()),
        version: Some("3".into()),
    };
    let answer = client(&server).conversations().create(&body).await.unwrap();

    assert_eq!(
        answer,
        CreateConversationResponse {
            conversation_id: "conv_1".into(),
            peer_id: "65f1c0ffee00000000000a01".into(),
            user_id: Some("65f1c0ffee00000000000b02".into()),
            contact_id: Some("c_1".into()),
            created: Some(true),
            content: Some(String::new()),
            output: Some(json!({ "summary": "pending" })),
            tools: Some(vec![ToolLog {
                name: "search".into(),
                input: Some(json!({ "q": "berlin" })),
                output: Some(json!(["r1", "r2"])),
                status: Some("done".into()),
                error: None,
            }]),
            message_id: Some("msg_ai_1".into()),
            status: Some(MessageStatus::ClientToolCall),
            pending_action: Some(PendingAction {
                execution_id: "exec_1".into(),
                tool_name: "get_weather".into(),
                args: tree(json!({ "city": "Berlin", "unit": "celsius" })),
                timestamp: Some("2024-12-01T10:00:01.000Z".into()),
            }),
        }
    );
    assert_round_trips!(&answer, &response);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/sdk/conversation");
    assert_json_body(&request, &expected_body);
}

#[tokio::test]
async fn conversations_create_with_defaults_sends_empty_object_and_accepts_minimal_answer() {
    let server = MockServer::start().await;
    // The reference's own test mock leaves out `created`, `status` and `messageId`.
    let response = json!({ "conversationId": "conv_2", "peerId": "p_1" });
    authed("POST", "/sdk/conversation")
        .and(body_json(json!({})))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .create(&CreateConversation::default())
        .await
        .unwrap();
    assert_eq!(
        answer,
        CreateConversationResponse {
            conversation_id: "conv_2".into(),
            peer_id: "p_1".into(),
            ..CreateConversationResponse::default()
        }
    );
    let request = only_request(&server).await;
    assert_json_body(&request, &json!({}));
}

#[tokio::test]
async fn conversations_create_text_format_with_only_messages() {
    let server = MockServer::start().await;
    let expected_body = json!({
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
    authed("POST", "/sdk/conversation")
        .and(body_json(&expected_body))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .create(&CreateConversation {
            messages: Some(vec![Message {
                role: MessageRole::User,
                content: "Hallo, wie geht's? 👋".into(),
            }]),
            response_format: Some(ResponseFormat::Text),
            ..CreateConversation::default()
        })
        .await
        .unwrap();
    assert_eq!(answer.status, Some(MessageStatus::Done));
    assert_eq!(answer.content.as_deref(), Some("Gut, danke!"));
    assert_round_trips!(&answer, &response);
    assert_json_body(&only_request(&server).await, &expected_body);
}

// ---------------------------------------------------------------------------------------
// conversations.send_message
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_send_message_posts_to_the_conversation_without_its_id_in_the_body() {
    let server = MockServer::start().await;
    let expected_body = json!({
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
    authed("POST", "/sdk/conversation/conv_1/message")
        .and(NoQuery)
        .and(body_json(&expected_body))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let body = SendMessage {
        content: "Summarize our chat.".into(),
        contact_id: Some("c_1".into()),
        client_tools: Some(vec![weather_tool()]),
        response_format: Some(ResponseFormat::Json),
        response_schema: Some(answer_schema()),
        additional_context: Some("Keep it short.".into()),
        version: Some("latest".into()),
    };
    let answer = client(&server)
        .conversations()
        .send_message("conv_1", &body)
        .await
        .unwrap();
    assert_eq!(
        answer,
        SendMessageResponse {
            conversation_id: "conv_1".into(),
            content: None,
            output: Some(json!({ "summary": "We talked about weather.", "confidence": 0.9 })),
            tools: Some(vec![ToolLog {
                name: "memory".into(),
                status: Some("error".into()),
                error: Some("timeout".into()),
                ..ToolLog::default()
            }]),
            message_id: "msg_ai_2".into(),
            status: MessageStatus::Done,
            pending_action: None,
        }
    );
    assert_round_trips!(&answer, &response);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/sdk/conversation/conv_1/message");
    assert_json_body(&request, &expected_body);
    let sent: Value = serde_json::from_slice(&request.body).unwrap();
    assert!(sent.get("conversationId").is_none());
}

#[tokio::test]
async fn conversations_send_message_with_only_content_sends_only_content() {
    let server = MockServer::start().await;
    let response = json!({
        "conversationId": "conv_1",
        "content": "Hi!",
        "messageId": "msg_ai_3",
        "status": "completed"
    });
    authed("POST", "/sdk/conversation/conv_1/message")
        .and(body_json(json!({ "content": "Hello" })))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .send_message(
            "conv_1",
            &SendMessage {
                content: "Hello".into(),
                ..SendMessage::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.status, MessageStatus::Completed);
    assert_eq!(answer.content.as_deref(), Some("Hi!"));
    assert_round_trips!(&answer, &response);
    assert_json_body(&only_request(&server).await, &json!({ "content": "Hello" }));
}

// ---------------------------------------------------------------------------------------
// conversations.resume_message
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_resume_message_posts_exactly_the_tool_result() {
    let server = MockServer::start().await;
    let expected_body = json!({
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
    authed("POST", "/sdk/conversation/conv_1/message/msg_ai_1/resume")
        .and(NoQuery)
        .and(body_json(&expected_body))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let body = ResumeMessage {
        tool_result: ToolResult {
            execution_id: "exec_1".into(),
            success: true,
            output: "{\"tempC\":21}".into(),
            error: None,
        },
    };
    let answer = client(&server)
        .conversations()
        .resume_message("conv_1", "msg_ai_1", &body)
        .await
        .unwrap();
    assert_eq!(
        answer,
        ResumeMessageResponse {
            conversation_id: "conv_1".into(),
            content: String::new(),
            tools: Some(vec![ToolLog {
                name: "get_weather".into(),
                input: Some(json!({ "city": "Berlin" })),
                output: Some(json!("{\"tempC\":21}")),
                ..ToolLog::default()
            }]),
            message_id: "msg_ai_1".into(),
            status: MessageStatus::ClientToolCall,
            pending_action: Some(PendingAction {
                execution_id: "exec_2".into(),
                tool_name: "get_forecast".into(),
                args: tree(json!({ "city": "Berlin", "days": 3 })),
                timestamp: None,
            }),
        }
    );
    assert_round_trips!(&answer, &response);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(
        request.url.path(),
        "/sdk/conversation/conv_1/message/msg_ai_1/resume"
    );
    assert_json_body(&request, &expected_body);
}

#[tokio::test]
async fn conversations_resume_message_failed_tool_sends_empty_output_and_error() {
    let server = MockServer::start().await;
    let expected_body = json!({
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
    authed("POST", "/sdk/conversation/conv_1/message/msg_ai_9/resume")
        .and(body_json(&expected_body))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .resume_message(
            "conv_1",
            "msg_ai_9",
            &ResumeMessage {
                tool_result: ToolResult {
                    execution_id: "exec_9".into(),
                    success: false,
                    output: String::new(),
                    error: Some("Unknown tool: teleport".into()),
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.status, MessageStatus::Done);
    assert_eq!(answer.pending_action, None);
    assert_round_trips!(&answer, &response);
    assert_json_body(&only_request(&server).await, &expected_body);
}

// ---------------------------------------------------------------------------------------
// conversations.list
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_list_with_defaults_posts_empty_object() {
    let server = MockServer::start().await;
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
    authed("POST", "/sdk/conversation/list")
        .and(NoQuery)
        .and(body_json(json!({})))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .conversations()
        .list(&ListConversations::default())
        .await
        .unwrap();
    assert_eq!(
        page,
        ConversationPage {
            data: vec![
                expected_conversation("conv_1"),
                Conversation {
                    id: "conv_2".into(),
                    title: None,
                    peer_id: "p_1".into(),
                    user_id: None,
                    contact_id: Some("c_9".into()),
                    source: "api".into(),
                    created_at: "2024-12-02T10:00:00.000Z".into(),
                    updated_at: "2024-12-02T10:00:00.000Z".into(),
                    peer: Some(json!({ "_id": "p_1", "name": "Support Agent" })),
                },
            ],
            total: 2,
            page: 1,
            limit: 10,
        }
    );
    assert_round_trips!(&page, &response);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/sdk/conversation/list");
    assert_json_body(&request, &json!({}));
}

#[tokio::test]
async fn conversations_list_sends_filter_sort_page_limit_and_contact() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "contactId": "c_1",
        "filter": { "title": { "$exists": true }, "source": "sdk" },
        "page": 2,
        "limit": 5,
        "sort": { "createdAt": -1 }
    });
    authed("POST", "/sdk/conversation/list")
        .and(body_json(&expected_body))
        .respond_with(ok_json(&conversation_page(&[6], 6, 2, 5)))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .conversations()
        .list(&ListConversations {
            contact_id: Some("c_1".into()),
            filter: Some(tree(
                json!({ "title": { "$exists": true }, "source": "sdk" }),
            )),
            page: Some(2),
            limit: Some(5),
            sort: Some(BTreeMap::from([("createdAt".to_owned(), -1)])),
        })
        .await
        .unwrap();
    assert_eq!(conversation_ids(&page.data), ["conv_6"]);
    assert_eq!((page.total, page.page, page.limit), (6, 2, 5));
    assert_json_body(&only_request(&server).await, &expected_body);
}

// ---------------------------------------------------------------------------------------
// conversations.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversations_get_fetches_one_conversation() {
    let server = MockServer::start().await;
    let mut response = conversation_json("conv_1");
    response["peer"] = json!({ "_id": "65f1c0ffee00000000000a01", "name": "Support Agent", "modelId": "gpt-4o-mini" });
    authed("GET", "/sdk/conversation/conv_1")
        .and(NoQuery)
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let conversation = client(&server).conversations().get("conv_1").await.unwrap();
    assert_eq!(
        conversation,
        Conversation {
            peer: Some(json!({
                "_id": "65f1c0ffee00000000000a01",
                "name": "Support Agent",
                "modelId": "gpt-4o-mini"
            })),
            ..expected_conversation("conv_1")
        }
    );
    assert_round_trips!(&conversation, &response);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/sdk/conversation/conv_1");
    assert_eq!(request.url.query(), None);
    assert_bodiless(&request);
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
        ConversationMessage {
            id: "msg_1".into(),
            conversation_id: "conv_1".into(),
            r#type: MessageRole::User,
            content: "What's the weather?".into(),
            status: None,
            created_at: "2024-12-01T10:00:00.000Z".into(),
            tool_logs: None,
        },
        ConversationMessage {
            id: "msg_2".into(),
            conversation_id: "conv_1".into(),
            r#type: MessageRole::Ai,
            content: "Sunny, 21 °C.".into(),
            status: Some(MessageStatus::Done),
            created_at: "2024-12-01T10:00:02.000Z".into(),
            tool_logs: Some(vec![ToolLog {
                name: "get_weather".into(),
                input: Some(json!({ "city": "Berlin" })),
                output: Some(json!({ "tempC": 21 })),
                status: Some("success".into()),
                error: None,
            }]),
        },
    ]
}

#[tokio::test]
async fn conversations_messages_sends_default_messages_count_10_and_decodes_bare_array() {
    let server = MockServer::start().await;
    authed("GET", "/sdk/conversation/conv_1/message")
        .and(QueryOnce("messagesCount", "10"))
        .respond_with(ok_json(&messages_json()))
        .expect(1)
        .mount(&server)
        .await;

    let messages = client(&server)
        .conversations()
        .messages("conv_1", &ConversationsMessagesQuery::default())
        .await
        .unwrap();
    assert_eq!(messages, expected_messages());
    assert_round_trips!(&messages, &messages_json());

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/sdk/conversation/conv_1/message");
    assert_eq!(request.url.query(), Some("messagesCount=10"));
    assert_bodiless(&request);
}

#[tokio::test]
async fn conversations_messages_sends_the_given_messages_count_once() {
    let server = MockServer::start().await;
    authed("GET", "/sdk/conversation/conv_1/message")
        .and(QueryOnce("messagesCount", "3"))
        .respond_with(ok_json(&json!([])))
        .expect(1)
        .mount(&server)
        .await;

    let messages = client(&server)
        .conversations()
        .messages(
            "conv_1",
            &ConversationsMessagesQuery {
                messages_count: Some(3),
            },
        )
        .await
        .unwrap();
    assert!(messages.is_empty());

    let request = only_request(&server).await;
    assert_eq!(query_values(&request, "messagesCount"), ["3"]);
    assert_eq!(request.url.query(), Some("messagesCount=3"));
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
    let server = MockServer::start().await;
    let response = json!({
        "success": true,
        "outputs": { "summary": "2 orders found", "total": 59.9 },
        // not typed by the SDK: kept in `extra`
        "executionId": "exec_42",
        "durationMs": 1234
    });
    authed("POST", "/sdk/flow/flow_1/execute")
        .and(QueryOnce("version", "latest"))
        .and(body_json(json!({
            "customerName": "Jürgen",
            "orderIds": [101, 102],
            "options": { "priority": "high", "notify": true }
        })))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let result = client(&server)
        .flows()
        .execute("flow_1", &FlowsExecuteQuery::default(), &flow_inputs())
        .await
        .unwrap();
    assert_eq!(
        result,
        ExecuteFlowResponse {
            success: true,
            outputs: Some(tree(json!({ "summary": "2 orders found", "total": 59.9 }))),
            error: None,
            extra: obj(json!({ "executionId": "exec_42", "durationMs": 1234 })),
        }
    );
    assert_round_trips!(&result, &response);

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/sdk/flow/flow_1/execute");
    assert_eq!(request.url.query(), Some("version=latest"));
    // The inputs are the body itself: not wrapped in `inputs`, no flowId, no version.
    assert_json_body(
        &request,
        &Value::Object(flow_inputs().into_iter().collect()),
    );
}

#[tokio::test]
async fn flows_execute_sends_the_given_version_once_and_empty_inputs_as_empty_object() {
    let server = MockServer::start().await;
    let response = json!({ "success": false, "error": "Input `customerName` is required" });
    authed("POST", "/sdk/flow/flow_1/execute")
        .and(QueryOnce("version", "v3"))
        .and(body_json(json!({})))
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let result = client(&server)
        .flows()
        .execute(
            "flow_1",
            &FlowsExecuteQuery {
                version: Some("v3".into()),
            },
            &BTreeMap::new(),
        )
        .await
        .unwrap();
    // flows.execute has no envelope: a failed run is a value, as the API sends it.
    assert_eq!(
        result,
        ExecuteFlowResponse {
            success: false,
            error: Some("Input `customerName` is required".into()),
            ..ExecuteFlowResponse::default()
        }
    );
    assert_round_trips!(&result, &response);

    let request = only_request(&server).await;
    assert_eq!(query_values(&request, "version"), ["v3"]);
    assert_json_body(&request, &json!({}));
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
    let server = MockServer::start().await;
    authed("GET", "/sdk/channel")
        .and(NoQuery)
        .respond_with(ok_json(&channel_json("api")))
        .expect(1)
        .mount(&server)
        .await;

    let channel = client(&server).channels().get().await.unwrap();
    assert_eq!(
        channel,
        Channel {
            id: "ch_1".into(),
            name: "Website API".into(),
            hook_id: HOOK.into(),
            peer_id: "65f1c0ffee00000000000a01".into(),
            channel_type: ChannelType::Api,
            gallery_key: Some("api-access".into()),
            is_active: true,
            prompt: Some("Be brief.".into()),
            messages_count: Some(20),
            created_at: Some("2024-09-01T00:00:00.000Z".into()),
            updated_at: Some("2024-12-01T00:00:00.000Z".into()),
            extra: obj(json!({
                "hookData": { "settings": { "allowedOrigins": ["https://example.com"], "rateLimit": 60 } },
                "workspaceId": "ws_01"
            })),
        }
    );
    assert_round_trips!(&channel, &channel_json("api"));

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/sdk/channel");
    assert_eq!(request.url.query(), None);
    assert_bodiless(&request);
}

// ---------------------------------------------------------------------------------------
// open and closed enums
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_channel_type_is_kept_as_unknown_and_sent_back_as_is() {
    let server = MockServer::start().await;
    authed("GET", "/sdk/channel")
        .respond_with(ok_json(&channel_json("telegram")))
        .expect(1)
        .mount(&server)
        .await;

    let channel = client(&server).channels().get().await.unwrap();
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
        let server = MockServer::start().await;
        authed("GET", "/sdk/channel")
            .respond_with(ok_json(&channel_json(wire)))
            .expect(1)
            .mount(&server)
            .await;
        let channel = client(&server).channels().get().await.unwrap();
        assert_eq!(channel.channel_type, expected, "{wire}");
        assert_eq!(channel.channel_type.to_string(), wire);
    }
}

#[tokio::test]
async fn unknown_message_status_is_kept_as_unknown() {
    let server = MockServer::start().await;
    let response = json!({
        "conversationId": "conv_1",
        "content": "…",
        "messageId": "msg_ai_5",
        "status": "thinking_hard"
    });
    authed("POST", "/sdk/conversation/conv_1/message")
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .send_message(
            "conv_1",
            &SendMessage {
                content: "Think about it.".into(),
                ..SendMessage::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        answer.status,
        MessageStatus::Unknown("thinking_hard".into())
    );
    assert_eq!(answer.status.as_str(), "thinking_hard");
    assert_round_trips!(&answer, &response);
}

#[tokio::test]
async fn known_message_status_client_tool_call_decodes_to_its_variant() {
    let server = MockServer::start().await;
    authed("POST", "/sdk/conversation/conv_1/message")
        .respond_with(ok_json(&json!({
            "conversationId": "conv_1",
            "messageId": "msg_ai_6",
            "status": "client_tool_call",
            "pendingAction": { "executionId": "exec_6", "toolName": "get_weather", "args": {} }
        })))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .send_message(
            "conv_1",
            &SendMessage {
                content: "Weather?".into(),
                ..SendMessage::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.status, MessageStatus::ClientToolCall);
    assert_eq!(answer.pending_action.unwrap().execution_id, "exec_6");
}

#[tokio::test]
async fn unknown_message_role_and_status_in_stored_messages_are_kept() {
    let server = MockServer::start().await;
    let response = json!([{
        "_id": "msg_0",
        "conversationId": "conv_1",
        "type": "system",
        "content": "Conversation started.",
        "status": "archived",
        "createdAt": "2024-12-01T09:59:59.000Z"
    }]);
    authed("GET", "/sdk/conversation/conv_1/message")
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let messages = client(&server)
        .conversations()
        .messages("conv_1", &ConversationsMessagesQuery::default())
        .await
        .unwrap();
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
    let server = MockServer::start().await;
    authed("POST", "/sdk/conversation/conv_1/message")
        .respond_with(ok_json(&json!({
            "conversationId": "conv_1",
            "messageId": "msg_ai_7",
            "status": 42
        })))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .conversations()
        .send_message(
            "conv_1",
            &SendMessage {
                content: "x".into(),
                ..SendMessage::default()
            },
        )
        .await
        .unwrap_err();
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
    let server = MockServer::start().await;
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
    authed("GET", "/sdk/peer")
        .respond_with(ok_json(&response))
        .expect(1)
        .mount(&server)
        .await;

    let peer = client(&server).peers().get().await.unwrap();
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
    let server = MockServer::start().await;
    authed("POST", "/sdk/contact/list")
        .respond_with(ok_json(&contact_page(&[1], 1, 1, 10)))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .contacts()
        .list(&ListContacts::default())
        .await
        .unwrap();
    assert_eq!(page.data.len(), 1);
    assert_eq!(page.data[0].extra, obj(json!({ "channelId": "ch_7" })));
    assert_round_trips!(&page.data[0], &contact_json(1));
}

// ---------------------------------------------------------------------------------------
// percent-encoding of path parameters
// ---------------------------------------------------------------------------------------

/// Exactly one request arrived, at exactly `raw_path`; `segments` are the decoded path
/// segments the server saw.
async fn assert_single_request_at(server: &MockServer, raw_path: &str, segments: &[&str]) {
    let request = only_request(server).await;
    assert_eq!(request.url.path(), raw_path);
    assert_eq!(request.url.query(), None, "nothing may leak into the query");
    assert_eq!(
        request.url.fragment(),
        None,
        "nothing may leak into a fragment"
    );
    let decoded: Vec<String> = request
        .url
        .path_segments()
        .unwrap()
        .map(percent_decode)
        .collect();
    assert_eq!(decoded, segments);
}

#[tokio::test]
async fn conversations_get_sends_an_awkward_id_as_one_path_segment() {
    let server = MockServer::start().await;
    let raw = format!("/sdk/conversation/{NASTY_ID_ENCODED}");
    Mock::given(method("GET"))
        .and(RawPath(raw.clone()))
        .respond_with(ok_json(&conversation_json(NASTY_ID)))
        .expect(1)
        .mount(&server)
        .await;

    let conversation = client(&server).conversations().get(NASTY_ID).await.unwrap();
    assert_eq!(conversation.id, NASTY_ID);
    assert_single_request_at(&server, &raw, &["sdk", "conversation", NASTY_ID]).await;
}

#[tokio::test]
async fn conversations_send_message_sends_an_awkward_id_as_one_path_segment() {
    let server = MockServer::start().await;
    let raw = format!("/sdk/conversation/{NASTY_ID_ENCODED}/message");
    Mock::given(method("POST"))
        .and(RawPath(raw.clone()))
        .and(body_json(json!({ "content": "hi" })))
        .respond_with(ok_json(&json!({
            "conversationId": NASTY_ID,
            "content": "hello",
            "messageId": "m",
            "status": "done"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .send_message(
            NASTY_ID,
            &SendMessage {
                content: "hi".into(),
                ..SendMessage::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.conversation_id, NASTY_ID);
    assert_single_request_at(&server, &raw, &["sdk", "conversation", NASTY_ID, "message"]).await;
}

#[tokio::test]
async fn conversations_resume_message_encodes_both_ids_separately() {
    let server = MockServer::start().await;
    let message_id = "m/1 ?#";
    let raw = format!("/sdk/conversation/{NASTY_ID_ENCODED}/message/m%2F1%20%3F%23/resume");
    Mock::given(method("POST"))
        .and(RawPath(raw.clone()))
        .respond_with(ok_json(&json!({
            "conversationId": NASTY_ID,
            "content": "done",
            "messageId": message_id,
            "status": "done"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .conversations()
        .resume_message(NASTY_ID, message_id, &ResumeMessage::default())
        .await
        .unwrap();
    assert_eq!(answer.message_id, message_id);
    assert_single_request_at(
        &server,
        &raw,
        &[
            "sdk",
            "conversation",
            NASTY_ID,
            "message",
            message_id,
            "resume",
        ],
    )
    .await;
}

#[tokio::test]
async fn conversations_messages_encodes_the_id_and_keeps_the_query_separate() {
    let server = MockServer::start().await;
    let raw = format!("/sdk/conversation/{NASTY_ID_ENCODED}/message");
    Mock::given(method("GET"))
        .and(RawPath(raw.clone()))
        .and(QueryOnce("messagesCount", "10"))
        .respond_with(ok_json(&json!([])))
        .expect(1)
        .mount(&server)
        .await;

    client(&server)
        .conversations()
        .messages(NASTY_ID, &ConversationsMessagesQuery::default())
        .await
        .unwrap();
    let request = only_request(&server).await;
    assert_eq!(request.url.path(), raw);
    assert_eq!(request.url.query(), Some("messagesCount=10"));
}

#[tokio::test]
async fn flows_execute_sends_an_awkward_flow_id_as_one_path_segment() {
    let server = MockServer::start().await;
    let raw = format!("/sdk/flow/{NASTY_ID_ENCODED}/execute");
    Mock::given(method("POST"))
        .and(RawPath(raw.clone()))
        .and(QueryOnce("version", "latest"))
        .respond_with(ok_json(&json!({ "success": true })))
        .expect(1)
        .mount(&server)
        .await;

    let result = client(&server)
        .flows()
        .execute(NASTY_ID, &FlowsExecuteQuery::default(), &BTreeMap::new())
        .await
        .unwrap();
    assert!(result.success);
    let request = only_request(&server).await;
    assert_eq!(request.url.path(), raw);
    assert_eq!(request.url.query(), Some("version=latest"));
    let decoded: Vec<String> = request
        .url
        .path_segments()
        .unwrap()
        .map(percent_decode)
        .collect();
    assert_eq!(decoded, ["sdk", "flow", NASTY_ID, "execute"]);
}

#[test]
fn percent_decode_helper_inverts_the_expected_encoding() {
    assert_eq!(percent_decode(NASTY_ID_ENCODED), NASTY_ID);
}

// ---------------------------------------------------------------------------------------
// client-side preconditions: nothing may reach the server
// ---------------------------------------------------------------------------------------

/// A server that answers anything successfully, so that only the client can refuse.
async fn permissive_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_json(
            &json!({ "success": true, "data": contact_json(1) }),
        ))
        .mount(&server)
        .await;
    server
}

fn assert_precondition(result: Result<Contact, Error>, operation: &str) -> String {
    let error = result.expect_err("expected a precondition error");
    let Error::Precondition {
        operation: op,
        message,
    } = &error
    else {
        panic!("expected Precondition, got {error:?}");
    };
    assert_eq!(*op, operation);
    assert!(
        error.to_string().contains(operation),
        "the message names the operation: {error}"
    );
    message.clone()
}

#[tokio::test]
async fn contacts_get_without_email_or_integration_id_is_refused_before_sending() {
    let server = permissive_server().await;
    let result = client(&server)
        .contacts()
        .get(&ContactsGetQuery::default())
        .await;
    let message = assert_precondition(result, "contacts.get");
    assert!(
        message.contains("email") && message.contains("integrationId"),
        "{message}"
    );
    assert!(received(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn contacts_get_with_an_empty_email_only_is_refused_before_sending() {
    let server = permissive_server().await;
    let result = client(&server)
        .contacts()
        .get(&ContactsGetQuery {
            email: Some(String::new()),
            integration_id: None,
        })
        .await;
    assert_precondition(result, "contacts.get");
    assert!(received(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn contacts_update_with_empty_changes_is_refused_before_sending() {
    let server = permissive_server().await;
    let result = client(&server)
        .contacts()
        .update(&UpdateContact {
            email: Some("person1@example.com".into()),
            integration_id: None,
            data: ContactChanges::default(),
        })
        .await;
    let message = assert_precondition(result, "contacts.update");
    assert!(message.contains("data"), "{message}");
    assert!(received(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn contacts_update_selected_by_an_empty_email_only_is_refused_before_sending() {
    let server = permissive_server().await;
    let result = client(&server)
        .contacts()
        .update(&UpdateContact {
            email: Some(String::new()),
            integration_id: None,
            data: ContactChanges {
                name: Some("New Name".into()),
                ..ContactChanges::default()
            },
        })
        .await;
    assert_precondition(result, "contacts.update");
    assert!(received(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn contacts_update_with_neither_selector_nor_changes_is_refused_before_sending() {
    let server = permissive_server().await;
    let result = client(&server)
        .contacts()
        .update(&UpdateContact::default())
        .await;
    assert_precondition(result, "contacts.update");
    assert!(received(&server).await.is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn a_valid_contacts_update_is_sent() {
    // The counterpart of the refusals above: a selector and a change pass the checks.
    let server = permissive_server().await;
    let contact = client(&server)
        .contacts()
        .update(&UpdateContact {
            email: None,
            integration_id: Some("crm-1".into()),
            data: ContactChanges {
                status: Some("vip".into()),
                ..ContactChanges::default()
            },
        })
        .await
        .unwrap();
    assert_eq!(contact.id, "c_1");
    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "PATCH");
    assert_json_body(
        &request,
        &json!({ "integrationId": "crm-1", "data": { "status": "vip" } }),
    );
}

// ---------------------------------------------------------------------------------------
// pagination: contacts().list_all
// ---------------------------------------------------------------------------------------

/// Mounts one `POST route` mock per `(page, response)`, each matched on the JSON body's
/// `page` and expected exactly once.
async fn mount_pages(server: &MockServer, route: &str, pages: Vec<(i64, Value)>) {
    for (page, response) in pages {
        authed("POST", route)
            .and(BodyPage(page))
            .respond_with(ok_json(&response))
            .expect(1)
            .mount(server)
            .await;
    }
}

/// The JSON bodies of every request, in order, after checking their credentials and path.
async fn sent_bodies(server: &MockServer, route: &str) -> Vec<Value> {
    received(server)
        .await
        .iter()
        .map(|request| {
            assert_credentials(request);
            assert_eq!(request.method.as_str(), "POST");
            assert_eq!(request.url.path(), route);
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
    let server = MockServer::start().await;
    mount_pages(&server, "/sdk/contact/list", five_contact_pages()).await;

    let contacts = client(&server)
        .contacts()
        .list_all(&ListContacts {
            limit: Some(2),
            ..ListContacts::default()
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(contact_ids(&contacts), ["c_1", "c_2", "c_3", "c_4", "c_5"]);
    assert_eq!(contacts[4].email.as_deref(), Some("person5@example.com"));
    assert_eq!(
        sent_bodies(&server, "/sdk/contact/list").await,
        [
            json!({ "limit": 2, "page": 1 }),
            json!({ "limit": 2, "page": 2 }),
            json!({ "limit": 2, "page": 3 }),
        ]
    );
}

#[tokio::test]
async fn contacts_list_all_keeps_filter_and_sort_on_every_page() {
    let server = MockServer::start().await;
    mount_pages(&server, "/sdk/contact/list", five_contact_pages()).await;

    let contacts = client(&server)
        .contacts()
        .list_all(&ListContacts {
            limit: Some(2),
            filter: Some(tree(json!({ "status": { "$ne": "inactive" } }))),
            sort: Some(BTreeMap::from([("createdDate".to_owned(), -1)])),
            ..ListContacts::default()
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(contacts.len(), 5);
    let bodies = sent_bodies(&server, "/sdk/contact/list").await;
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
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/contact/list",
        vec![
            (2, contact_page(&[3, 4], 5, 2, 2)),
            (3, contact_page(&[5], 5, 3, 2)),
        ],
    )
    .await;

    let contacts = client(&server)
        .contacts()
        .list_all(&ListContacts {
            page: Some(2),
            limit: Some(2),
            ..ListContacts::default()
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(contact_ids(&contacts), ["c_3", "c_4", "c_5"]);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn contacts_list_all_stops_at_an_early_empty_page() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/contact/list",
        vec![
            (1, contact_page(&[1, 2], 5, 1, 2)),
            // The total said 5, but the server runs dry: stop instead of looping.
            (2, contact_page(&[], 5, 2, 2)),
        ],
    )
    .await;
    // A page 3 would be a bug.
    authed("POST", "/sdk/contact/list")
        .and(BodyPage(3))
        .respond_with(ok_json(&contact_page(&[5], 5, 3, 2)))
        .expect(0)
        .mount(&server)
        .await;

    let contacts = client(&server)
        .contacts()
        .list_all(&ListContacts {
            limit: Some(2),
            ..ListContacts::default()
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(contact_ids(&contacts), ["c_1", "c_2"]);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn contacts_list_all_of_nothing_makes_one_request() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/contact/list",
        vec![(1, contact_page(&[], 0, 1, 2))],
    )
    .await;

    let contacts = client(&server)
        .contacts()
        .list_all(&ListContacts {
            limit: Some(2),
            ..ListContacts::default()
        })
        .collect()
        .await
        .unwrap();
    assert!(contacts.is_empty());
    assert_eq!(received(&server).await.len(), 1);
}

#[tokio::test]
async fn contacts_list_all_next_yields_items_one_by_one_fetching_lazily() {
    let server = MockServer::start().await;
    mount_pages(&server, "/sdk/contact/list", five_contact_pages()).await;

    let client = client(&server);
    let mut pages = client.contacts().list_all(&ListContacts {
        limit: Some(2),
        ..ListContacts::default()
    });
    assert!(
        received(&server).await.is_empty(),
        "nothing is sent before the first next()"
    );

    // (expected item, requests made once it has been returned)
    let expected = [("c_1", 1), ("c_2", 1), ("c_3", 2), ("c_4", 2), ("c_5", 3)];
    for (id, requests) in expected {
        let contact = pages.next().await.unwrap().expect("another contact");
        assert_eq!(contact.id, id);
        assert_eq!(received(&server).await.len(), requests, "after {id}");
    }
    assert!(pages.next().await.unwrap().is_none());
    assert!(pages.next().await.unwrap().is_none(), "stays finished");
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn contacts_list_all_unsuccessful_page_two_is_an_error_from_next() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/contact/list",
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
    let mut pages = client.contacts().list_all(&ListContacts {
        limit: Some(2),
        ..ListContacts::default()
    });
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
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn contacts_list_all_unsuccessful_page_two_fails_collect() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/contact/list",
        vec![
            (1, contact_page(&[1, 2], 5, 1, 2)),
            (2, json!({ "success": false, "error": "boom" })),
        ],
    )
    .await;

    let error = client(&server)
        .contacts()
        .list_all(&ListContacts {
            limit: Some(2),
            ..ListContacts::default()
        })
        .collect()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Unsuccessful(_)),
        "expected Unsuccessful, got {error:?}"
    );
    assert_eq!(received(&server).await.len(), 2);
}

// ---------------------------------------------------------------------------------------
// pagination: conversations().list_all (no envelope)
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
    let server = MockServer::start().await;
    mount_pages(&server, "/sdk/conversation/list", five_conversation_pages()).await;

    let conversations = client(&server)
        .conversations()
        .list_all(&ListConversations {
            contact_id: Some("c_1".into()),
            limit: Some(2),
            ..ListConversations::default()
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(
        conversation_ids(&conversations),
        ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]
    );
    assert_eq!(conversations[0], expected_conversation("conv_1"));
    assert_eq!(
        sent_bodies(&server, "/sdk/conversation/list").await,
        [
            json!({ "contactId": "c_1", "limit": 2, "page": 1 }),
            json!({ "contactId": "c_1", "limit": 2, "page": 2 }),
            json!({ "contactId": "c_1", "limit": 2, "page": 3 }),
        ]
    );
}

#[tokio::test]
async fn conversations_list_all_stops_at_an_early_empty_page() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/conversation/list",
        vec![
            (1, conversation_page(&[1, 2], 5, 1, 2)),
            (2, conversation_page(&[], 5, 2, 2)),
        ],
    )
    .await;
    authed("POST", "/sdk/conversation/list")
        .and(BodyPage(3))
        .respond_with(ok_json(&conversation_page(&[5], 5, 3, 2)))
        .expect(0)
        .mount(&server)
        .await;

    let conversations = client(&server)
        .conversations()
        .list_all(&ListConversations {
            limit: Some(2),
            ..ListConversations::default()
        })
        .collect()
        .await
        .unwrap();
    assert_eq!(conversation_ids(&conversations), ["conv_1", "conv_2"]);
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn conversations_list_all_next_yields_items_one_by_one() {
    let server = MockServer::start().await;
    mount_pages(&server, "/sdk/conversation/list", five_conversation_pages()).await;

    let client = client(&server);
    let mut pages = client.conversations().list_all(&ListConversations {
        limit: Some(2),
        ..ListConversations::default()
    });
    assert!(received(&server).await.is_empty());
    let mut ids = Vec::new();
    while let Some(conversation) = pages.next().await.unwrap() {
        ids.push(conversation.id);
    }
    assert_eq!(ids, ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]);
    assert!(pages.next().await.unwrap().is_none());
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn conversations_list_all_http_error_on_page_two_is_an_error_from_next() {
    let server = MockServer::start().await;
    mount_pages(
        &server,
        "/sdk/conversation/list",
        vec![(1, conversation_page(&[1, 2], 5, 1, 2))],
    )
    .await;
    authed("POST", "/sdk/conversation/list")
        .and(BodyPage(2))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({ "message": "Internal error", "statusCode": 500 })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = client_with(&server, RetryPolicy::NEVER);
    let mut pages = client.conversations().list_all(&ListConversations {
        limit: Some(2),
        ..ListConversations::default()
    });
    assert_eq!(pages.next().await.unwrap().unwrap().id, "conv_1");
    assert_eq!(pages.next().await.unwrap().unwrap().id, "conv_2");
    let error = pages.next().await.unwrap_err();
    assert!(
        matches!(error, Error::Api(_)),
        "expected Api, got {error:?}"
    );
    assert_eq!(error.status(), Some(500));
    assert!(pages.next().await.unwrap().is_none());
    assert_eq!(received(&server).await.len(), 2);
}

// ---------------------------------------------------------------------------------------
// the page envelope
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_list_returns_a_typed_page_with_total_page_and_limit() {
    let server = MockServer::start().await;
    authed("POST", "/sdk/contact/list")
        .and(body_json(json!({ "page": 2, "limit": 2 })))
        .respond_with(ok_json(&contact_page(&[3, 4], 5, 2, 2)))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .contacts()
        .list(&ListContacts {
            page: Some(2),
            limit: Some(2),
            ..ListContacts::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page,
        ContactPage {
            data: vec![
                serde_json::from_value(contact_json(3)).unwrap(),
                serde_json::from_value(contact_json(4)).unwrap(),
            ],
            total: 5,
            page: 2,
            limit: 2,
        }
    );
    assert_eq!(page.data[0].workspace_id, "ws_01");
    assert_eq!(page.data[1].tags, Some(vec!["beta".to_owned()]));
    let request = only_request(&server).await;
    assert_json_body(&request, &json!({ "page": 2, "limit": 2 }));
}

// ---------------------------------------------------------------------------------------
// a few error mappings on the operations of this file
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn conversation_not_found_is_a_generic_api_error_with_its_message() {
    let server = MockServer::start().await;
    authed("GET", "/sdk/conversation/missing")
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({ "message": "Conversation not found", "statusCode": 404 })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .conversations()
        .get("missing")
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(api.status(), 404);
    assert_eq!(api.message(), Some("Conversation not found"));
    assert!(api.body().contains("statusCode"));
}

#[tokio::test]
async fn channel_not_found_on_flows_execute_maps_to_channel_not_found() {
    let server = MockServer::start().await;
    authed("POST", "/sdk/flow/flow_1/execute")
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({ "message": "Channel not found" })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .flows()
        .execute("flow_1", &FlowsExecuteQuery::default(), &flow_inputs())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ChannelNotFound(_)),
        "expected ChannelNotFound, got {error:?}"
    );
}

#[tokio::test]
async fn unauthorized_on_conversations_create_maps_to_unauthorized() {
    let server = MockServer::start().await;
    authed("POST", "/sdk/conversation")
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "message": "Authorization Error" })),
        )
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .conversations()
        .create(&CreateConversation::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Unauthorized(_)),
        "expected Unauthorized, got {error:?}"
    );
    assert_eq!(error.status(), Some(401));
}

// ---------------------------------------------------------------------------------------
// retries: only reads are repeated (reference §7.3: create, send and resume are not
// idempotent)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn creating_sending_resuming_and_running_flows_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({ "message": "Service Unavailable" })),
        )
        .mount(&server)
        .await;
    let client = client_with(&server, FAST_RETRIES);
    let conversations = client.conversations();

    let errors = [
        conversations
            .create(&CreateConversation::default())
            .await
            .unwrap_err(),
        conversations
            .send_message(
                "conv_1",
                &SendMessage {
                    content: "hi".into(),
                    ..SendMessage::default()
                },
            )
            .await
            .unwrap_err(),
        conversations
            .resume_message("conv_1", "msg_1", &ResumeMessage::default())
            .await
            .unwrap_err(),
        client
            .flows()
            .execute("flow_1", &FlowsExecuteQuery::default(), &flow_inputs())
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
    authed("GET", "/sdk/conversation/conv_1/message")
        .and(QueryOnce("messagesCount", "10"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/sdk/conversation/conv_1/message")
        .and(QueryOnce("messagesCount", "10"))
        .respond_with(ok_json(&messages_json()))
        .expect(1)
        .mount(&server)
        .await;

    let messages = client_with(&server, FAST_RETRIES)
        .conversations()
        .messages("conv_1", &ConversationsMessagesQuery::default())
        .await
        .unwrap();
    assert_eq!(messages, expected_messages());
    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_credentials(request);
        assert_eq!(request.url.as_str(), requests[0].url.as_str());
        assert_bodiless(request);
    }
}
