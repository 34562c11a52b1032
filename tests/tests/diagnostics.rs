//! Snapshots of the diagnostics for each invalid fixture spec in `fixtures/invalid/`: one fixture
//! per check, each rendered like a compiler error with the offending source line.
//!
//! Accept changes with `INSTA_UPDATE=always cargo test -p tests --test diagnostics` (or
//! `cargo insta review`), then read the `.snap` diffs: each must point at the right line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::fixture_label;

/// The label the generator gets for an invalid fixture.
fn label(path: &Path) -> String {
    fixture_label("invalid", path)
}

fn diagnostics(path: &Path) -> codegen::Diagnostics {
    match common::generate_spec(path, &label(path)) {
        Ok(files) => panic!(
            "{} should be rejected, but generated {} files",
            path.display(),
            files.len()
        ),
        Err(diagnostics) => diagnostics,
    }
}

/// The path of invalid fixture `name`.
fn fixture(name: &str) -> PathBuf {
    common::fixture("invalid", name)
}

#[test]
fn invalid_fixtures() {
    insta::glob!("../fixtures/invalid", "*.yaml", |path| {
        let diagnostics = diagnostics(path);
        assert!(
            !diagnostics.items().is_empty(),
            "{}: an error without items",
            path.display()
        );
        for item in diagnostics.items() {
            assert!(
                item.position.is_some(),
                "{}: no source position for {item:?}",
                path.display()
            );
        }
        let rendered = diagnostics.to_string();
        assert_eq!(
            rendered,
            self::diagnostics(path).to_string(),
            "{}: two runs gave different diagnostics",
            path.display()
        );
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn all_errors_are_reported_in_one_run() {
    let diagnostics = diagnostics(&fixture("multiple_errors.yaml"));
    let paths: Vec<&str> = diagnostics
        .items()
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(diagnostics.items().len(), 9, "{diagnostics}");
    for expected in [
        "api.descripton",
        "api.crate",
        "hook.header",
        "types.Contact.fields.contactId",
        "types.Contact.fields.owner",
        "resources.contacts.operations.get.path",
        "resources.contacts.operations.get.body",
        "resources.contacts.operations.create.envelope",
        "resources.contacts.operations.create.auth",
    ] {
        assert!(
            paths.contains(&expected),
            "no diagnostic at {expected}; got {paths:?}"
        );
    }
    assert!(diagnostics
        .to_string()
        .ends_with("9 errors in fixtures/invalid/multiple_errors.yaml"));
}

#[test]
fn every_unknown_key_is_reported_in_one_run() {
    let diagnostics = diagnostics(&fixture("unknown_keys_several.yaml"));
    let paths: Vec<&str> = diagnostics
        .items()
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "api.timeout",
            "auth.modes.pat.prefx",
            "types.Contact.fields.email.wrie",
            "resources.contacts.operations.create.envelop",
        ],
        "{diagnostics}"
    );
}

#[test]
fn every_value_of_the_wrong_shape_is_reported_in_one_run() {
    let diagnostics = diagnostics(&fixture("shape_errors_several.yaml"));
    let paths: Vec<&str> = diagnostics
        .items()
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "errors.NotFound.status",
            "types.Contact.extra",
            "resources.contacts.operations.get.hook",
        ],
        "{diagnostics}"
    );
    assert!(diagnostics.items().iter().all(|d| d.position.is_some()));
}

#[test]
fn a_misspelt_type_gets_a_suggestion_at_its_line() {
    let diagnostics = diagnostics(&fixture("unknown_type.yaml"));
    let [item] = diagnostics.items() else {
        panic!("expected one diagnostic:\n{diagnostics}")
    };
    assert_eq!(item.message, "unknown type `Contct`");
    assert_eq!(item.help.as_deref(), Some("did you mean `Contact`?"));
    let source = std::fs::read_to_string(fixture("unknown_type.yaml")).unwrap();
    let (line, column) = item.position.unwrap();
    let text = source.lines().nth(line - 1).unwrap();
    assert!(
        text[column - 1..].starts_with("Contct"),
        "points at {text:?} column {column}"
    );
}

#[test]
fn the_readme_shows_a_diagnostic_as_xtask_prints_it() {
    // Labelled as `cargo xtask codegen --spec tests/fixtures/invalid/…` labels it.
    let label = "tests/fixtures/invalid/unknown_type.yaml";
    let printed = common::generate_spec(&fixture("unknown_type.yaml"), label)
        .unwrap_err()
        .to_string();
    let example = format!("```text\n{printed}\n```");
    let readme = std::fs::read_to_string(xtask::workspace_root().join("README.md")).unwrap();
    assert!(
        readme.contains(&example),
        "README.md's diagnostic example is stale; it should read:\n{example}"
    );
}

#[test]
fn hand_written_modules_need_a_reader_and_are_read_relative_to_the_spec() {
    let path = common::fixture("valid", "extensions.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let without = codegen::generate(&text, "extensions.yaml").unwrap_err();
    let messages: Vec<&str> = without.items().iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{without}");
    assert!(
        messages
            .iter()
            .all(|m| m.contains("call `codegen::generate_with`")),
        "{without}"
    );

    let asked = std::cell::RefCell::new(Vec::new());
    let read = |relative: &str| {
        asked.borrow_mut().push(relative.to_owned());
        Ok(format!("//! {relative}\n"))
    };
    let files = codegen::generate_with(&text, "specs/extensions.yaml", &read).unwrap();
    assert_eq!(
        *asked.borrow(),
        ["extensions/names.rs", "extensions/greeting.rs"],
        "paths relative to the spec, `./` dropped"
    );
    assert_eq!(
        files["src/names.rs"],
        "// @generated by `cargo xtask codegen` from specs/extensions/names.rs (named in specs/extensions.yaml); do not edit.\n\n//! extensions/names.rs\n"
    );
}
