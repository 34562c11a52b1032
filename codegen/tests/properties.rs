//! Property tests: no input makes the generator panic, and every valid spec gives code that parses
//! and is byte-identical when generated twice.
//!
//! CI runs a fixed number of cases; run longer with e.g. `PROPTEST_CASES=5000 cargo test -p codegen --test properties`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use std::collections::BTreeSet;
use yaml_serde::{Mapping, Value};

const REAL_SPEC: &str = include_str!("../../spec/cognipeer.yaml");
const PLACEMENTS_SPEC: &str = include_str!("../../tests/fixtures/wire/placements.yaml");

/// Text fragments that stress the YAML parser and the validator.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ": ",
    "?",
    "- ",
    "\n",
    "  ",
    "\t",
    "#",
    "\"",
    "'",
    "&a",
    "*a",
    "!!str",
    "~",
    "null",
    "type",
    "self",
    "Self",
    "list<",
    "map<>",
    "string?",
    "?",
    "{x}",
    "/{",
    "}",
    "pat_",
    "GET",
    "body",
    "hook: body",
    "é",
    "\u{0}",
    "0",
    "-1",
    "99999999999999999999",
    "_id",
    "r#type",
];

/// A mutation of a valid spec: lines dropped, duplicated or swapped, fragments inserted, a cut.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    let lines: Vec<&'static str> = base.lines().collect();
    let n = lines.len();
    prop::collection::vec((0..6u8, 0..n, 0..n, 0..FRAGMENTS.len(), 0..80usize), 1..6).prop_map(
        move |edits| {
            let mut lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            for (kind, a, b, fragment, column) in edits {
                let len = lines.len().max(1);
                let (a, b) = (a % len, b % len);
                match kind {
                    0 if !lines.is_empty() => {
                        lines.remove(a);
                    }
                    1 if !lines.is_empty() => {
                        let line = lines[a].clone();
                        lines.insert(b, line);
                    }
                    2 if !lines.is_empty() => lines.swap(a, b),
                    3 if !lines.is_empty() => {
                        let line = &mut lines[a];
                        let at = line
                            .char_indices()
                            .map(|(i, _)| i)
                            .nth(column)
                            .unwrap_or(line.len());
                        line.insert_str(at, FRAGMENTS[fragment]);
                    }
                    4 if !lines.is_empty() => {
                        let line = &mut lines[a];
                        let keep: String = line.chars().take(column).collect();
                        *line = keep;
                    }
                    _ => lines.truncate(a),
                }
            }
            lines.join("\n")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_give_files_or_diagnostics(text in prop_oneof![mutated(REAL_SPEC), mutated(PLACEMENTS_SPEC)]) {
        match codegen::generate(&text, "spec.yaml") {
            Ok(files) => prop_assert!(files.contains_key("src/lib.rs")),
            Err(diagnostics) => prop_assert!(!diagnostics.items().is_empty() && !diagnostics.to_string().is_empty()),
        }
    }

    #[test]
    fn arbitrary_text_gives_files_or_diagnostics(text in "(?s).{0,400}") {
        if let Err(diagnostics) = codegen::generate(&text, "spec.yaml") {
            prop_assert!(!diagnostics.items().is_empty());
        }
    }
}

/// Names that are awkward in Rust: keywords, odd casing, digits.
const NAMES: &[&str] = &[
    "type",
    "match",
    "self",
    "Self",
    "async",
    "await",
    "fn",
    "crate",
    "super",
    "move",
    "ref",
    "loop",
    "where",
    "impl",
    "dyn",
    "union",
    "static",
    "box",
    "yield",
    "try",
    "gen",
    "mod",
    "use",
    "in",
    "as",
    "abstract",
    "camelCase",
    "snake_case",
    "SCREAMING",
    "mixedUP_case",
    "x1",
    "a",
    "data",
    "items",
    "list",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(NAMES).prop_map(str::to_owned),
        "[a-z][a-zA-Z0-9]{0,8}"
    ]
}

/// Keeps the first of each group of names that become the same Rust name (the validator's rule).
fn distinct(names: Vec<String>, convert: fn(&str) -> String) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .into_iter()
        .filter(|n| seen.insert(convert(n)))
        .collect()
}

fn map(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Mapping(
        entries
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect::<Mapping>(),
    )
}

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

#[derive(Debug, Clone)]
struct OpShape {
    name: String,
    method: &'static str,
    path_param: bool,
    query: Vec<String>,
    body: bool,
    response: u8,
    hook: &'static str,
    auth: Vec<bool>,
}

