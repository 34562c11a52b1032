//! The spec-independent part of every generated crate (the runtime), layered so that each file
//! imports only from the layers below it (the generated files in brackets):
//! `text`, `json` → [`auth`] → `api_error`, [`error`] → `env`, `credentials`, [`tokens`] → `options`,
//! `operation` → `doubles` (the `test-util` feature) → `transport` → `pages` → [`resources`, `client`], the lot in the generated
//! crate's core crate (see `render::core_lib_rs`). They are real Rust sources
//! in `codegen/runtime/`, formatted with rustfmt (CI checks it), compiled and linted as part of
//! every generated crate, and emitted verbatim: rebuilding them through `quote!`, `syn` and
//! `prettyplease` on every run would cost most of the generation time and change nothing.

/// Path in the generated crate's directory → contents.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("core/src/text.rs", include_str!("../../runtime/text.rs")),
    ("core/src/json.rs", include_str!("../../runtime/json.rs")),
    (
        "core/src/api_error.rs",
        include_str!("../../runtime/api_error.rs"),
    ),
    ("core/src/env.rs", include_str!("../../runtime/env.rs")),
    (
        "core/src/credentials.rs",
        include_str!("../../runtime/credentials.rs"),
    ),
    (
        "core/src/options.rs",
        include_str!("../../runtime/options.rs"),
    ),
    (
        "core/src/operation.rs",
        include_str!("../../runtime/operation.rs"),
    ),
    (
        "core/src/transport.rs",
        include_str!("../../runtime/transport.rs"),
    ),
    ("core/src/pages.rs", include_str!("../../runtime/pages.rs")),
    (
        "core/src/doubles.rs",
        include_str!("../../runtime/doubles.rs"),
    ),
];
