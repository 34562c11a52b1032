//! Requests and responses encoded and decoded without a `serde_json::Value` in between: the
//! envelope read in one pass (whatever the order of its keys), the generated serde impls of the
//! models (unknown fields kept, keys with escapes), the hookId spliced into a serialized body,
//! and the query string built from the query struct.

mod common;

use std::collections::BTreeMap;

use cognipeer_sdk::models::{Contact, ContactPage, MessageRole, ResponseFormat};
use cognipeer_sdk::Error;
use common::{
    acme, builder_for, json_body, on, query_values, raw_response, received, serve_once, tree,
    CHANNEL, PAT,
};
use placements_sdk::models::Item;
use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

/// A contact with its required fields and one field the SDK does not know.
const CONTACT: &str = r#"{"_id":"c_1","workspaceId":"w_1","email":"a@example.com","tier":"gold"}"#;

/// What a call came to, for comparing outcomes in a table.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Decoded; the contact's id (or the page's first contact's id).
    Ok(String),
    /// `success` was not `true`; the message the error field gave.
    Unsuccessful(Option<String>),
    /// The body could not be decoded.
    Decode,
}

fn outcome<T>(result: Result<T, Error>, id: impl Fn(&T) -> String) -> Outcome {
    match result {
        Ok(value) => Outcome::Ok(id(&value)),
        Err(Error::Unsuccessful(api)) => Outcome::Unsuccessful(api.message().map(str::to_owned)),
        Err(Error::Decode { status: 200, .. }) => Outcome::Decode,
        Err(other) => panic!("unexpected error: {other:?}"),
    }
}

/// `POST route` answering `body` as is, with a PAT client.
async fn answering(route: &str, body: &str) -> (MockServer, cognipeer_sdk::CognipeerClient) {
    let response = raw_response(200, body, "application/json");
    let server = serve_once("POST", route, PAT, response).await;
    let client = builder_for(&server, PAT).build().unwrap();
    (server, client)
}