fn op_shape() -> impl Strategy<Value = OpShape> {
    (
        name(),
        prop::sample::select(&["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"][..]),
        any::<bool>(),
        prop::collection::vec(name(), 0..3),
        any::<bool>(),
        0..3u8,
        prop::sample::select(&["header", "body", "query", "none"][..]),
        prop::collection::vec(any::<bool>(), 3),
    )
        .prop_map(
            |(name, method, path_param, query, body, response, hook, auth)| OpShape {
                name,
                method,
                path_param,
                query,
                body,
                response,
                hook,
                auth,
            },
        )
}

/// A random spec the validator must accept: keyword and odd-case names everywhere, every type
/// expression, every placement (where allowed), auth subsets, deprecated modes.
fn valid_spec() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(name(), 1..4),
        prop::collection::vec(
            (
                name(),
                prop::collection::vec((name(), 0..9u8, any::<bool>()), 1..5),
            ),
            1..4,
        ),
        prop::collection::vec(
            (name(), prop::collection::vec(name(), 1..4), any::<bool>()),
            0..3,
        ),
        prop::collection::vec((name(), prop::collection::vec(op_shape(), 1..4)), 1..4),
    )
        .prop_map(|(modes, objects, enums, resources)| build_spec(modes, objects, enums, resources))
}

type Objects = Vec<(String, Vec<(String, u8, bool)>)>;
type Enums = Vec<(String, Vec<String>, bool)>;

