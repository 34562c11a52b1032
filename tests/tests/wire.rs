//! Wire tests of the committed `cognipeer-sdk`: every operation against a local
//! `wiremock` server (127.0.0.1 only), checking what goes over the wire (method, path,
//! query, headers, JSON body) and how responses and errors come back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cognipeer_sdk::models::{
    Contact, ContactChanges, ContactPage, ContactsGetQuery, CreateContact, ListContacts, Peer,
    UpdateContact, User, Workspace,
};
use cognipeer_sdk::{AuthMode, CognipeerClient, Error, HookId, RetryPolicy, Token};
use common::{
    assert_bodiless, assert_json_body, assert_nothing_sent, assert_route, authed, builder,
    builder_for, clear_env, closed_port, json_response, mount_once, obj, only_request,
    permissive_server, raw_response, serve_once, tree, HOOK, PAT,
};
use serde_json::{json, Value};
use wiremock::matchers::{any, body_json, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An API channel token: no `pat_` prefix.
const API_TOKEN: &str = "abc123def456ghi789";

// ---------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------

/// A client for `server`. Retries are off, so that each mapped error comes from exactly one
/// request (retries have their own tests in `runtime.rs`).
fn client_for(server: &MockServer, token: &str) -> CognipeerClient {
    builder_for(server, token)
        .retry(RetryPolicy::NEVER)
        .build()
        .unwrap()
}

fn pat_client(server: &MockServer) -> CognipeerClient {
    client_for(server, PAT)
}

/// The one request a GET operation sent: credentials, method, path, no query, no body.
async fn assert_plain_get(server: &MockServer, route: &str) {
    let request = only_request(server, PAT).await;
    assert_route(&request, "GET", route);
    assert_eq!(request.url.query(), None);
    assert_bodiless(&request);
}

/// The one request an operation with a JSON body sent: credentials, method, path, no query,
/// exactly `expected` as the body.
async fn assert_json_request(server: &MockServer, verb: &str, route: &str, expected: &Value) {
    let request = only_request(server, PAT).await;
    assert_route(&request, verb, route);
    assert_eq!(request.url.query(), None);
    assert_json_body(&request, expected);
}

/// The error `peers.get` returns when `GET /sdk/peer` answers `response`.
async fn peers_get_error(response: ResponseTemplate) -> Error {
    let server = serve_once("GET", "/sdk/peer", PAT, response).await;
    pat_client(&server).peers().get().await.unwrap_err()
}

/// The error `users.get` returns when `GET /sdk/user` answers `response`.
async fn users_get_error(response: ResponseTemplate) -> Error {
    let server = serve_once("GET", "/sdk/user", PAT, response).await;
    pat_client(&server).users().get().await.unwrap_err()
}

/// The error `contacts.get` by `email` returns when `GET /sdk/contact?email=…` answers
/// `response`.
async fn contacts_get_error(email: &str, response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    mount_once(
        &server,
        authed("GET", "/sdk/contact", PAT).and(query_param("email", email)),
        response,
    )
    .await;
    let query = ContactsGetQuery {
        email: Some(email.into()),
        ..ContactsGetQuery::default()
    };
    pat_client(&server)
        .contacts()
        .get(&query)
        .await
        .unwrap_err()
}

/// The error `contacts.create` (with nothing set) returns when `POST /sdk/contact` answers
/// `response`.
async fn contacts_create_error(response: ResponseTemplate) -> Error {
    let server = serve_once("POST", "/sdk/contact", PAT, response).await;
    pat_client(&server)
        .contacts()
        .create(&CreateContact::default())
        .await
        .unwrap_err()
}

/// The error `contacts.list` (with defaults) returns when `POST /sdk/contact/list` answers
/// `response`.
async fn contacts_list_error(response: ResponseTemplate) -> Error {
    let server = serve_once("POST", "/sdk/contact/list", PAT, response).await;
    pat_client(&server)
        .contacts()
        .list(&ListContacts::default())
        .await
        .unwrap_err()
}

/// A decoding error for an HTTP 200 answer.
fn assert_decode_200(error: &Error) {
    assert!(
        matches!(error, Error::Decode { status: 200, .. }),
        "expected Decode, got {error:?}"
    );
}

/// A server that answers anything with a contact, so that only the client can refuse.
async fn contact_server() -> MockServer {
    permissive_server(&json!({ "success": true, "data": contact_json("c_x", "a@example.com") }))
        .await
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
    Peer {
        id: "65f1c0ffee00000000000a01".into(),
        name: "Support Agent".into(),
        description: Some("Answers questions about our product.".into()),
        model_id: "gpt-4o-mini".into(),
        prompt: "You are a friendly support agent.".into(),
        temperature: Some(0.2),
        messages_count: Some(10),
        language: Some("en".into()),
        content_type: Some("markdown".into()),
        datasources: Some(vec!["ds_docs".into(), "ds_faq".into()]),
        tools: Some(vec!["tool_search".into()]),
        created_at: Some("2024-11-02T10:15:00.000Z".into()),
        updated_at: Some("2024-12-01T08:30:00.000Z".into()),
        extra: obj(json!({
            "shortDescription": "Product support",
            "avatar": { "url": "https://cdn.example.com/a.png", "size": 64 },
            "galleryKey": "support",
            "__v": 3
        })),
    }
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
    Contact {
        id: id.into(),
        email: Some(email.into()),
        integration_id: Some("crm-42".into()),
        name: Some("Jürgen Müller".into()),
        phone: Some("+49 30 1234567".into()),
        metadata: Some(tree(json!({ "source": "website", "visits": 3 }))),
        properties: Some(tree(json!({ "company": "Acme GmbH", "seats": 12 }))),
        workspace_id: "ws_01".into(),
        peer_id: Some("65f1c0ffee00000000000a01".into()),
        tags: Some(vec!["vip".into(), "beta".into()]),
        status: Some("active".into()),
        created_date: Some("2024-10-01T09:00:00.000Z".into()),
        modified_date: Some("2024-12-01T09:00:00.000Z".into()),
        deleted: Some(false),
        extra: obj(json!({
            "channelId": "ch_7",
            "lastSeenAt": "2024-12-02T10:00:00.000Z",
            "__v": 0
        })),
    }
}

// ---------------------------------------------------------------------------------------
// peers.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn peers_get_sends_get_sdk_peer_with_credentials_and_decodes_peer() {
    let server = serve_once("GET", "/sdk/peer", PAT, json_response(200, peer_json())).await;

    let peer = pat_client(&server).peers().get().await.unwrap();
    assert_eq!(peer, expected_peer());

    assert_plain_get(&server, "/sdk/peer").await;
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

    let peer = pat_client(&server).peers().get().await.unwrap();
    assert_eq!(
        peer,
        Peer {
            id: "p1".into(),
            name: "Bare".into(),
            model_id: "m".into(),
            prompt: String::new(),
            // An integer temperature still reads as a number.
            temperature: Some(1.0),
            ..Peer::default()
        }
    );
    assert!(peer.extra.is_empty());
}