#[tokio::test]
async fn result_envelopes_are_read_in_one_pass_whatever_the_key_order() {
    let ok = || Outcome::Ok("c_1".to_owned());
    let unsuccessful = |message: Option<&str>| Outcome::Unsuccessful(message.map(str::to_owned));
    let cases = [
        (
            "success first",
            format!(r#"{{"success":true,"data":{CONTACT}}}"#),
            ok(),
        ),
        (
            "data first",
            format!(r#"{{"data":{CONTACT},"success":true}}"#),
            ok(),
        ),
        (
            "fields the envelope does not name are skipped",
            format!(r#"{{"meta":[1,{{"a":null}}],"success":true,"data":{CONTACT},"error":null}}"#),
            ok(),
        ),
        (
            "keys with escapes",
            r#"{"\u0073uccess":true,"d\u0061ta":{"\u005fid":"c_1","workspaceId":"w_1"}}"#
                .to_owned(),
            ok(),
        ),
        (
            "a payload that decodes, then success false",
            format!(r#"{{"data":{CONTACT},"success":false,"error":"quota exceeded"}}"#),
            unsuccessful(Some("quota exceeded")),
        ),
        (
            "success false, then a payload that would not decode",
            r#"{"success":false,"data":{"_id":1},"error":{"message":"bad"}}"#.to_owned(),
            unsuccessful(Some("bad")),
        ),
        (
            "a payload that would not decode, then success false",
            r#"{"data":{"_id":1},"success":false,"error":"late"}"#.to_owned(),
            unsuccessful(Some("late")),
        ),
        (
            "success as a string",
            format!(r#"{{"success":"true","data":{CONTACT}}}"#),
            unsuccessful(None),
        ),
        (
            "no success flag",
            format!(r#"{{"data":{CONTACT}}}"#),
            unsuccessful(None),
        ),
        ("not an object", "[1,2]".to_owned(), unsuccessful(None)),
        (
            "success true, a payload that does not decode",
            r#"{"success":true,"data":{"_id":1,"workspaceId":"w_1"}}"#.to_owned(),
            Outcome::Decode,
        ),
        (
            "success true, no payload",
            r#"{"success":true}"#.to_owned(),
            Outcome::Decode,
        ),
        (
            "trailing characters",
            format!(r#"{{"success":true,"data":{CONTACT}}} x"#),
            Outcome::Decode,
        ),
        (
            "cut short after success false",
            r#"{"success":false,"data":{"#.to_owned(),
            Outcome::Decode,
        ),
    ];
    for (name, body, expected) in cases {
        let (_server, client) = answering("/sdk/contact", &body).await;
        let result = client.contacts().create().send().await;
        assert_eq!(
            outcome(result, |c: &Contact| c.id.clone()),
            expected,
            "{name}"
        );
    }
}

#[tokio::test]
async fn page_envelopes_give_the_whole_body_to_the_page_and_still_check_success() {
    let page = r#""data":[{"_id":"c_1","workspaceId":"w_1"}],"total":1,"page":1,"limit":10"#;
    let cases = [
        (
            "success first",
            format!(r#"{{"success":true,{page}}}"#),
            Outcome::Ok("c_1".to_owned()),
        ),
        (
            "success last",
            format!(r#"{{{page},"success":true}}"#),
            Outcome::Ok("c_1".to_owned()),
        ),
        (
            "a complete page with success false",
            format!(r#"{{"success":false,"error":"read-only replica",{page}}}"#),
            Outcome::Unsuccessful(Some("read-only replica".to_owned())),
        ),
        (
            "a complete page without a success flag",
            format!("{{{page}}}"),
            Outcome::Unsuccessful(None),
        ),
        (
            "success false and no page",
            r#"{"success":false,"error":"boom"}"#.to_owned(),
            Outcome::Unsuccessful(Some("boom".to_owned())),
        ),
        (
            "success true, no total",
            r#"{"success":true,"data":[],"page":1,"limit":10}"#.to_owned(),
            Outcome::Decode,
        ),
    ];
    for (name, body, expected) in cases {
        let (_server, client) = answering("/sdk/contact/list", &body).await;
        let result = client.contacts().list().send().await;
        let first = |p: &ContactPage| p.data[0].id.clone();
        assert_eq!(outcome(result, first), expected, "{name}");
    }
}

#[test]
fn generated_models_decode_like_serde_and_keep_unknown_fields_in_order() {
    let contact: Contact = serde_json::from_str(
        r#"{"_id":"c_1","email":null,"workspaceId":"w_1","\u0074ier":"gold","tags":["a"],"nested":{"b":[1]}}"#,
    )
    .unwrap();
    assert_eq!(contact.id, "c_1");
    assert_eq!(contact.email, None, "null is an unset optional field");
    assert_eq!(contact.tags, Some(vec!["a".to_owned()]));
    assert_eq!(
        serde_json::to_string(&contact.extra).unwrap(),
        r#"{"nested":{"b":[1]},"tier":"gold"}"#
    );
    // Known fields in declaration order, unset ones left out, then the unknown ones.
    assert_eq!(
        serde_json::to_string(&contact).unwrap(),
        r#"{"_id":"c_1","workspaceId":"w_1","tags":["a"],"nested":{"b":[1]},"tier":"gold"}"#
    );

    let missing = serde_json::from_str::<Contact>(r#"{"_id":"c_1"}"#).unwrap_err();
    assert!(
        missing.to_string().contains("missing field `workspaceId`"),
        "{missing}"
    );
    let wrong = serde_json::from_str::<Contact>(r#"{"_id":"c_1","workspaceId":7}"#).unwrap_err();
    assert!(
        wrong.to_string().contains("invalid type: integer `7`"),
        "{wrong}"
    );
    let not_an_object = serde_json::from_str::<Contact>("[]").unwrap_err();
    assert!(
        not_an_object
            .to_string()
            .contains("expected struct Contact"),
        "{not_an_object}"
    );

    // Enums: closed ones name the values they know, open ones keep the new value.
    let unknown = serde_json::from_str::<ResponseFormat>(r#""xml""#).unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("unknown variant `xml`, expected `text` or `json`"),
        "{unknown}"
    );
    let role: MessageRole = serde_json::from_str(r#""\u0061i""#).unwrap();
    assert_eq!(role, MessageRole::Ai);
    let role: MessageRole = serde_json::from_str(r#""system""#).unwrap();
    assert_eq!(role, MessageRole::Unknown("system".to_owned()));
    assert_eq!(serde_json::to_string(&role).unwrap(), r#""system""#);
}

#[tokio::test]
async fn the_hook_id_is_spliced_into_the_serialized_body_unless_the_caller_set_it() {
    let server = MockServer::start().await;
    on("POST", "/items")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    on("POST", "/items/raw")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = acme(&server);
    let own = "chan-\"quoted\"";
    let unknown = |pairs: &[(&str, &str)]| -> serde_json::Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect()
    };

    // Prepared bodies: the request has no setter for `extra`. `size` stays unset.
    let mut item = Item::new("widget");
    item.extra = unknown(&[("color", "red")]);
    let by_body = |item: &Item| client.items().by_body(item.name.clone()).body(item.clone());
    by_body(&item).send().await.unwrap();
    item.extra = unknown(&[("channel", own)]);
    by_body(&item).send().await.unwrap();
    client
        .items()
        .by_map_body()
        .body(BTreeMap::new())
        .send()
        .await
        .unwrap();
    let map = tree(Value::Object(unknown(&[("channel", own), ("a", "b")])));
    client.items().by_map_body().body(map).send().await.unwrap();

    let bodies: Vec<String> = received(&server)
        .await
        .iter()
        .map(|r| String::from_utf8(r.body.clone()).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            format!(r#"{{"name":"widget","color":"red","channel":"{CHANNEL}"}}"#),
            r#"{"name":"widget","channel":"chan-\"quoted\""}"#.to_owned(),
            format!(r#"{{"channel":"{CHANNEL}"}}"#),
            r#"{"a":"b","channel":"chan-\"quoted\""}"#.to_owned(),
        ],
        "the caller's own hook field wins; otherwise the client's goes last"
    );
}

#[tokio::test]
async fn the_query_string_comes_from_the_query_struct_with_defaults_for_unset_parameters() {
    let server = MockServer::start().await;
    on("GET", "/items/search")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": [], "total": 0 })))
        .mount(&server)
        .await;
    let client = acme(&server);
    // The request fills its query struct: nothing set, then every parameter set.
    for request in [
        client.items().search(),
        client.items().search().q("a b&c=d/é").page(3).limit(7),
    ] {
        request.send().await.unwrap();
    }
    let requests = received(&server).await;
    let values = |i: usize, name: &str| query_values(&requests[i], name);
    assert_eq!(
        requests[0].url.query(),
        Some(&*format!("limit=2&channel={CHANNEL}"))
    );
    assert_eq!(
        values(1, "q"),
        ["a b&c=d/é"],
        "encoded, and decoded back by the server"
    );
    assert_eq!(values(1, "page"), ["3"]);
    assert_eq!(
        values(1, "limit"),
        ["7"],
        "a set parameter replaces its default"
    );
    assert_eq!(values(1, "channel"), [CHANNEL]);
    assert!(json_body(&requests[1]).is_none());
}
