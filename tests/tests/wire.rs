//! Wire tests of the committed `cognipeer-sdk`: every operation against a local
//! `wiremock` server (127.0.0.1 only), checking what goes over the wire (method, path,
//! query, headers, JSON body) and how responses and errors come back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cognipeer_sdk::models::{
    Contact, ContactChanges, ContactPage, CreateContact, ListContacts, Peer, User, Workspace,
};
use cognipeer_sdk::{AuthMode, CognipeerClient, Error, RetryPolicy, Token};
use common::{
    assert_nothing_sent, assert_sent, authed, builder, builder_for, clear_env, closed_port,
    json_response, mount_once, obj, only_request, raw_response, serve_once, tree, variant, HOOK,
    PAT,
};
use serde_json::{json, Value};
use wiremock::matchers::{any, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// An API channel token: no `pat_` prefix.
const API_TOKEN: &str = "abc123def456ghi789";

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

/// A client for `server`. Retries are off, so that each mapped error comes from exactly one
/// request (retries have their own tests in `runtime.rs`).
///
/// The client is dynamic (`CognipeerClient` = `CognipeerClient<kind::Dynamic>`, its token from
/// `Token::new`): it offers every operation and checks the token kind when a request is sent,
/// which the tests of the run-time `AuthModeNotAccepted` error and the error table need.
fn client_for(server: &MockServer, token: &str) -> CognipeerClient {
    builder_for(server, token)
        .retry(RetryPolicy::NEVER)
        .build()
        .unwrap()
}

fn pat_client(server: &MockServer) -> CognipeerClient {
    client_for(server, PAT)
}

/// A server where the catch-all mock answering `body` must never be reached.
async fn server_refusing_all(body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(json_response(200, body))
        .expect(0)
        .mount(&server)
        .await;
    server
}

// ---------------------------------------------------------------------------------------
// realistic payloads (shaped like the reference's models, with unknown extra fields)
// ---------------------------------------------------------------------------------------

fn peer_json() -> Value {
    json!({
        "_id": "65f1c0ffee00000000000a01",
        "name": "Support Agent",
        "description": "Answers questions about our product.",
        "modelId": "gpt-4o-mini",
        "prompt": "You are a friendly support agent.",
        "temperature": 0.2,
        "messagesCount": 10,
        "language": "en",
        "contentType": "markdown",
        "datasources": ["ds_docs", "ds_faq"],
        "tools": ["tool_search"],
        "createdAt": "2024-11-02T10:15:00.000Z",
        "updatedAt": "2024-12-01T08:30:00.000Z",
        // Unknown to the SDK: kept in `extra`.
        "shortDescription": "Product support",
        "avatar": { "url": "https://cdn.example.com/a.png", "size": 64 },
        "galleryKey": "support",
        "__v": 3
    })
}

fn expected_peer() -> Peer {
    let mut peer = Peer::new(
        "65f1c0ffee00000000000a01",
        "Support Agent",
        "gpt-4o-mini",
        "You are a friendly support agent.",
    )
    .with_description("Answers questions about our product.")
    .with_temperature(0.2)
    .with_messages_count(10)
    .with_language("en")
    .with_content_type("markdown")
    .with_datasources(vec!["ds_docs".into(), "ds_faq".into()])
    .with_tools(vec!["tool_search".into()])
    .with_created_at("2024-11-02T10:15:00.000Z")
    .with_updated_at("2024-12-01T08:30:00.000Z");
    peer.extra = obj(json!({
        "shortDescription": "Product support",
        "avatar": { "url": "https://cdn.example.com/a.png", "size": 64 },
        "galleryKey": "support",
        "__v": 3
    }));
    peer
}

fn user_json() -> Value {
    json!({
        "_id": "65f1c0ffee00000000000b02",
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "displayName": "Ada L.",
        "workspace": { "_id": "ws_01", "name": "Acme", "slug": "acme", "plan": "pro" },
        "roles": ["admin", "member"],
        "groups": ["grp_1"],
        "createdAt": "2023-05-01T00:00:00.000Z",
        "settings": { "theme": "dark", "notifications": { "email": true } },
        // User has no `extra`: unknown fields must be ignored, not rejected.
        "lastLoginAt": "2024-12-24T12:00:00.000Z"
    })
}

fn contact_json(id: &str, email: &str) -> Value {
    json!({
        "_id": id,
        "email": email,
        "integrationId": "crm-42",
        "name": "Jürgen Müller",
        "phone": "+49 30 1234567",
        "metadata": { "source": "website", "visits": 3 },
        "properties": { "company": "Acme GmbH", "seats": 12 },
        "workspaceId": "ws_01",
        "peerId": "65f1c0ffee00000000000a01",
        "tags": ["vip", "beta"],
        "status": "active",
        "createdDate": "2024-10-01T09:00:00.000Z",
        "modifiedDate": "2024-12-01T09:00:00.000Z",
        "deleted": false,
        // Unknown to the SDK: kept in `extra`.
        "channelId": "ch_7",
        "lastSeenAt": "2024-12-02T10:00:00.000Z",
        "__v": 0
    })
}

fn expected_contact(id: &str, email: &str) -> Contact {
    let mut contact = Contact::new(id, "ws_01")
        .with_email(email)
        .with_integration_id("crm-42")
        .with_name("Jürgen Müller")
        .with_phone("+49 30 1234567")
        .with_metadata(tree(json!({ "source": "website", "visits": 3 })))
        .with_properties(tree(json!({ "company": "Acme GmbH", "seats": 12 })))
        .with_peer_id("65f1c0ffee00000000000a01")
        .with_tags(vec!["vip".into(), "beta".into()])
        .with_status("active")
        .with_created_date("2024-10-01T09:00:00.000Z")
        .with_modified_date("2024-12-01T09:00:00.000Z")
        .with_deleted(false);
    contact.extra = obj(json!({
        "channelId": "ch_7",
        "lastSeenAt": "2024-12-02T10:00:00.000Z",
        "__v": 0
    }));
    contact
}

// ---------------------------------------------------------------------------------------
// peers.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn peers_get_sends_get_sdk_peer_with_credentials_and_decodes_peer() {
    let server = serve_once("GET", "/sdk/peer", PAT, json_response(200, peer_json())).await;

    let peer = pat_client(&server).peers().get().send().await.unwrap();
    assert_eq!(peer, expected_peer());

    assert_sent(&server, PAT, "GET", "/sdk/peer", None, None).await;
}

