//! The spec-independent part of every generated crate: the request core, request options,
//! pagination, credential handling and API error responses. They are real Rust sources (in `codegen/runtime/`), compiled and linted as part of
//! every generated crate, and emitted verbatim: rebuilding them through `quote!`, `syn` and
//! `prettyplease` on every run would cost most of the generation time and change nothing.

/// Path in the generated crate → contents, already in `prettyplease` form.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("src/api_error.rs", include_str!("../../runtime/api_error.rs")),
    ("src/credentials.rs", include_str!("../../runtime/credentials.rs")),
    ("src/options.rs", include_str!("../../runtime/options.rs")),
    ("src/pages.rs", include_str!("../../runtime/pages.rs")),
    ("src/runtime.rs", include_str!("../../runtime/runtime.rs")),
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    /// The sources must read exactly as the generator would print them, so that every generated
    /// file has one style. After editing one, reprint them with
    /// `PRINT_RUNTIME=1 cargo test -p codegen static_files`.
    #[test]
    fn static_files_are_in_printed_form() {
        for (path, text) in super::FILES {
            let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
            let printed = super::super::space_items(&prettyplease::unparse(&file));
            if printed != *text && std::env::var_os("PRINT_RUNTIME").is_some() {
                let name = path.trim_start_matches("src/");
                let source = concat!(env!("CARGO_MANIFEST_DIR"), "/runtime/");
                std::fs::write(format!("{source}{name}"), &printed).unwrap();
                continue;
            }
            assert!(printed == *text, "{path} is not in printed form; run `PRINT_RUNTIME=1 cargo test -p codegen static_files`");
        }
    }
}
