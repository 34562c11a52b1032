//! The spec-independent part of every generated crate (the runtime). They are real Rust sources
//! in `codegen/runtime/`, formatted with rustfmt (CI checks it), compiled and linted as part of
//! every generated crate, and emitted verbatim: rebuilding them through `quote!`, `syn` and
//! `prettyplease` on every run would cost most of the generation time and change nothing.

/// Path in the generated crate → contents.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "src/api_error.rs",
        include_str!("../../runtime/api_error.rs"),
    ),
    (
        "src/credentials.rs",
        include_str!("../../runtime/credentials.rs"),
    ),
    ("src/options.rs", include_str!("../../runtime/options.rs")),
    ("src/pages.rs", include_str!("../../runtime/pages.rs")),
    ("src/runtime.rs", include_str!("../../runtime/runtime.rs")),
];