// ---------------------------------------------------------------------------------------
// users.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn users_get_sends_get_sdk_user_with_credentials_and_decodes_user() {
    let server = serve_once("GET", "/sdk/user", PAT, json_response(200, user_json())).await;

    let user = pat_client(&server).users().get().await.unwrap();
    assert_eq!(
        user,
        User {
            id: "65f1c0ffee00000000000b02".into(),
            email: "ada@example.com".into(),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            display_name: Some("Ada L.".into()),
            workspace: Some(Workspace {
                id: "ws_01".into(),
                name: Some("Acme".into()),
                slug: Some("acme".into()),
                plan: Some("pro".into()),
            }),
            roles: Some(vec!["admin".into(), "member".into()]),
            groups: Some(vec!["grp_1".into()]),
            created_at: Some("2023-05-01T00:00:00.000Z".into()),
            settings: Some(tree(
                json!({ "theme": "dark", "notifications": { "email": true } })
            )),
        }
    );

    assert_plain_get(&server, "/sdk/user").await;
}

// ---------------------------------------------------------------------------------------
// contacts.create
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_create_posts_exact_body_and_unwraps_envelope() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "email": "juergen@example.com",
        "name": "Jürgen Müller",
        "tags": ["vip", "beta"],
        "metadata": { "source": "website", "visits": 3 },
        // `extra` is flattened into the body.
        "source": "crm-import",
        "score": 42
    });
    mount_once(
        &server,
        authed("POST", "/sdk/contact", PAT).and(body_json(&expected_body)),
        json_response(
            201,
            json!({ "success": true, "data": contact_json("c_1", "juergen@example.com") }),
        ),
    )
    .await;

    let body = CreateContact {
        email: Some("juergen@example.com".into()),
        name: Some("Jürgen Müller".into()),
        tags: Some(vec!["vip".into(), "beta".into()]),
        metadata: Some(tree(json!({ "source": "website", "visits": 3 }))),
        extra: obj(json!({ "source": "crm-import", "score": 42 })),
        ..CreateContact::default()
    };
    let contact = pat_client(&server).contacts().create(&body).await.unwrap();
    assert_eq!(contact, expected_contact("c_1", "juergen@example.com"));

    assert_json_request(&server, "POST", "/sdk/contact", &expected_body).await;
}