#[tokio::test]
async fn peers_get_accepts_minimal_peer_with_nulls() {
    let server = serve_once(
        "GET",
        "/sdk/peer",
        PAT,
        json_response(
            200,
            json!({
                "_id": "p1",
                "name": "Bare",
                "modelId": "m",
                "prompt": "",
                "description": null,
                "temperature": 1
            }),
        ),
    )
    .await;

    let peer = pat_client(&server).peers().get().send().await.unwrap();
    assert_eq!(
        peer,
        // An integer temperature still reads as a number.
        Peer::new("p1", "Bare", "m", String::new()).with_temperature(1.0)
    );
    assert!(peer.extra.is_empty());
}

// ---------------------------------------------------------------------------------------
// users.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn users_get_sends_get_sdk_user_with_credentials_and_decodes_user() {
    let server = serve_once("GET", "/sdk/user", PAT, json_response(200, user_json())).await;

    let user = pat_client(&server).users().get().send().await.unwrap();
    assert_eq!(
        user,
        User::new("65f1c0ffee00000000000b02", "ada@example.com")
            .with_first_name("Ada")
            .with_last_name("Lovelace")
            .with_display_name("Ada L.")
            .with_workspace(
                Workspace::new("ws_01")
                    .with_name("Acme")
                    .with_slug("acme")
                    .with_plan("pro")
            )
            .with_roles(vec!["admin".into(), "member".into()])
            .with_groups(vec!["grp_1".into()])
            .with_created_at("2023-05-01T00:00:00.000Z")
            .with_settings(tree(
                json!({ "theme": "dark", "notifications": { "email": true } })
            ))
    );

    assert_sent(&server, PAT, "GET", "/sdk/user", None, None).await;
}

// ---------------------------------------------------------------------------------------
// contacts.create
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_create_posts_exact_body_and_unwraps_envelope() {
    let server = serve_once(
        "POST",
        "/sdk/contact",
        PAT,
        json_response(
            201,
            json!({ "success": true, "data": contact_json("c_1", "juergen@example.com") }),
        ),
    )
    .await;

    // A prepared body: the request has no setter for `extra`.
    let mut body = CreateContact::new()
        .with_email("juergen@example.com")
        .with_name("Jürgen Müller")
        .with_tags(vec!["vip".into(), "beta".into()])
        .with_metadata(tree(json!({ "source": "website", "visits": 3 })));
    body.extra = obj(json!({ "source": "crm-import", "score": 42 }));
    let contact = pat_client(&server)
        .contacts()
        .create()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(contact, expected_contact("c_1", "juergen@example.com"));

    let sent = json!({
        "email": "juergen@example.com",
        "name": "Jürgen Müller",
        "tags": ["vip", "beta"],
        "metadata": { "source": "website", "visits": 3 },
        // `extra` is flattened into the body.
        "source": "crm-import",
        "score": 42
    });
    assert_sent(&server, PAT, "POST", "/sdk/contact", None, Some(&sent)).await;
}

