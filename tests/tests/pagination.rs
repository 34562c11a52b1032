//! `list().into_pages()` as a `Stream` that owns a clone of the client (spawned, returned,
//! combined with `StreamExt`/`TryStreamExt`, stopped by dropping it), and its guards against
//! servers whose pages do not add up: they end the list with `Error::Pagination` instead of
//! looping.
//!
//! The contacts list server here computes each answer from the request (see [`Pager`]);
//! `wire_api.rs` covers the request bodies and the page envelope with fixed answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cognipeer_sdk::models::{Contact, ListContacts};
use cognipeer_sdk::{CognipeerClient, Error};
use common::{builder_for, ok_json, on, request_count, PAT};
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// The route of `contacts.list`.
const CONTACT_LIST: &str = "/sdk/contact/list";

/// How the contacts list server answers.
#[derive(Clone, Copy, Debug)]
enum Serves {
    /// The page asked for, echoing its number and size.
    Honestly,
    /// Page 1 whatever is asked; saying so when `echo`, else not saying which page it is.
    AlwaysPageOne { echo: bool },
    /// The page asked for, but claiming this page size.
    Limit(i64),
}

/// A contacts list of `total` contacts (`c_1`, `c_2`, …) served in the request's page size.
struct Pager {
    total: i64,
    serves: Serves,
}

impl Respond for Pager {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let asked = body["page"].as_i64().unwrap();
        let size = body["limit"].as_i64().unwrap();
        let page = match self.serves {
            Serves::AlwaysPageOne { .. } => 1,
            _ => asked,
        };
        let first = page.saturating_sub(1).saturating_mul(size);
        let last = self.total.min(first.saturating_add(size));
        let contacts: Vec<Value> = (first..last)
            .map(|i| json!({ "_id": format!("c_{}", i + 1), "workspaceId": "ws_1" }))
            .collect();
        let mut answer = json!({ "success": true, "data": contacts, "total": self.total });
        match self.serves {
            Serves::Honestly => {
                answer["page"] = page.into();
                answer["limit"] = size.into();
            }
            Serves::AlwaysPageOne { echo } => {
                if echo {
                    answer["page"] = 1.into();
                }
            }
            Serves::Limit(limit) => {
                answer["page"] = page.into();
                answer["limit"] = limit.into();
            }
        }
        ok_json(&answer)
    }
}

/// A new server whose contacts list answers as `serves` says.
async fn pager(total: i64, serves: Serves) -> MockServer {
    let server = MockServer::start().await;
    on("POST", CONTACT_LIST)
        .respond_with(Pager { total, serves })
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> CognipeerClient {
    builder_for(server, PAT).build().unwrap()
}

/// A contacts list request for pages of two, from `page`.
fn by_two_from(page: i64) -> ListContacts {
    ListContacts::new().with_page(page).with_limit(2)
}

fn ids(contacts: &[Contact]) -> Vec<&str> {
    contacts.iter().map(|c| c.id.as_str()).collect()
}

/// Every contact, as a stream that outlives `client`.
fn every_contact(
    client: &CognipeerClient,
) -> impl Stream<Item = Result<Contact, Error>> + Send + 'static {
    client.contacts().list().body(by_two_from(1)).into_pages()
}

// ---------------------------------------------------------------------------------------
// the stream
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_stream_owns_its_client_and_runs_on_a_spawned_task() {
    let server = pager(5, Serves::Honestly).await;
    let client = client(&server);
    let contacts = every_contact(&client);
    drop(client);

    let contacts: Vec<Contact> = tokio::spawn(contacts.try_collect()).await.unwrap().unwrap();
    assert_eq!(ids(&contacts), ["c_1", "c_2", "c_3", "c_4", "c_5"]);
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn dropping_the_stream_stops_fetching() {
    let server = pager(100, Serves::Honestly).await;

    let first: Vec<Contact> = every_contact(&client(&server))
        .take(3)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&first), ["c_1", "c_2", "c_3"]);
    // Pages of two: the third contact is on page 2, and nothing is fetched ahead.
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn next_page_after_next_returns_the_rest_of_the_page() {
    let server = pager(5, Serves::Honestly).await;
    let mut pages = client(&server)
        .contacts()
        .list()
        .body(by_two_from(1))
        .into_pages();

    assert_eq!(pages.next().await.unwrap().unwrap().id, "c_1");
    assert_eq!(ids(&pages.next_page().await.unwrap().unwrap()), ["c_2"]);
    assert_eq!(
        ids(&pages.next_page().await.unwrap().unwrap()),
        ["c_3", "c_4"]
    );
    assert_eq!(ids(&pages.collect().await.unwrap()), ["c_5"]);
    assert_eq!(request_count(&server).await, 3);
}

