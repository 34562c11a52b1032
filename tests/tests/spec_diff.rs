//! What `cargo xtask codegen` says a spec edit means for users: the report it prints and the
//! changelog entry it writes (snapshots), on the wire tests' spec edited as users edit specs; the
//! evolution check's edits are minor, its breaking edits major, on the real spec and the wire
//! tests' spec alike (whatever they hold: the edits are found in their structure).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use codegen::diff::{diff, required, Class};
use xtask::release::{changelog, Report};
use xtask::workspace_root;

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace_root().join(relative)).unwrap()
}

fn parse(text: &str) -> codegen::ir::Api {
    codegen::parse(text, "spec.yaml").unwrap_or_else(|d| panic!("{d}"))
}

/// Every spec the repository generates a crate from.
fn specs() -> Vec<&'static str> {
    xtask::TARGETS.iter().map(|(spec, _)| *spec).collect()
}

#[test]
fn the_evolution_checks_additions_are_minor() {
    for spec in specs() {
        let text = read(spec);
        let extended = xtask::evolve::extend(&text).unwrap();
        let changes = diff(&parse(&text), &parse(&extended));
        assert_eq!(
            required(&changes),
            Some(Class::Minor),
            "{spec}: {changes:#?}"
        );
    }
}

#[test]
fn the_cross_checks_breaking_edits_are_major() {
    for spec in specs() {
        let text = read(spec);
        let edits = xtask::evolve::breaking_edits(&text).unwrap();
        assert!(edits.len() >= 5, "{spec}: only {} edits", edits.len());
        for (name, edited) in edits {
            let changes = diff(&parse(&text), &parse(&edited));
            assert_eq!(
                required(&changes),
                Some(Class::Major),
                "{spec}, {name}: {changes:#?}"
            );
        }
    }
}

/// A copy of the wire tests' spec (`tests/fixtures/diff/before.yaml`, which no evolution edits)
/// at 0.1.0 with a response field removed, an operation deprecated, an optional
/// query parameter added and the version raised to 0.2.0.
fn edited_placements() -> (String, String) {
    let old = read("tests/fixtures/diff/before.yaml");
    let new = old
        .replacen("version: 0.1.0", "version: 0.2.0", 1)
        .replacen(
            "          size: { type: integer?, description: Only items of this size. }",
            "          size: { type: integer?, description: Only items of this size. }\n          color: { type: string?, description: Only items of this color. }",
            1,
        )
        .replacen(
            "        description: hookId in the header.",
            "        description: hookId in the header.\n        deprecated: Use by_query.",
            1,
        )
        .replacen("      limit: { type: integer?, description: Page size. }\n", "", 1);
    assert_ne!(old, new);
    (old, new)
}

#[test]
fn the_report_and_the_changelog_entry_say_what_changed() {
    let (old, new) = edited_placements();
    let report = Report::new("HEAD".to_owned(), Some(&old), &parse(&new)).unwrap();
    assert!(
        report.unmet().is_empty(),
        "0.2.0 allows a major change of 0.1.0"
    );
    insta::assert_snapshot!("report", report.text("tests/fixtures/diff/before.yaml"));
    let first = changelog(
        None,
        &Report::new("HEAD".to_owned(), None, &parse(&old)).unwrap(),
    );
    insta::assert_snapshot!("changelog", changelog(Some(&first), &report));
}

#[test]
fn a_version_that_was_not_raised_is_reported_with_the_changes_that_need_it() {
    let (old, new) = edited_placements();
    let same_version = new.replacen("version: 0.2.0", "version: 0.1.0", 1);
    let report = Report::new("HEAD".to_owned(), Some(&old), &parse(&same_version)).unwrap();
    assert_eq!(report.lowest_version().unwrap().to_string(), "0.2.0");
    let unmet: Vec<String> = report.unmet().iter().map(|c| c.subject.clone()).collect();
    assert!(!unmet.is_empty() && report.unmet().iter().all(|c| c.class >= Class::Patch));
    assert!(
        report.text("placements.yaml").contains("too low"),
        "{}",
        report.text("placements.yaml")
    );
}