#[tokio::test]
async fn contacts_create_with_nothing_set_sends_empty_object() {
    let server = serve_once(
        "POST",
        "/sdk/contact",
        PAT,
        json_response(
            200,
            json!({ "success": true, "data": { "_id": "c_2", "workspaceId": "ws_01" } }),
        ),
    )
    .await;

    let contact = pat_client(&server)
        .contacts()
        .create()
        .send()
        .await
        .unwrap();
    assert_eq!(contact, Contact::new("c_2", "ws_01"));
    assert_sent(&server, PAT, "POST", "/sdk/contact", None, Some(&json!({}))).await;
}

// ---------------------------------------------------------------------------------------
// contacts.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_get_url_encodes_both_query_parameters() {
    // Spaces, `+`, `&`, `=`, `/`, `?`, `#` and non-ASCII must survive the trip.
    let email = "Jürgen Müller+vip&co=1@exämple.com";
    let integration_id = "crm id/42?x#y+z&ß";
    let server = serve_once(
        "GET",
        "/sdk/contact",
        PAT,
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_3", email) }),
        ),
    )
    .await;

    let contact = pat_client(&server)
        .contacts()
        .get()
        .email(email)
        .integration_id(integration_id)
        .send()
        .await
        .unwrap();
    assert_eq!(contact, expected_contact("c_3", email));

    let request = only_request(&server, PAT).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/sdk/contact");
    common::assert_bodiless(&request);

    // Exactly the two parameters, decoded back to the exact values.
    let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        vec![
            ("email".to_owned(), email.to_owned()),
            ("integrationId".to_owned(), integration_id.to_owned()),
        ]
    );
    // And on the wire, the reserved characters are escaped.
    let raw = request.url.query().unwrap();
    assert_eq!(
        raw.matches('&').count(),
        1,
        "only the separator `&` is raw: {raw}"
    );
    assert_eq!(
        raw.matches('=').count(),
        2,
        "only the two `=` are raw: {raw}"
    );
    for escaped in [
        "%2B", "%26", "%3D", "%2F", "%3F", "%23", "%C3%BC", "%C3%A4", "%C3%9F",
    ] {
        assert!(raw.contains(escaped), "{escaped} missing from {raw}");
    }
    assert!(!raw.contains(' ') && !raw.contains('#') && !raw.contains('ü'));
}

#[tokio::test]
async fn contacts_get_by_integration_id_only_leaves_email_out() {
    let server = serve_once(
        "GET",
        "/sdk/contact",
        API_TOKEN,
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_4", "a@example.com") }),
        ),
    )
    .await;

    let contact = client_for(&server, API_TOKEN)
        .contacts()
        .get()
        .integration_id("crm-42")
        .send()
        .await
        .unwrap();
    assert_eq!(contact, expected_contact("c_4", "a@example.com"));

    let query = Some("integrationId=crm-42");
    assert_sent(&server, API_TOKEN, "GET", "/sdk/contact", query, None).await;
}

