//! Turns a hand-written API spec (YAML) into a typed Rust client crate with authentication and
//! hookId handling built in.
//!
//! Data flows one way: spec text → raw model ([`spec`]) → validated IR ([`ir`]) → files.
//! Every problem in a spec is reported as a [`Diagnostic`] with its location; nothing panics on
//! any input. The same spec always gives byte-identical files.
//!
//! ```
//! let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/cognipeer.yaml")).unwrap();
//! let files = codegen::generate(&spec, "spec/cognipeer.yaml").unwrap();
//! assert!(files.contains_key("src/lib.rs"));
//! ```

pub mod diagnostic;
pub mod ir;
pub mod naming;
pub mod openapi;
mod parse;
mod render;
pub mod spec;
pub mod synthetic;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use parse::parse;
use std::collections::BTreeMap;

/// The generated crate: file paths (relative to the crate root, `/`-separated) → contents.
pub type Files = BTreeMap<String, String>;

/// Generates the client crate for a spec. `spec_file` names the spec in diagnostics and in the
/// `@generated` notice of every file.
pub fn generate(spec_text: &str, spec_file: &str) -> Result<Files, Diagnostics> {
    let api = parse(spec_text, spec_file)?;
    render::render(&api).map_err(|message| {
        Diagnostics::new(spec_file, spec_text, vec![Diagnostic::new("", message)])
    })
}

/// Paths of the generated files that do not depend on the spec: every crate gets them verbatim.
pub fn spec_independent_files() -> impl Iterator<Item = &'static str> {
    render::STATIC_FILES.iter().map(|(path, _)| *path)
}

/// The OpenAPI 3.1 document of a spec (see [`openapi::document`]), as pretty JSON with a trailing newline.
pub fn openapi(spec_text: &str, spec_file: &str) -> Result<String, Diagnostics> {
    let api = parse(spec_text, spec_file)?;
    let text = serde_json::to_string_pretty(&openapi::document(&api)).map_err(|e| {
        Diagnostics::new(
            spec_file,
            spec_text,
            vec![Diagnostic::new("", e.to_string())],
        )
    })?;
    Ok(format!("{text}\n"))
}
