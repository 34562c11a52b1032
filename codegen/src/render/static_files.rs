//! The spec-independent part of every generated crate (the runtime), layered so that each file
//! imports only from the layers below it (the generated files in brackets):
//! `text` → [`auth`] → `api_error`, [`error`] → `env`, `credentials`, [`tokens`] → `options`,
//! `operation` → `transport` → `pages` → [`resources`, `client`]. They are real Rust sources
//! in `codegen/runtime/`, formatted with rustfmt (CI checks it), compiled and linted as part of
//! every generated crate, and emitted verbatim: rebuilding them through `quote!`, `syn` and
//! `prettyplease` on every run would cost most of the generation time and change nothing.

/// Path in the generated crate → contents.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("src/text.rs", include_str!("../../runtime/text.rs")),
    (
        "src/api_error.rs",
        include_str!("../../runtime/api_error.rs"),
    ),
    ("src/env.rs", include_str!("../../runtime/env.rs")),
    (
        "src/credentials.rs",
        include_str!("../../runtime/credentials.rs"),
    ),
    ("src/options.rs", include_str!("../../runtime/options.rs")),
    (
        "src/operation.rs",
        include_str!("../../runtime/operation.rs"),
    ),
    (
        "src/transport.rs",
        include_str!("../../runtime/transport.rs"),
    ),
    ("src/pages.rs", include_str!("../../runtime/pages.rs")),
];