fn build_spec(
    modes: Vec<String>,
    objects: Objects,
    enums: Enums,
    resources: Vec<(String, Vec<OpShape>)>,
) -> String {
    let modes = distinct(modes, codegen::naming::pascal);
    let mode_map = map(modes.iter().enumerate().map(|(i, m)| {
        let mut entries = vec![("name".to_owned(), s(&format!("mode {i}")))];
        if i > 0 {
            entries.push(("prefix".to_owned(), s(&format!("m{i}_"))));
        }
        if i == 2 {
            entries.push(("deprecated".to_owned(), s("Use another mode.")));
        }
        (m.clone(), map(entries))
    }));

    // Enums first, then objects; an object only refers to enums and earlier objects.
    let mut type_names: Vec<String> = Vec::new();
    let mut types = Vec::new();
    for (i, (enum_name, values, open)) in enums.into_iter().enumerate() {
        let name = format!("{enum_name}E{i}");
        let values = distinct(values, codegen::naming::pascal);
        let values = if open {
            values
                .into_iter()
                .filter(|v| codegen::naming::pascal(v) != "Unknown")
                .collect()
        } else {
            values
        };
        if values.is_empty() {
            continue;
        }
        let entries = vec![
            (
                "values".to_owned(),
                map(values.iter().map(|v| (v.clone(), Value::Null))),
            ),
            ("open".to_owned(), Value::Bool(open)),
        ];
        types.push((name.clone(), map(entries)));
        type_names.push(name);
    }
    let mut objects_made = Vec::new();
    for (i, (object_name, fields)) in objects.into_iter().enumerate() {
        let name = format!("{object_name}O{i}");
        let mut seen = BTreeSet::new();
        let fields: Vec<(String, Value)> = fields
            .into_iter()
            .filter(|(f, _, _)| {
                seen.insert(codegen::naming::snake(f))
                    && codegen::naming::snake(f) != "extra"
                    && f != "hookId"
            })
            .map(|(field, kind, optional)| {
                let ty = match kind {
                    0 => "string".to_owned(),
                    1 => "integer".to_owned(),
                    2 => "number".to_owned(),
                    3 => "boolean".to_owned(),
                    4 => "json".to_owned(),
                    5 => "list<string>".to_owned(),
                    6 => "map<json>".to_owned(),
                    _ => type_names
                        .get(usize::from(kind) % type_names.len().max(1))
                        .cloned()
                        .unwrap_or_else(|| "string".to_owned()),
                };
                (
                    field,
                    s(&format!("{ty}{}", if optional { "?" } else { "" })),
                )
            })
            .collect();
        let entries = vec![
            ("fields".to_owned(), map(fields)),
            ("extra".to_owned(), Value::Bool(i % 2 == 0)),
        ];
        types.push((name.clone(), map(entries)));
        type_names.push(name.clone());
        objects_made.push(name);
    }

    let resources = {
        let mut seen = BTreeSet::new();
        resources
            .into_iter()
            .filter(|(r, _)| {
                seen.insert(codegen::naming::snake(r))
                    && !codegen::RESERVED_ACCESSORS.contains(&codegen::naming::snake(r).as_str())
            })
            .collect::<Vec<_>>()
    };
    let resource_map = map(resources
        .into_iter()
        .enumerate()
        .map(|(r, (resource, ops))| {
            let mut seen = BTreeSet::new();
            let ops = ops.into_iter().filter(|op| {
                seen.insert(codegen::naming::snake(&op.name))
                    && codegen::naming::snake(&op.name) != "new"
            });
            let op_map = map(ops.enumerate().map(|(o, op)| {
                let bodiless = matches!(op.method, "GET" | "HEAD" | "DELETE");
                let mut entries = vec![("method".to_owned(), s(op.method))];
                let path = if op.path_param {
                    format!("/r{r}/o{o}/{{id}}")
                } else {
                    format!("/r{r}/o{o}")
                };
                entries.push(("path".to_owned(), s(&path)));
                if op.path_param {
                    entries.push(("path_params".to_owned(), map([("id".to_owned(), map([]))])));
                }
                let query = distinct(op.query.clone(), codegen::naming::snake);
                let query: Vec<String> = query.into_iter().filter(|q| q != "hookId").collect();
                if !query.is_empty() {
                    entries.push((
                        "query".to_owned(),
                        map(query.iter().map(|q| (q.clone(), s("string?")))),
                    ));
                }
                let body = op.body && !bodiless && !objects_made.is_empty();
                if body {
                    entries.push(("body".to_owned(), s(&objects_made[o % objects_made.len()])));
                }
                match op.response {
                    1 => entries.push((
                        "response".to_owned(),
                        s(&type_names[(r + o) % type_names.len()]),
                    )),
                    2 => entries.push((
                        "response".to_owned(),
                        s(&format!("list<{}>", type_names[o % type_names.len()])),
                    )),
                    _ => {}
                }
                let hook = if op.hook == "body" && bodiless {
                    "header"
                } else {
                    op.hook
                };
                entries.push(("hook".to_owned(), s(hook)));
                let mut auth: Vec<Value> = modes
                    .iter()
                    .zip(&op.auth)
                    .filter(|(_, on)| **on)
                    .map(|(m, _)| s(m))
                    .collect();
                if auth.is_empty() {
                    auth.push(s(&modes[0]));
                }
                entries.push(("auth".to_owned(), Value::Sequence(auth)));
                (op.name, map(entries))
            }));
            (resource, map([("operations".to_owned(), op_map)]))
        }));

    let spec = map([
        ("spec_version".to_owned(), Value::Number(1.into())),
        (
            "api".to_owned(),
            map([
                ("name".to_owned(), s("Random")),
                ("crate".to_owned(), s("random-sdk")),
                ("version".to_owned(), s("0.1.0")),
                ("base_url".to_owned(), s("https://api.example.test")),
            ]),
        ),
        (
            "auth".to_owned(),
            map([
                ("header".to_owned(), s("Authorization")),
                ("scheme".to_owned(), s("Bearer")),
                ("env".to_owned(), s("RANDOM_TOKEN")),
                ("unprefixed".to_owned(), s(&modes[0])),
                ("default".to_owned(), Value::Sequence(vec![s(&modes[0])])),
                ("modes".to_owned(), mode_map),
            ]),
        ),
        (
            "hook".to_owned(),
            map([
                ("env".to_owned(), s("RANDOM_HOOK")),
                ("header".to_owned(), s("X-Hook-Id")),
                ("body_field".to_owned(), s("hookId")),
                ("query".to_owned(), s("hookId")),
                ("default".to_owned(), s("header")),
            ]),
        ),
        ("types".to_owned(), map(types)),
        ("resources".to_owned(), resource_map),
    ]);
    yaml_serde::to_string(&spec).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn valid_specs_give_parsable_deterministic_code(text in valid_spec()) {
        let files = codegen::generate(&text, "random.yaml").unwrap_or_else(|d| panic!("{d}\n--- spec ---\n{text}"));
        for (path, contents) in &files {
            if path.ends_with(".rs") {
                if let Err(e) = syn::parse_file(contents) {
                    panic!("{path} does not parse: {e}\n--- spec ---\n{text}");
                }
            }
        }
        let again = codegen::generate(&text, "random.yaml").unwrap();
        prop_assert_eq!(files, again);
    }
}