// ---------------------------------------------------------------------------------------
// contacts.update
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_update_patches_exact_body_and_unwraps_envelope() {
    let server = serve_once(
        "PATCH",
        "/sdk/contact",
        PAT,
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_5", "juergen@example.com") }),
        ),
    )
    .await;

    let mut data = ContactChanges::new()
        .with_status("vip")
        .with_tags(vec!["vip".into()])
        .with_properties(tree(json!({ "company": "Acme GmbH" })));
    data.extra = obj(json!({ "customField": "x" }));
    let contact = pat_client(&server)
        .contacts()
        .update(data)
        .email("juergen@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(contact, expected_contact("c_5", "juergen@example.com"));

    let sent = json!({
        "email": "juergen@example.com",
        "data": {
            "status": "vip",
            "tags": ["vip"],
            "properties": { "company": "Acme GmbH" },
            // ContactChanges.extra is flattened into `data`.
            "customField": "x"
        }
    });
    assert_sent(&server, PAT, "PATCH", "/sdk/contact", None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// contacts.list
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_list_posts_exact_body_and_decodes_whole_page() {
    let server = serve_once(
        "POST",
        "/sdk/contact/list",
        PAT,
        json_response(
            200,
            json!({
                "success": true,
                "data": [
                    contact_json("c_6", "one@example.com"),
                    contact_json("c_7", "two@example.com")
                ],
                "total": 7,
                "page": 2,
                "limit": 5
            }),
        ),
    )
    .await;

    let page = pat_client(&server)
        .contacts()
        .list()
        .page(2)
        .limit(5)
        .filter(tree(
            json!({ "status": { "$ne": "inactive" }, "properties.company": "Acme GmbH" }),
        ))
        .sort(BTreeMap::from([
            ("createdDate".to_owned(), -1),
            ("name".to_owned(), 1),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page,
        ContactPage::new(
            vec![
                expected_contact("c_6", "one@example.com"),
                expected_contact("c_7", "two@example.com"),
            ],
            7,
            2,
            5,
        )
    );

    let sent = json!({
        "page": 2,
        "limit": 5,
        "filter": { "status": { "$ne": "inactive" }, "properties.company": "Acme GmbH" },
        "sort": { "createdDate": -1, "name": 1 }
    });
    let route = "/sdk/contact/list";
    assert_sent(&server, PAT, "POST", route, None, Some(&sent)).await;
}

#[tokio::test]
async fn contacts_list_sends_the_official_sdks_defaults_of_the_fields_left_unset() {
    let filter_and_sort = ListContacts::new()
        .with_filter(tree(json!({ "tags": "vip" })))
        .with_sort(BTreeMap::from([("name".to_owned(), 1)]));
    for (label, token, body, sent) in [
        (
            "nothing set",
            API_TOKEN,
            ListContacts::new(),
            json!({ "page": 1, "limit": 10, "filter": {} }),
        ),
        (
            "filter and sort set",
            PAT,
            filter_and_sort,
            json!({ "page": 1, "limit": 10, "filter": { "tags": "vip" }, "sort": { "name": 1 } }),
        ),
    ] {
        let empty = json!({ "success": true, "data": [], "total": 0, "page": 1, "limit": 10 });
        let server = serve_once(
            "POST",
            "/sdk/contact/list",
            token,
            json_response(200, empty),
        )
        .await;
        let page = client_for(&server, token)
            .contacts()
            .list()
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(page.total, 0, "{label}");
        let route = "/sdk/contact/list";
        assert_sent(&server, token, "POST", route, None, Some(&sent)).await;
    }
}

// ---------------------------------------------------------------------------------------
// auth enforcement
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn api_token_is_detected_from_missing_prefix() {
    let server = MockServer::start().await;
    assert_eq!(Token::new(API_TOKEN).unwrap().mode(), AuthMode::ApiToken);
    assert_eq!(Token::new(PAT).unwrap().mode(), AuthMode::Pat);
    assert_eq!(
        client_for(&server, API_TOKEN).token_mode(),
        AuthMode::ApiToken
    );
    assert_eq!(client_for(&server, PAT).token_mode(), AuthMode::Pat);
}

#[tokio::test]
async fn api_token_is_refused_for_pat_only_operations_before_any_request() {
    // (operation, what its server would answer)
    for (operation, answer) in [("users.get", user_json()), ("peers.get", peer_json())] {
        let server = server_refusing_all(answer).await;
        // A dynamic client (from `Token::new`, see `client_for`): on a typed
        // `CognipeerClient<kind::ApiToken>` these calls no longer compile, so the run-time
        // `AuthModeNotAccepted` check is only reachable through a dynamic one.
        let client: CognipeerClient = client_for(&server, API_TOKEN);
        let result = match operation {
            "users.get" => client.users().get().send().await.map(drop),
            _ => client.peers().get().send().await.map(drop),
        };

        let error = result.expect_err(operation);
        match &error {
            Error::AuthModeNotAccepted {
                operation: op,
                mode,
                accepted,
            } => {
                assert_eq!(op, &operation);
                assert_eq!(*mode, AuthMode::ApiToken, "{operation}");
                assert_eq!(*accepted, &[AuthMode::Pat][..], "{operation}");
            }
            other => panic!("{operation}: expected AuthModeNotAccepted, got {other:?}"),
        }
        assert_eq!(error.status(), None, "{operation}");
        let shown = error.to_string();
        assert!(shown.contains(operation), "{shown}");
        assert!(shown.contains("personal access token"), "{shown}");
        assert_nothing_sent(&server).await;
    }
}

#[tokio::test]
async fn api_token_is_accepted_by_contacts_create_and_sent_as_bearer() {
    let server = serve_once(
        "POST",
        "/sdk/contact",
        API_TOKEN,
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_8", "user@example.com") }),
        ),
    )
    .await;

    let contact = client_for(&server, API_TOKEN)
        .contacts()
        .create()
        .email("user@example.com")
        .name("John Doe")
        .send()
        .await
        .unwrap();
    assert_eq!(contact.id, "c_8");
    // The credentials check inside asserts exactly `Authorization: Bearer abc123def456ghi789`.
    let sent = json!({ "email": "user@example.com", "name": "John Doe" });
    let route = "/sdk/contact";
    assert_sent(&server, API_TOKEN, "POST", route, None, Some(&sent)).await;
}

// ---------------------------------------------------------------------------------------
// error mapping: one table
// ---------------------------------------------------------------------------------------

/// The operation an error-mapping case calls (with defaults, or the fewest fields it needs).
#[derive(Clone, Copy, Debug, Default)]
enum Call {
    #[default]
    PeersGet,
    UsersGet,
    /// `contacts.get` by this email.
    ContactsGet(&'static str),
    ContactsCreate,
    ContactsList,
    ContactsUpdate,
    /// `conversations.get` of `missing`.
    ConversationsGet,
    ConversationsCreate,
    /// `flows.execute` of `flow_1`.
    FlowsExecute,
}

impl Call {
    /// The mock for this call's request, with the exact credentials.
    fn mock(self) -> MockBuilder {
        match self {
            Call::PeersGet => authed("GET", "/sdk/peer", PAT),
            Call::UsersGet => authed("GET", "/sdk/user", PAT),
            Call::ContactsGet(email) => {
                authed("GET", "/sdk/contact", PAT).and(query_param("email", email))
            }
            Call::ContactsCreate => authed("POST", "/sdk/contact", PAT),
            Call::ContactsList => authed("POST", "/sdk/contact/list", PAT),
            Call::ContactsUpdate => authed("PATCH", "/sdk/contact", PAT),
            Call::ConversationsGet => authed("GET", "/sdk/conversation/missing", PAT),
            Call::ConversationsCreate => authed("POST", "/sdk/conversation", PAT),
            Call::FlowsExecute => authed("POST", "/sdk/flow/flow_1/execute", PAT),
        }
    }

    /// The error the call returns; a success fails the test.
    async fn error(self, client: &CognipeerClient) -> Error {
        let result = match self {
            Call::PeersGet => client.peers().get().send().await.map(drop),
            Call::UsersGet => client.users().get().send().await.map(drop),
            Call::ContactsGet(email) => client.contacts().get().email(email).send().await.map(drop),
            Call::ContactsCreate => client.contacts().create().send().await.map(drop),
            Call::ContactsList => client.contacts().list().send().await.map(drop),
            Call::ContactsUpdate => client
                .contacts()
                .update(ContactChanges::new().with_name("A"))
                .email("a@example.com")
                .send()
                .await
                .map(drop),
            Call::ConversationsGet => client.conversations().get("missing").send().await.map(drop),
            Call::ConversationsCreate => client.conversations().create().send().await.map(drop),
            Call::FlowsExecute => client
                .flows()
                .execute("flow_1")
                .body(tree(json!({ "customerName": "Jürgen" })))
                .send()
                .await
                .map(drop),
        };
        result.expect_err("the call must fail")
    }
}

/// What a server answers in an error-mapping case.
#[derive(Default)]
enum Body {
    #[default]
    Empty,
    Json(Value),
    /// This text, under this content type.
    Raw(String, &'static str),
}

impl Body {
    /// The bytes on the wire, as text.
    fn text(&self) -> String {
        match self {
            Body::Empty => String::new(),
            Body::Json(value) => value.to_string(),
            Body::Raw(text, _) => text.clone(),
        }
    }
}

/// One answer and the error it must become.
#[derive(Default)]
struct ErrorCase {
    name: &'static str,
    call: Call,
    /// The answer's HTTP status, which the error reports.
    status: u16,
    body: Body,
    /// The `Error` variant.
    variant: &'static str,
    /// `ApiError::message()`, for errors from an API answer.
    message: Option<&'static str>,
    /// What the message of a `Decode` error names (the missing field).
    names: Option<&'static str>,
    /// Texts the error's `Display` shows: the auth guide's hints, the API's message, …
    shows: &'static [&'static str],
}

fn error_cases() -> Vec<ErrorCase> {
    use Body::{Json, Raw};
    use Call::*;
    let html = "<!DOCTYPE html>\n<html>\n  <head><title>502 Bad Gateway</title></head>\n  <body>\n    <h1>Internal Server Error</h1>\n  </body>\n</html>\n";
    // A JSON object without one of its fields.
    let without = |mut value: Value, field: &str| {
        value.as_object_mut().unwrap().remove(field);
        value
    };
    vec![
        ErrorCase {
            name: "401 Unauthorized, with the guide's hints",
            status: 401,
            body: Json(json!({ "message": "Unauthorized" })),
            variant: "Unauthorized",
            message: Some("Unauthorized"),
            shows: &[
                "pat_",
                "revoked",
                "expired",
                "Bearer",
                "Authorization",
                "Unauthorized",
            ],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "401 on contacts is Unauthorized, not an envelope error",
            call: ContactsCreate,
            status: 401,
            body: Json(json!({ "success": false, "error": "Authorization failed" })),
            variant: "Unauthorized",
            message: Some("Authorization failed"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "401 on conversations.create",
            call: ConversationsCreate,
            status: 401,
            body: Json(json!({ "message": "Authorization Error" })),
            variant: "Unauthorized",
            message: Some("Authorization Error"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "401 Invalid token, with the guide's hints",
            call: UsersGet,
            status: 401,
            body: Json(json!({ "message": "Invalid token" })),
            variant: "InvalidToken",
            message: Some("Invalid token"),
            shows: &["revoked", "expired", "pat_", "Personal Access Tokens"],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "401 invalid token in a nested error message",
            call: UsersGet,
            status: 401,
            body: Json(json!({ "error": { "message": "INVALID TOKEN supplied", "type": "auth" } })),
            variant: "InvalidToken",
            message: Some("INVALID TOKEN supplied"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "404 Channel not found, with the hookId hints",
            status: 404,
            body: Json(json!({ "error": "Channel not found" })),
            variant: "ChannelNotFound",
            message: Some("Channel not found"),
            shows: &["hookId", "deleted or disabled", "COGNIPEER_HOOK_ID"],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "404 Channel not found on flows.execute",
            call: FlowsExecute,
            status: 404,
            body: Json(json!({ "message": "Channel not found" })),
            variant: "ChannelNotFound",
            message: Some("Channel not found"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "404 with another message is a generic API error",
            status: 404,
            body: Raw(
                r#"{"message":"Peer not found","statusCode":404}"#.into(),
                "application/json",
            ),
            variant: "Api",
            message: Some("Peer not found"),
            shows: &["HTTP 404: Peer not found"],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "404 conversation not found is a generic API error",
            call: ConversationsGet,
            status: 404,
            body: Json(json!({ "message": "Conversation not found", "statusCode": 404 })),
            variant: "Api",
            message: Some("Conversation not found"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "404 contact envelope error keeps the error text",
            call: ContactsGet("nobody@example.com"),
            status: 404,
            body: Json(json!({ "success": false, "error": "Contact not found" })),
            variant: "Api",
            message: Some("Contact not found"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "500 HTML keeps the raw body and shows a one-line snippet",
            status: 500,
            body: Raw(html.into(), "text/html"),
            variant: "Api",
            shows: &["HTTP 500", "<h1>Internal Server Error</h1>"],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "500 long body is cut in Display but kept whole",
            call: UsersGet,
            status: 500,
            body: Raw(format!("<html>{}</html>", "x".repeat(5_000)), "text/html"),
            variant: "Api",
            shows: &["…"],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 success false is Unsuccessful with the error text",
            call: ContactsGet("ghost@example.com"),
            status: 200,
            body: Json(json!({ "success": false, "error": "Contact not found" })),
            variant: "Unsuccessful",
            message: Some("Contact not found"),
            shows: &["Contact not found"],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 success false on list",
            call: ContactsList,
            status: 200,
            body: Json(json!({ "success": false, "error": "Invalid filter" })),
            variant: "Unsuccessful",
            message: Some("Invalid filter"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 envelope without the success flag",
            call: ContactsCreate,
            status: 200,
            body: Json(json!({ "data": contact_json("c_9", "a@example.com") })),
            variant: "Unsuccessful",
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 malformed JSON, shown as a snippet",
            status: 200,
            body: Raw(r#"{"_id": 1,"#.into(), "application/json"),
            variant: "Decode",
            shows: &[r#"{"_id": 1,"#],
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 malformed JSON in an envelope",
            call: ContactsCreate,
            status: 200,
            body: Raw(
                r#"{"success": true, "data": {"_id": 1,"#.into(),
                "application/json",
            ),
            variant: "Decode",
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 peer without a required field",
            status: 200,
            body: Json(without(peer_json(), "modelId")),
            variant: "Decode",
            names: Some("modelId"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 contact without a required field inside the envelope",
            call: ContactsUpdate,
            status: 200,
            body: Json(
                json!({ "success": true, "data": without(contact_json("c_10", "a@example.com"), "workspaceId") }),
            ),
            variant: "Decode",
            names: Some("workspaceId"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 successful envelope without data",
            call: ContactsCreate,
            status: 200,
            body: Json(json!({ "success": true })),
            variant: "Decode",
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 contact page without total",
            call: ContactsList,
            status: 200,
            body: Json(json!({ "success": true, "data": [], "page": 1, "limit": 10 })),
            variant: "Decode",
            names: Some("total"),
            ..ErrorCase::default()
        },
        ErrorCase {
            name: "200 with an empty body",
            call: UsersGet,
            status: 200,
            variant: "Decode",
            ..ErrorCase::default()
        },
    ]
}

#[tokio::test]
async fn error_responses_map_to_their_variants() {
    for case in error_cases() {
        let name = case.name;
        let sent = case.body.text();
        let response = match case.body {
            Body::Empty => ResponseTemplate::new(case.status),
            Body::Json(value) => json_response(case.status, value),
            Body::Raw(text, content_type) => raw_response(case.status, &text, content_type),
        };
        let server = MockServer::start().await;
        mount_once(&server, case.call.mock(), response).await;
        let error = case.call.error(&pat_client(&server)).await;

        assert_eq!(variant(&error), case.variant, "{name}: {error:?}");
        assert_eq!(error.status(), Some(case.status), "{name}");
        match (&error, error.api_error()) {
            (_, Some(api)) => {
                assert_eq!(api.status(), case.status, "{name}");
                assert_eq!(api.message(), case.message, "{name}");
                assert_eq!(api.body(), sent, "{name}: the raw body is kept whole");
            }
            (
                Error::Decode {
                    message, snippet, ..
                },
                None,
            ) => {
                if sent.len() < 200 && !sent.contains('\n') {
                    assert_eq!(snippet, &sent, "{name}: a short body is its own snippet");
                }
                if let Some(field) = case.names {
                    assert!(message.contains(field), "{name}: {message}");
                }
            }
            (other, None) => panic!("{name}: neither an API nor a decoding error: {other:?}"),
        }
        let shown = error.to_string();
        for text in case.shows {
            assert!(
                shown.contains(text),
                "{name}: `{text}` missing from: {shown}"
            );
        }
        // Display shows a snippet of the body: one line, never the whole of a long one.
        assert!(!shown.contains('\n'), "{name}: not one line: {shown}");
        assert!(shown.len() < 1_000, "{name}: {} bytes", shown.len());
    }
}

// ---------------------------------------------------------------------------------------
// network: timeout and transport
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn slow_response_is_timeout() {
    let server = serve_once(
        "GET",
        "/sdk/peer",
        PAT,
        json_response(200, peer_json()).set_delay(Duration::from_secs(60)),
    )
    .await;

    let client = builder_for(&server, PAT)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.peers().get().send().await.unwrap_err();
    // Not a speed check: the margin only tells "cut by the timeout" from "waited for the server".
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the timeout must cut the wait"
    );
    match &error {
        Error::Timeout { operation, after } => {
            assert_eq!(*operation, "peers.get");
            assert_eq!(*after, Duration::from_millis(100));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert_eq!(error.status(), None);
    assert!(error.to_string().contains("timeout"), "{error}");
}

#[tokio::test]
async fn closed_port_is_transport_error() {
    let client = builder(PAT)
        .base_url(format!("http://{}", closed_port()))
        .build()
        .unwrap();
    let error = client.users().get().send().await.unwrap_err();
    match &error {
        Error::Transport { operation, .. } => assert_eq!(*operation, "users.get"),
        other => panic!("expected Transport, got {other:?}"),
    }
    assert_eq!(error.status(), None);
    assert!(
        error.to_string().contains("could not reach the API"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());
}

// ---------------------------------------------------------------------------------------
// configuration
// ---------------------------------------------------------------------------------------

#[test]
fn client_new_checks_credentials() {
    assert!(matches!(
        CognipeerClient::new("", HOOK),
        Err(Error::InvalidCredential(_))
    ));
    assert!(matches!(
        CognipeerClient::new(PAT, ""),
        Err(Error::InvalidCredential(_))
    ));
    let client = CognipeerClient::new(PAT, HOOK).unwrap();
    assert_eq!(client.base_url(), CognipeerClient::DEFAULT_BASE_URL);
    assert_eq!(client.base_url(), "https://api.cognipeer.com/v1");
    assert_eq!(client.token_mode(), AuthMode::Pat);
}

#[test]
fn bad_base_urls_and_timeouts_are_config_errors() {
    for bad in [
        "not a url",
        "",
        "/v1",
        "ftp://example.com/v1",
        "https://api.example.com/v1?x=1",
        "https://api.example.com/v1#frag",
    ] {
        let error = builder(PAT).base_url(bad).build().expect_err(bad);
        assert!(
            matches!(error, Error::Config(_)),
            "`{bad}`: expected Config, got {error:?}"
        );
        assert!(error.to_string().contains("base URL"), "{error}");
    }
    let error = builder(PAT).timeout(Duration::ZERO).build().unwrap_err();
    assert!(
        matches!(error, Error::Config(_)),
        "expected Config, got {error:?}"
    );
}

#[tokio::test]
async fn base_url_trailing_slash_is_ignored_and_its_path_prefix_kept() {
    // (case, what follows the server's address in the base URL, verb, route the server sees)
    for (name, suffix, verb, route) in [
        ("trailing slash", "/", "GET", "/sdk/peer"),
        (
            "path prefix and trailing slash, GET",
            "/v1/",
            "GET",
            "/v1/sdk/peer",
        ),
        (
            "path prefix and trailing slash, POST",
            "/v1/",
            "POST",
            "/v1/sdk/contact/list",
        ),
    ] {
        let page = json!({ "success": true, "data": [], "total": 0, "page": 1, "limit": 10 });
        let answer = if verb == "GET" { peer_json() } else { page };
        let server = serve_once(verb, route, PAT, json_response(200, answer)).await;

        let client = builder(PAT)
            .base_url(format!("{}{suffix}", server.uri()))
            .build()
            .unwrap();
        let expected_base = format!("{}{}", server.uri(), suffix.trim_end_matches('/'));
        assert_eq!(client.base_url(), expected_base, "{name}");
        if verb == "GET" {
            let peer = client.peers().get().send().await.unwrap();
            assert_eq!(peer.id, "65f1c0ffee00000000000a01", "{name}");
        } else {
            let page = client.contacts().list().send().await;
            assert_eq!(page.unwrap().total, 0, "{name}");
        }
        let request = only_request(&server, PAT).await;
        assert_eq!(request.url.path(), route, "{name}");
        assert!(
            !request.url.as_str().contains("//sdk"),
            "{name}: {}",
            request.url
        );
    }
}

// ---------------------------------------------------------------------------------------
// from_env: the only test touching the process environment
// ---------------------------------------------------------------------------------------

fn config_error_naming(result: Result<CognipeerClient, Error>, variable: &str) -> String {
    let error = result.expect_err(variable);
    let Error::Config(text) = &error else {
        panic!("expected Config for {variable}, got {error:?}");
    };
    assert!(text.contains(variable), "`{variable}` missing from: {text}");
    error.to_string()
}

#[tokio::test]
async fn from_env_reads_token_hook_id_and_base_url() {
    let server = serve_once("GET", "/sdk/peer", PAT, json_response(200, peer_json())).await;

    clear_env();
    config_error_naming(CognipeerClient::from_env(), "COGNIPEER_TOKEN");

    std::env::set_var("COGNIPEER_TOKEN", "");
    let shown = config_error_naming(CognipeerClient::from_env(), "COGNIPEER_TOKEN");
    assert!(shown.contains("empty"), "{shown}");

    // An invalid token is a Config error naming the variable, without the secret.
    std::env::set_var("COGNIPEER_TOKEN", format!("{PAT}\n"));
    let shown = config_error_naming(CognipeerClient::from_env(), "COGNIPEER_TOKEN");
    assert!(!shown.contains(PAT), "{shown}");

    std::env::set_var("COGNIPEER_TOKEN", PAT);
    config_error_naming(CognipeerClient::from_env(), "COGNIPEER_HOOK_ID");

    std::env::set_var("COGNIPEER_HOOK_ID", "");
    let shown = config_error_naming(CognipeerClient::from_env(), "COGNIPEER_HOOK_ID");
    assert!(shown.contains("empty"), "{shown}");

    std::env::set_var("COGNIPEER_HOOK_ID", "bad hook");
    config_error_naming(CognipeerClient::from_env(), "COGNIPEER_HOOK_ID");

    // Token and hookId set, no base URL: the default.
    std::env::set_var("COGNIPEER_HOOK_ID", HOOK);
    let client = CognipeerClient::from_env().unwrap();
    assert_eq!(client.base_url(), CognipeerClient::DEFAULT_BASE_URL);
    assert_eq!(client.token_mode(), AuthMode::Pat);

    std::env::set_var("COGNIPEER_BASE_URL", "");
    config_error_naming(CognipeerClient::from_env(), "COGNIPEER_BASE_URL");

    std::env::set_var("COGNIPEER_BASE_URL", "not a url");
    let error = CognipeerClient::from_env().unwrap_err();
    assert!(
        matches!(error, Error::Config(_)),
        "expected Config, got {error:?}"
    );

    // Everything set: works against the mock server.
    std::env::set_var("COGNIPEER_BASE_URL", server.uri());
    let client = CognipeerClient::from_env().unwrap();
    assert_eq!(client.base_url(), server.uri());
    let peer = client.peers().get().send().await.unwrap();
    assert_eq!(peer, expected_peer());
    only_request(&server, PAT).await;

    clear_env();
}