#[tokio::test]
async fn contacts_create_with_nothing_set_sends_empty_object() {
    let server = MockServer::start().await;
    mount_once(
        &server,
        authed("POST", "/sdk/contact", PAT).and(body_json(json!({}))),
        json_response(
            200,
            json!({ "success": true, "data": { "_id": "c_2", "workspaceId": "ws_01" } }),
        ),
    )
    .await;

    let contact = pat_client(&server)
        .contacts()
        .create(&CreateContact::default())
        .await
        .unwrap();
    assert_eq!(
        contact,
        Contact {
            id: "c_2".into(),
            workspace_id: "ws_01".into(),
            ..Contact::default()
        }
    );
    assert_json_body(&only_request(&server, PAT).await, &json!({}));
}

// ---------------------------------------------------------------------------------------
// contacts.get
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_get_url_encodes_both_query_parameters() {
    let server = MockServer::start().await;
    // Spaces, `+`, `&`, `=`, `/`, `?`, `#` and non-ASCII must survive the trip.
    let email = "Jürgen Müller+vip&co=1@exämple.com";
    let integration_id = "crm id/42?x#y+z&ß";
    mount_once(
        &server,
        authed("GET", "/sdk/contact", PAT)
            .and(query_param("email", email))
            .and(query_param("integrationId", integration_id)),
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_3", email) }),
        ),
    )
    .await;

    let query = ContactsGetQuery {
        email: Some(email.into()),
        integration_id: Some(integration_id.into()),
    };
    let contact = pat_client(&server).contacts().get(&query).await.unwrap();
    assert_eq!(contact, expected_contact("c_3", email));

    let request = only_request(&server, PAT).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.path(), "/sdk/contact");
    assert_bodiless(&request);

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
    let server = MockServer::start().await;
    mount_once(
        &server,
        authed("GET", "/sdk/contact", API_TOKEN)
            .and(query_param("integrationId", "crm-42"))
            .and(query_param_is_missing("email")),
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_4", "a@example.com") }),
        ),
    )
    .await;

    let query = ContactsGetQuery {
        integration_id: Some("crm-42".into()),
        ..ContactsGetQuery::default()
    };
    let contact = client_for(&server, API_TOKEN)
        .contacts()
        .get(&query)
        .await
        .unwrap();
    assert_eq!(contact, expected_contact("c_4", "a@example.com"));

    let request = only_request(&server, API_TOKEN).await;
    assert_eq!(request.url.query(), Some("integrationId=crm-42"));
}

// ---------------------------------------------------------------------------------------
// contacts.update
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_update_patches_exact_body_and_unwraps_envelope() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "email": "juergen@example.com",
        "data": {
            "status": "vip",
            "tags": ["vip"],
            "properties": { "company": "Acme GmbH" },
            // ContactChanges.extra is flattened into `data`.
            "customField": "x"
        }
    });
    mount_once(
        &server,
        authed("PATCH", "/sdk/contact", PAT).and(body_json(&expected_body)),
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_5", "juergen@example.com") }),
        ),
    )
    .await;

    let body = UpdateContact {
        email: Some("juergen@example.com".into()),
        integration_id: None,
        data: ContactChanges {
            status: Some("vip".into()),
            tags: Some(vec!["vip".into()]),
            properties: Some(tree(json!({ "company": "Acme GmbH" }))),
            extra: obj(json!({ "customField": "x" })),
            ..ContactChanges::default()
        },
    };
    let contact = pat_client(&server).contacts().update(&body).await.unwrap();
    assert_eq!(contact, expected_contact("c_5", "juergen@example.com"));

    assert_json_request(&server, "PATCH", "/sdk/contact", &expected_body).await;
}