// ---------------------------------------------------------------------------------------
// guards
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn pages_that_do_not_add_up_end_the_list_with_an_error() {
    struct Case {
        name: &'static str,
        serves: Serves,
        first_page: i64,
        /// The contacts returned before the error.
        before: &'static [&'static str],
        /// The page the error names.
        page: i64,
        /// Part of the error's reason.
        reason: &'static str,
    }
    let cases = [
        Case {
            name: "a server that answers page 1 to every page, saying so",
            serves: Serves::AlwaysPageOne { echo: true },
            first_page: 1,
            before: &["c_1", "c_2"],
            page: 2,
            reason: "answered page 1 instead",
        },
        Case {
            name: "a server that answers page 1 to every page, silently",
            serves: Serves::AlwaysPageOne { echo: false },
            first_page: 1,
            before: &["c_1", "c_2"],
            page: 2,
            reason: "repeat an earlier page",
        },
        Case {
            name: "a page size of zero",
            serves: Serves::Limit(0),
            first_page: 1,
            // The page's own items come first: the server did send them.
            before: &["c_1", "c_2"],
            page: 1,
            reason: "is 0",
        },
        Case {
            name: "a negative page size",
            serves: Serves::Limit(-2),
            first_page: 1,
            // The page's own items come first: the server did send them.
            before: &["c_1", "c_2"],
            page: 1,
            reason: "is -2",
        },
        Case {
            // `page + 1` would overflow here.
            name: "a page size of zero on the last page number",
            serves: Serves::Limit(0),
            first_page: i64::MAX,
            before: &[],
            page: i64::MAX,
            reason: "is 0",
        },
    ];
    for case in cases {
        let name = case.name;
        let server = pager(1000, case.serves).await;
        let mut pages = client(&server)
            .contacts()
            .list()
            .body(by_two_from(case.first_page))
            .into_pages();
        let mut before = Vec::new();
        // Bounded, so that a list that never ends fails instead of hanging.
        let error = loop {
            assert!(before.len() <= 20, "{name}: no error after {before:?}");
            match pages.next().await {
                Ok(Some(contact)) => before.push(contact.id),
                Ok(None) => panic!("{name}: the list ended without an error"),
                Err(error) => break error,
            }
        };
        assert_eq!(before, case.before, "{name}");
        match &error {
            Error::Pagination {
                operation,
                page,
                reason,
            } => {
                assert_eq!(*operation, "contacts.list", "{name}");
                assert_eq!(*page, case.page, "{name}");
                assert!(reason.contains(case.reason), "{name}: {reason}");
            }
            other => panic!("{name}: expected Error::Pagination, got {other:?}"),
        }
        assert!(
            error.to_string().contains("list operation itself"),
            "{name}: {error}"
        );
        // The list has ended: nothing more is asked for.
        assert!(pages.next().await.unwrap().is_none(), "{name}");
        let requests = usize::try_from(case.page - case.first_page + 1).unwrap();
        assert_eq!(request_count(&server).await, requests, "{name}");
    }
}

#[tokio::test]
async fn the_stream_ends_after_an_error() {
    let server = pager(1000, Serves::AlwaysPageOne { echo: true }).await;
    // Bounded, so that a list that never ends fails instead of running through every page.
    let results: Vec<Result<Contact, Error>> =
        every_contact(&client(&server)).take(10).collect().await;

    let outcomes: Vec<_> = results
        .iter()
        .map(|r| r.as_ref().map(|c| c.id.as_str()).map_err(|_| "error"))
        .collect();
    assert_eq!(outcomes, [Ok("c_1"), Ok("c_2"), Err("error")]);
}
