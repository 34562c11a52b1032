//! The committed `generated-sdk/` must be exactly what `spec/cognipeer.yaml` generates now.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use xtask::{diff, display, workspace_root, Change};

mod common;

fn generate(spec: &Path, root: &Path) -> codegen::Files {
    common::generate_spec(spec, &display(root, spec)).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn committed_crates_match_their_specs() {
    let root = workspace_root();
    assert!(xtask::TARGETS
        .iter()
        .any(|(_, out)| *out == "generated-sdk"));
    for (spec, out) in xtask::TARGETS {
        let files = generate(&root.join(spec), &root);
        let changes = diff(&files, &root.join(out));
        let stale: Vec<String> = changes.iter().map(|c| format!("{c:?}")).collect();
        assert!(
            stale.is_empty(),
            "{out}/ is stale; run `cargo xtask codegen` and commit:\n{}",
            stale.join("\n")
        );
    }
}

#[test]
fn committed_json_schema_matches_the_spec_format() {
    let committed =
        std::fs::read_to_string(workspace_root().join(xtask::SCHEMA)).unwrap_or_default();
    assert!(
        committed == xtask::schema_text(),
        "{} is stale; run `cargo xtask codegen` and commit",
        xtask::SCHEMA
    );
}

#[test]
fn the_check_notices_edited_missing_and_orphaned_files() {
    let root = workspace_root();
    let files = generate(&root.join("spec/cognipeer.yaml"), &root);
    let out = tempfile::tempdir().unwrap();
    for (relative, contents) in &files {
        let path = out.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
    }
    assert_eq!(diff(&files, out.path()), Vec::new());

    let models = out.path().join("src/models.rs");
    std::fs::write(&models, "// hand edit\n").unwrap();
    let readme = out.path().join("README.md");
    std::fs::remove_file(&readme).unwrap();
    let orphan = out.path().join("src/old.rs");
    std::fs::write(
        &orphan,
        format!("// {} from an older spec\n", xtask::MARKER),
    )
    .unwrap();
    std::fs::write(out.path().join("notes.txt"), "not generated, not ours\n").unwrap();

    let mut changes = diff(&files, out.path());
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    assert_eq!(
        changes,
        vec![
            Change::Missing(readme),
            Change::Differs(models),
            Change::Orphaned(orphan)
        ]
    );
}

#[test]
fn a_changed_spec_makes_the_committed_sdk_stale() {
    let root = workspace_root();
    let spec = std::fs::read_to_string(root.join("spec/cognipeer.yaml")).unwrap();
    let api = codegen::parse(&spec, "spec/cognipeer.yaml").unwrap_or_else(|d| panic!("{d}"));
    // An operation whose one-line description is written once: changing it changes its
    // resource's module and nothing else.
    let (resource, line) = api
        .resources
        .iter()
        .flat_map(|r| r.operations.iter().map(move |op| (r, op)))
        .map(|(r, op)| (r, format!("description: {}\n", op.description)))
        .find(|(_, line)| spec.matches(line.as_str()).count() == 1)
        .expect("an operation with a one-line description of its own");
    let edited = spec.replace(&line, "description: Changed.\n");
    let read = codegen::files_in(root.join("spec"));
    let files = codegen::generate_with(&edited, "spec/cognipeer.yaml", &read)
        .unwrap_or_else(|d| panic!("{d}"));
    let changes = diff(&files, &root.join("generated-sdk"));
    assert_eq!(
        changes,
        vec![Change::Differs(root.join(format!(
            "generated-sdk/src/resources/{}.rs",
            resource.module
        )))]
    );
}