// ---------------------------------------------------------------------------------------
// contacts.list
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_list_posts_exact_body_and_decodes_whole_page() {
    let server = MockServer::start().await;
    let expected_body = json!({
        "page": 2,
        "limit": 5,
        "filter": { "status": { "$ne": "inactive" }, "properties.company": "Acme GmbH" },
        "sort": { "createdDate": -1, "name": 1 }
    });
    mount_once(
        &server,
        authed("POST", "/sdk/contact/list", PAT).and(body_json(&expected_body)),
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

    let body = ListContacts {
        page: Some(2),
        limit: Some(5),
        filter: Some(tree(
            json!({ "status": { "$ne": "inactive" }, "properties.company": "Acme GmbH" }),
        )),
        sort: Some(BTreeMap::from([
            ("createdDate".to_owned(), -1),
            ("name".to_owned(), 1),
        ])),
    };
    let page = pat_client(&server).contacts().list(&body).await.unwrap();
    assert_eq!(
        page,
        ContactPage {
            data: vec![
                expected_contact("c_6", "one@example.com"),
                expected_contact("c_7", "two@example.com"),
            ],
            total: 7,
            page: 2,
            limit: 5,
        }
    );

    assert_json_request(&server, "POST", "/sdk/contact/list", &expected_body).await;
}

/// What the official SDK sends for a list request with nothing set (the spec's defaults).
fn official_list_defaults() -> Value {
    json!({ "page": 1, "limit": 10, "filter": {} })
}

#[tokio::test]
async fn contacts_list_with_nothing_set_sends_the_official_defaults() {
    let server = MockServer::start().await;
    mount_once(
        &server,
        authed("POST", "/sdk/contact/list", API_TOKEN).and(body_json(official_list_defaults())),
        json_response(
            200,
            json!({ "success": true, "data": [], "total": 0, "page": 1, "limit": 10 }),
        ),
    )
    .await;

    let page = client_for(&server, API_TOKEN)
        .contacts()
        .list(&ListContacts::default())
        .await
        .unwrap();
    assert_eq!(
        page,
        ContactPage {
            data: vec![],
            total: 0,
            page: 1,
            limit: 10
        }
    );
    assert_json_body(
        &only_request(&server, API_TOKEN).await,
        &official_list_defaults(),
    );
}

#[tokio::test]
async fn contacts_list_sends_the_fields_set_and_the_defaults_of_the_others() {
    let server = MockServer::start().await;
    let expected =
        json!({ "page": 1, "limit": 10, "filter": { "tags": "vip" }, "sort": { "name": 1 } });
    mount_once(
        &server,
        authed("POST", "/sdk/contact/list", PAT).and(body_json(&expected)),
        json_response(
            200,
            json!({ "success": true, "data": [], "total": 0, "page": 1, "limit": 10 }),
        ),
    )
    .await;

    let body = ListContacts {
        filter: Some(tree(json!({ "tags": "vip" }))),
        sort: Some(BTreeMap::from([("name".to_owned(), 1)])),
        ..ListContacts::default()
    };
    pat_client(&server).contacts().list(&body).await.unwrap();
    assert_json_body(&only_request(&server, PAT).await, &expected);
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
async fn api_token_is_refused_for_users_get_before_any_request() {
    let server = server_refusing_all(user_json()).await;

    let error = client_for(&server, API_TOKEN)
        .users()
        .get()
        .await
        .expect_err("an API token must not be accepted by users.get");
    match &error {
        Error::AuthModeNotAccepted {
            operation,
            mode,
            accepted,
        } => {
            assert_eq!(*operation, "users.get");
            assert_eq!(*mode, AuthMode::ApiToken);
            assert_eq!(*accepted, &[AuthMode::Pat][..]);
        }
        other => panic!("expected AuthModeNotAccepted, got {other:?}"),
    }
    assert_eq!(error.status(), None);
    let shown = error.to_string();
    assert!(shown.contains("users.get"), "{shown}");
    assert!(shown.contains("personal access token"), "{shown}");
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn api_token_is_refused_for_peers_get_before_any_request() {
    let server = server_refusing_all(peer_json()).await;

    let error = client_for(&server, API_TOKEN)
        .peers()
        .get()
        .await
        .expect_err("an API token must not be accepted by peers.get");
    match &error {
        Error::AuthModeNotAccepted {
            operation, mode, ..
        } => {
            assert_eq!(*operation, "peers.get");
            assert_eq!(*mode, AuthMode::ApiToken);
        }
        other => panic!("expected AuthModeNotAccepted, got {other:?}"),
    }
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn api_token_is_accepted_by_contacts_create_and_sent_as_bearer() {
    let server = MockServer::start().await;
    mount_once(
        &server,
        authed("POST", "/sdk/contact", API_TOKEN).and(body_json(
            json!({ "email": "user@example.com", "name": "John Doe" }),
        )),
        json_response(
            200,
            json!({ "success": true, "data": contact_json("c_8", "user@example.com") }),
        ),
    )
    .await;

    let body = CreateContact {
        email: Some("user@example.com".into()),
        name: Some("John Doe".into()),
        ..CreateContact::default()
    };
    let contact = client_for(&server, API_TOKEN)
        .contacts()
        .create(&body)
        .await
        .unwrap();
    assert_eq!(contact.id, "c_8");
    let request = only_request(&server, API_TOKEN).await;
    assert_eq!(
        request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        "Bearer abc123def456ghi789"
    );
}

// ---------------------------------------------------------------------------------------
// error mapping
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn http_401_unauthorized_maps_to_unauthorized_with_guide_hints() {
    let error = peers_get_error(json_response(401, json!({ "message": "Unauthorized" }))).await;
    let Error::Unauthorized(api) = &error else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert_eq!(api.status(), 401);
    assert_eq!(api.message(), Some("Unauthorized"));
    assert_eq!(api.body(), r#"{"message":"Unauthorized"}"#);
    assert_eq!(error.status(), Some(401));
    let shown = error.to_string();
    for hint in [
        "pat_",
        "revoked",
        "expired",
        "Bearer",
        "Authorization",
        "Unauthorized",
    ] {
        assert!(shown.contains(hint), "`{hint}` missing from: {shown}");
    }
}

#[tokio::test]
async fn http_401_on_contacts_is_unauthorized_not_an_envelope_error() {
    let error = contacts_create_error(json_response(
        401,
        json!({ "success": false, "error": "Authorization failed" }),
    ))
    .await;
    let Error::Unauthorized(api) = &error else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert_eq!(api.message(), Some("Authorization failed"));
}

#[tokio::test]
async fn http_401_invalid_token_maps_to_invalid_token() {
    let error = users_get_error(json_response(401, json!({ "message": "Invalid token" }))).await;
    let Error::InvalidToken(api) = &error else {
        panic!("expected InvalidToken, got {error:?}");
    };
    assert_eq!(api.status(), 401);
    assert_eq!(api.message(), Some("Invalid token"));
    let shown = error.to_string();
    for hint in ["revoked", "expired", "pat_", "Personal Access Tokens"] {
        assert!(shown.contains(hint), "`{hint}` missing from: {shown}");
    }
}

#[tokio::test]
async fn http_401_invalid_token_in_nested_error_message_maps_to_invalid_token() {
    let error = users_get_error(json_response(
        401,
        json!({ "error": { "message": "INVALID TOKEN supplied", "type": "auth" } }),
    ))
    .await;
    let Error::InvalidToken(api) = &error else {
        panic!("expected InvalidToken, got {error:?}");
    };
    assert_eq!(api.message(), Some("INVALID TOKEN supplied"));
}

#[tokio::test]
async fn http_404_channel_not_found_maps_to_channel_not_found_with_hook_hints() {
    let error = peers_get_error(json_response(404, json!({ "error": "Channel not found" }))).await;
    let Error::ChannelNotFound(api) = &error else {
        panic!("expected ChannelNotFound, got {error:?}");
    };
    assert_eq!(api.status(), 404);
    assert_eq!(api.message(), Some("Channel not found"));
    assert_eq!(error.status(), Some(404));
    let shown = error.to_string();
    for hint in ["hookId", "deleted or disabled", "COGNIPEER_HOOK_ID"] {
        assert!(shown.contains(hint), "`{hint}` missing from: {shown}");
    }
}

#[tokio::test]
async fn http_404_other_message_maps_to_generic_api_error() {
    let body = r#"{"message":"Peer not found","statusCode":404}"#;
    let error = peers_get_error(raw_response(404, body, "application/json")).await;
    let Error::Api(api) = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(api.status(), 404);
    assert_eq!(api.message(), Some("Peer not found"));
    assert_eq!(api.body(), body);
    assert_eq!(error.status(), Some(404));
    assert!(
        error.to_string().contains("HTTP 404: Peer not found"),
        "{error}"
    );
}

#[tokio::test]
async fn http_404_contact_envelope_error_maps_to_api_error_with_error_text() {
    let error = contacts_get_error(
        "nobody@example.com",
        json_response(
            404,
            json!({ "success": false, "error": "Contact not found" }),
        ),
    )
    .await;
    let Error::Api(api) = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(api.status(), 404);
    assert_eq!(api.message(), Some("Contact not found"));
}

#[tokio::test]
async fn http_500_html_maps_to_api_error_with_raw_body_and_snippet() {
    let html = "<!DOCTYPE html>\n<html>\n  <head><title>502 Bad Gateway</title></head>\n  <body>\n    <h1>Internal Server Error</h1>\n  </body>\n</html>\n";
    let error = peers_get_error(raw_response(500, html, "text/html")).await;
    assert!(
        matches!(error, Error::Api(_)),
        "expected Api, got {error:?}"
    );
    assert_eq!(error.status(), Some(500));
    let api = error.api_error().unwrap();
    assert_eq!(api.status(), 500);
    assert_eq!(api.body(), html);
    assert_eq!(api.message(), None);
    let shown = error.to_string();
    assert!(shown.contains("HTTP 500"), "{shown}");
    // A whitespace-collapsed snippet of the body.
    assert!(shown.contains("<h1>Internal Server Error</h1>"), "{shown}");
    assert!(
        !shown.contains('\n'),
        "snippet must be on one line: {shown}"
    );
}

#[tokio::test]
async fn http_500_long_body_is_cut_in_display_but_kept_whole() {
    let long = format!("<html>{}</html>", "x".repeat(5_000));
    let error = users_get_error(raw_response(500, &long, "text/html")).await;
    assert_eq!(error.api_error().unwrap().body(), long);
    let shown = error.to_string();
    assert!(
        shown.len() < 1_000,
        "display must show a snippet only: {} bytes",
        shown.len()
    );
    assert!(shown.contains('…'), "{shown}");
}

#[tokio::test]
async fn http_200_success_false_is_unsuccessful_with_error_text() {
    let error = contacts_get_error(
        "ghost@example.com",
        json_response(
            200,
            json!({ "success": false, "error": "Contact not found" }),
        ),
    )
    .await;
    let Error::Unsuccessful(api) = &error else {
        panic!("expected Unsuccessful, got {error:?}");
    };
    assert_eq!(api.status(), 200);
    assert_eq!(api.message(), Some("Contact not found"));
    assert_eq!(error.status(), Some(200));
    assert!(error.to_string().contains("Contact not found"), "{error}");
}

#[tokio::test]
async fn http_200_success_false_on_list_is_unsuccessful() {
    let error = contacts_list_error(json_response(
        200,
        json!({ "success": false, "error": "Invalid filter" }),
    ))
    .await;
    let Error::Unsuccessful(api) = &error else {
        panic!("expected Unsuccessful, got {error:?}");
    };
    assert_eq!(api.message(), Some("Invalid filter"));
}

#[tokio::test]
async fn http_200_envelope_without_success_flag_is_unsuccessful() {
    let error = contacts_create_error(json_response(
        200,
        json!({ "data": contact_json("c_9", "a@example.com") }),
    ))
    .await;
    let Error::Unsuccessful(api) = &error else {
        panic!("expected Unsuccessful, got {error:?}");
    };
    assert_eq!(api.message(), None);
}

#[tokio::test]
async fn http_200_malformed_json_is_decode_error_with_snippet() {
    let error = peers_get_error(raw_response(200, r#"{"_id": 1,"#, "application/json")).await;
    let Error::Decode {
        status, snippet, ..
    } = &error
    else {
        panic!("expected Decode, got {error:?}");
    };
    assert_eq!(*status, 200);
    assert_eq!(snippet, r#"{"_id": 1,"#);
    assert_eq!(error.status(), Some(200));
    assert!(error.to_string().contains(r#"{"_id": 1,"#), "{error}");
}

#[tokio::test]
async fn http_200_malformed_json_in_envelope_is_decode_error() {
    let error = contacts_create_error(raw_response(
        200,
        r#"{"success": true, "data": {"_id": 1,"#,
        "application/json",
    ))
    .await;
    assert_decode_200(&error);
}

#[tokio::test]
async fn missing_required_peer_field_is_decode_error() {
    let mut peer = peer_json();
    peer.as_object_mut().unwrap().remove("modelId");
    let error = peers_get_error(json_response(200, peer)).await;
    let Error::Decode {
        status, message, ..
    } = &error
    else {
        panic!("expected Decode, got {error:?}");
    };
    assert_eq!(*status, 200);
    assert!(message.contains("modelId"), "{message}");
}

#[tokio::test]
async fn missing_required_contact_field_inside_envelope_is_decode_error() {
    let server = MockServer::start().await;
    let mut contact = contact_json("c_10", "a@example.com");
    contact.as_object_mut().unwrap().remove("workspaceId");
    mount_once(
        &server,
        authed("PATCH", "/sdk/contact", PAT),
        json_response(200, json!({ "success": true, "data": contact })),
    )
    .await;

    let body = UpdateContact {
        email: Some("a@example.com".into()),
        data: ContactChanges {
            name: Some("A".into()),
            ..ContactChanges::default()
        },
        ..UpdateContact::default()
    };
    let error = pat_client(&server)
        .contacts()
        .update(&body)
        .await
        .unwrap_err();
    let Error::Decode { message, .. } = &error else {
        panic!("expected Decode, got {error:?}");
    };
    assert!(message.contains("workspaceId"), "{message}");
}

#[tokio::test]
async fn missing_data_in_successful_envelope_is_decode_error() {
    let error = contacts_create_error(json_response(200, json!({ "success": true }))).await;
    assert_decode_200(&error);
}

#[tokio::test]
async fn missing_total_in_contact_page_is_decode_error() {
    let error = contacts_list_error(json_response(
        200,
        json!({ "success": true, "data": [], "page": 1, "limit": 10 }),
    ))
    .await;
    let Error::Decode { message, .. } = &error else {
        panic!("expected Decode, got {error:?}");
    };
    assert!(message.contains("total"), "{message}");
}

#[tokio::test]
async fn empty_200_body_is_decode_error() {
    let error = users_get_error(ResponseTemplate::new(200)).await;
    assert_decode_200(&error);
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
        json_response(200, peer_json()).set_delay(Duration::from_millis(400)),
    )
    .await;

    let client = builder_for(&server, PAT)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.peers().get().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(380),
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
    let error = client.users().get().await.unwrap_err();
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

fn assert_invalid_credential(result: Result<impl std::fmt::Debug, Error>, secret: &str) {
    let error = result.expect_err("the credential must be rejected");
    assert!(
        matches!(error, Error::InvalidCredential(_)),
        "expected InvalidCredential, got {error:?}"
    );
    let shown = error.to_string();
    let debug = format!("{error:?}");
    // The empty string is contained in everything; only check real secrets.
    if !secret.trim().is_empty() {
        assert!(!shown.contains(secret), "display leaks the secret: {shown}");
        assert!(!debug.contains(secret), "debug leaks the secret: {debug}");
        let core = secret.trim();
        assert!(!shown.contains(core), "display leaks the secret: {shown}");
        assert!(!debug.contains(core), "debug leaks the secret: {debug}");
    }
}

#[test]
fn bad_tokens_are_invalid_credentials_without_the_secret() {
    assert_invalid_credential(Token::new(""), "");
    assert_invalid_credential(Token::pat(""), "");
    assert_invalid_credential(Token::api_token(""), "");
    assert_invalid_credential(Token::pat("abc"), "abc");
    assert_invalid_credential(
        Token::pat("abcdefghijkl0123456789"),
        "abcdefghijkl0123456789",
    );
    // Only the prefix: the message names the prefix, which is no secret.
    assert_invalid_credential(Token::pat("pat_"), "");
    assert_invalid_credential(Token::new("pat_"), "");
    assert_invalid_credential(Token::new(format!("{PAT}\n")), PAT);
    assert_invalid_credential(Token::new(format!(" {PAT}")), PAT);
    assert_invalid_credential(
        Token::new("pat_kcnlto8e01zg 3frarz8l1kvenmhqvtqzjmfnxdvh"),
        "01zg 3frar",
    );
    assert_invalid_credential(Token::new("abc123\tdef456ghi789"), "abc123\tdef456ghi789");
    assert_invalid_credential(
        Token::new("pat_kcnlto8e01zgé3frarz8l1kvenmhq"),
        "kcnlto8e01zgé3fr",
    );
    // A PAT declared as an API token is refused, and so is an API token declared a PAT.
    assert_invalid_credential(Token::api_token(PAT), PAT);
    assert_invalid_credential(Token::pat(API_TOKEN), API_TOKEN);
    // The constructors accept the right kinds.
    assert_eq!(Token::pat(PAT).unwrap().mode(), AuthMode::Pat);
    assert_eq!(
        Token::api_token(API_TOKEN).unwrap().mode(),
        AuthMode::ApiToken
    );
}

#[test]
fn bad_hook_ids_are_invalid_credentials_without_the_value() {
    assert_invalid_credential(HookId::new(""), "");
    assert_invalid_credential(HookId::new(format!("{HOOK}\r\n")), HOOK);
    assert_invalid_credential(HookId::new("bhdwxdpdkn\r\nX-Evil: 1"), "bhdwxdpdkn");
    assert_invalid_credential(HookId::new("bhdwx dpdkndpzolyttqf"), "bhdwx dpdkn");
    assert_eq!(HookId::new(HOOK).unwrap().as_str(), HOOK);
}

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
async fn trailing_slash_on_base_url_is_ignored() {
    let server = serve_once("GET", "/sdk/peer", PAT, json_response(200, peer_json())).await;

    let client = builder(PAT)
        .base_url(format!("{}/", server.uri()))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), server.uri());
    let peer = client.peers().get().await.unwrap();
    assert_eq!(peer.id, "65f1c0ffee00000000000a01");
    let request = only_request(&server, PAT).await;
    assert_eq!(request.url.path(), "/sdk/peer");
    assert!(!request.url.as_str().contains("//sdk"), "{}", request.url);
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = serve_once(
        "POST",
        "/v1/sdk/contact/list",
        PAT,
        json_response(
            200,
            json!({ "success": true, "data": [], "total": 0, "page": 1, "limit": 10 }),
        ),
    )
    .await;

    let client = builder(PAT)
        .base_url(format!("{}/v1/", server.uri()))
        .build()
        .unwrap();
    let page = client
        .contacts()
        .list(&ListContacts::default())
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    let request = only_request(&server, PAT).await;
    assert_eq!(request.url.path(), "/v1/sdk/contact/list");
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
    let peer = client.peers().get().await.unwrap();
    assert_eq!(peer, expected_peer());
    only_request(&server, PAT).await;

    clear_env();
}

// ---------------------------------------------------------------------------------------
// client-side validation the reference asks for (§5, §7.2), declared in the spec
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn contacts_get_without_selector_fails_before_sending() {
    let server = contact_server().await;

    let result = pat_client(&server)
        .contacts()
        .get(&ContactsGetQuery::default())
        .await;
    assert!(
        matches!(result, Err(Error::Precondition { .. })),
        "expected a client-side error, got {result:?}"
    );
    assert_nothing_sent(&server).await;
}

#[tokio::test]
async fn contacts_update_without_selector_or_changes_fails_before_sending() {
    let server = contact_server().await;

    let client = pat_client(&server);
    let no_selector = UpdateContact {
        data: ContactChanges {
            name: Some("A".into()),
            ..ContactChanges::default()
        },
        ..UpdateContact::default()
    };
    let result = client.contacts().update(&no_selector).await;
    assert!(
        matches!(result, Err(Error::Precondition { .. })),
        "no selector: expected an error, got {result:?}"
    );

    let no_changes = UpdateContact {
        email: Some("a@example.com".into()),
        ..UpdateContact::default()
    };
    let result = client.contacts().update(&no_changes).await;
    assert!(
        matches!(result, Err(Error::Precondition { .. })),
        "empty data: expected an error, got {result:?}"
    );

    assert_nothing_sent(&server).await;
}
