//! How an `into_pages()` listing reads each page object: whatever the order of its fields, skipping
//! fields it does not know, reading `page`, `limit` and `total` leniently (a missing value, or
//! one that is not a whole number, counts as absent, as `serde_json::Value::as_i64` reads it),
//! the last of repeated fields counting, and naming the items field and page in a decode
//! error. The pages are written out as text, so that field order and number forms are as given.
//! `pagination.rs` covers the guards against servers whose pages do not add up.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{acme, raw_response};
use placements_sdk::Error;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

/// The route of `items.in_folder` for folder `f_1` (no envelope, paging in the query).
const FOLDER_ITEMS: &str = "/folders/f_1/items";

struct Case {
    name: &'static str,
    /// The answers to pages 1, 2, … (a page not listed is never asked for).
    pages: &'static [&'static str],
    /// The names of the items listed, or the message of the decode error that ends the list.
    outcome: Result<&'static [&'static str], &'static str>,
}

/// A server answering `items.in_folder` of `f_1` with `pages`, each page at most once.
async fn folder(pages: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    for (number, answer) in (1..).zip(pages) {
        Mock::given(method("GET"))
            .and(path(FOLDER_ITEMS))
            .and(query_param("page", number.to_string()))
            .respond_with(raw_response(200, answer, "application/json"))
            .expect(0..=1)
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn page_objects_are_read_in_any_field_order_with_lenient_numbers() {
    let cases = [
        Case {
            name: "items before the numbers, then after them",
            pages: &[
                r#"{"data":[{"name":"a"},{"name":"b"}],"total":3,"page":1,"limit":2}"#,
                r#"{"page":2,"limit":2,"total":3,"data":[{"name":"c"}]}"#,
            ],
            outcome: Ok(&["a", "b", "c"]),
        },
        Case {
            name: "unknown fields of any shape, before and after the items",
            pages: &[
                r#"{"next":{"cursor":[1,{"x":null}]},"data":[{"name":"a","colour":"red"}],"note":"hi","total":2,"limit":1,"facets":[]}"#,
                r#"{"data":[{"name":"b"}],"more":false,"total":2}"#,
            ],
            outcome: Ok(&["a", "b"]),
        },
        Case {
            // Read as whole numbers, `total` would ask for a second page.
            name: "a total that is a string is absent",
            pages: &[r#"{"data":[{"name":"a"}],"total":"3","limit":1}"#],
            outcome: Ok(&["a"]),
        },
        Case {
            name: "a fractional total is absent",
            pages: &[r#"{"data":[{"name":"a"}],"total":3.0,"limit":1}"#],
            outcome: Ok(&["a"]),
        },
        Case {
            name: "a total beyond 64 bits is absent",
            pages: &[r#"{"data":[{"name":"a"}],"total":9223372036854775808,"limit":1}"#],
            outcome: Ok(&["a"]),
        },
        Case {
            // Read as whole numbers, these would answer another page or give a page size of
            // 0 (`-0` is a fraction to `serde_json`): errors. Absent, the page size is the
            // number of items.
            name: "a page or page size that is a fraction or a string is absent",
            pages: &[
                r#"{"data":[{"name":"a"},{"name":"b"}],"page":2.0,"limit":-0,"total":4}"#,
                r#"{"data":[{"name":"c"},{"name":"d"}],"page":"1","limit":"0","total":4}"#,
            ],
            outcome: Ok(&["a", "b", "c", "d"]),
        },
        Case {
            name: "of repeated fields, the last counts",
            pages: &[
                r#"{"total":2,"data":[{"name":"x"}],"limit":2,"total":3,"data":[{"name":"a"},{"name":"b"}]}"#,
                r#"{"data":[{"name":"c"}],"limit":2,"total":3}"#,
            ],
            outcome: Ok(&["a", "b", "c"]),
        },
        Case {
            name: "an item that does not decode",
            pages: &[r#"{"data":[{"name":"a"},{"size":1}],"total":2}"#],
            outcome: Err("`data` of page 1: missing field `name`"),
        },
        Case {
            name: "an item of the wrong type",
            pages: &[r#"{"total":1,"data":[{"name":"a","size":"big"}]}"#],
            outcome: Err(r#"`data` of page 1: invalid type: string "big", expected i64"#),
        },
        Case {
            name: "items that are not a list",
            pages: &[r#"{"data":{"name":"a"},"total":1}"#],
            outcome: Err("`data` of page 1: invalid type: map, expected a sequence"),
        },
        Case {
            name: "no items field",
            pages: &[r#"{"total":1}"#],
            outcome: Err("`data` of page 1: invalid type: null, expected a sequence"),
        },
        Case {
            name: "a page that is not an object",
            pages: &[r#"[{"name":"a"}]"#],
            outcome: Err("`data` of page 1: invalid type: null, expected a sequence"),
        },
        Case {
            name: "an empty body",
            pages: &[""],
            outcome: Err("`data` of page 1: invalid type: null, expected a sequence"),
        },
        Case {
            name: "an item that does not decode on page 2",
            pages: &[
                r#"{"data":[{"name":"a"}],"total":2,"limit":1}"#,
                r#"{"data":[{"name":7}],"total":2,"limit":1}"#,
            ],
            outcome: Err("`data` of page 2: invalid type: integer `7`, expected a string"),
        },
    ];
    for case in cases {
        let name = case.name;
        let server = folder(case.pages).await;
        let mut items = acme(&server).items().in_folder("f_1").into_pages();
        let mut names = Vec::new();
        let error = loop {
            match items.next().await {
                Ok(Some(item)) => names.push(item.name),
                Ok(None) => break None,
                Err(error) => break Some(error),
            }
        };
        match (case.outcome, error) {
            (Ok(expected), None) => assert_eq!(names, expected, "{name}"),
            (
                Err(expected),
                Some(Error::Decode {
                    status,
                    message,
                    snippet,
                }),
            ) => {
                assert_eq!(message, expected, "{name}");
                assert_eq!((status, snippet.as_str()), (200, ""), "{name}");
            }
            (_, error) => panic!("{name}: got {names:?}, then {error:?}"),
        }
        // Every page listed was asked for, once; a page not listed would have failed.
        let requests = server.received_requests().await.unwrap().len();
        assert_eq!(requests, case.pages.len(), "{name}");
    }
}
