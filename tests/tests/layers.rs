//! The generated crates' modules form a hierarchy: the core crate's `lib.rs` declares its modules
//! lowest layer first, then the SDK crate's `lib.rs` declares its own, and each module refers
//! only to modules declared before it (so no two modules import each other). Checked for the
//! real spec and every valid fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

/// The module a generated file belongs to: `src/x.rs` and `core/src/x.rs` → `x`,
/// `src/resources/*.rs` → `resources`.
fn module_of(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("core/src/")
        .or_else(|| path.strip_prefix("src/"))?;
    let name = rest.split(['/', '.']).next()?;
    (rest.ends_with(".rs") && name != "lib").then_some(name)
}

/// The modules named as `crate::name` in code (comments and docs left out).
fn references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line.match_indices("crate::") {
            let preceded_by_ident = line[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            let name: String = line[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !preceded_by_ident && !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// The modules `lib.rs` declares, in order.
fn declared_order(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').to_owned())
        })
        .collect()
}

/// The items `lib.rs` re-exports at the crate root, with the module each comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        for item in items
            .trim_end_matches(';')
            .trim_matches(['{', '}'])
            .split(',')
        {
            found.insert(item.trim().to_owned(), module.to_owned());
        }
    }
    found
}

/// Checks one generated crate; `label` names it in failures.
fn check_layers(label: &str, files: &codegen::Files) {
    // The core crate's layers come first: the SDK crate builds on them.
    let mut order = files
        .get("core/src/lib.rs")
        .map(|lib| declared_order(lib))
        .unwrap_or_default();
    order.extend(declared_order(&files["src/lib.rs"]));
    let roots = reexports(&files["src/lib.rs"]);
    let position: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    for (path, text) in files {
        let Some(module) = module_of(path) else {
            continue;
        };
        let Some(&own) = position.get(module) else {
            panic!("{label}: {path} belongs to module `{module}`, which lib.rs does not declare");
        };
        for name in references(text) {
            let used = roots.get(&name).cloned().unwrap_or(name);
            // An exported macro lives at the crate root but belongs to the file defining it.
            if used == module || text.contains(&format!("macro_rules! {used}")) {
                continue;
            }
            let at = position.get(used.as_str()).unwrap_or_else(|| {
                panic!("{label}: {path} refers to `crate::{used}`, which lib.rs does not declare")
            });
            assert!(
                *at < own,
                "{label}: {path} (layer {own}, `{module}`) imports `crate::{used}` (layer {at}), \
                 which is declared after it; lib.rs order: {order:?}"
            );
        }
    }
}

#[test]
fn real_spec_modules_form_layers() {
    let root = xtask::workspace_root();
    let spec = root.join("spec/cognipeer.yaml");
    let files =
        common::generate_spec(&spec, "spec/cognipeer.yaml").unwrap_or_else(|d| panic!("{d}"));
    check_layers("spec/cognipeer.yaml", &files);
}

#[test]
fn fixture_modules_form_layers() {
    let mut checked = 0;
    for entry in std::fs::read_dir(common::fixture_dir("valid")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let label = common::fixture_label("valid", &path);
            let files = common::generate_spec(&path, &label).unwrap_or_else(|d| panic!("{d}"));
            check_layers(&label, &files);
            checked += 1;
        }
    }
    assert!(checked > 0, "no valid fixtures found");
}

#[test]
fn a_backward_import_is_caught() {
    let mut files = codegen::Files::new();
    files.insert("src/lib.rs".into(), "mod text;\nmod transport;\n".into());
    files.insert("src/text.rs".into(), "use crate::transport::X;\n".into());
    files.insert("src/transport.rs".into(), "use crate::text::Y;\n".into());
    let caught = std::panic::catch_unwind(|| check_layers("made up", &files));
    assert!(caught.is_err(), "text → transport should be refused");
}
