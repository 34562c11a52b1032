//! Turns a hand-written API spec (YAML) into a typed Rust client crate with authentication and
//! hookId handling built in.
//!
//! Data flows one way: spec text → raw model ([`spec`]) → validated IR ([`ir`]) → files.
//! Every problem in a spec is reported as a [`Diagnostic`] with its location; nothing panics on
//! any input. The same spec always gives byte-identical files.
//!
//! ```
//! let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"));
//! let spec = std::fs::read_to_string(dir.join("cognipeer.yaml")).unwrap();
//! let files = codegen::generate_with(&spec, "spec/cognipeer.yaml", &codegen::files_in(dir)).unwrap();
//! assert!(files.contains_key("src/lib.rs"));
//! ```

pub mod diagnostic;
pub mod diff;
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
pub use validate::RESERVED_ACCESSORS;

/// The generated crate: file paths (relative to the crate root, `/`-separated) → contents.
pub type Files = BTreeMap<String, String>;

/// Generates the client crate for a spec that names no hand-written modules (`extensions`);
/// one that does needs [`generate_with`], which can read them. `spec_file` names the spec in
/// diagnostics and in the `@generated` notice of every file.
pub fn generate(spec_text: &str, spec_file: &str) -> Result<Files, Diagnostics> {
    generate_with(spec_text, spec_file, &|_: &str| {
        Err(std::io::Error::other(
            "this generator was given no files to read; call `codegen::generate_with`",
        ))
    })
}

/// Generates the client crate for a spec, reading the hand-written modules it names with
/// `read`, which gets each file's path relative to the spec's directory (`/`-separated, inside
/// it: the spec is checked first). [`files_in`] reads them from a directory.
pub fn generate_with(
    spec_text: &str,
    spec_file: &str,
    read: ReadFile,
) -> Result<Files, Diagnostics> {
    let api = parse(spec_text, spec_file)?;
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for extension in &api.extensions {
        match read(&extension.file) {
            Ok(text) => sources.push(text),
            Err(e) => problems.push(
                Diagnostic::new(
                    format!("extensions.{}.file", extension.module),
                    match e.kind() {
                        // The OS's wording differs between systems; this does not.
                        std::io::ErrorKind::NotFound => {
                            format!("cannot read `{}`: there is no such file", extension.file)
                        }
                        _ => format!("cannot read `{}`: {e}", extension.file),
                    },
                )
                .help(
                    "create the file, or correct its path (it is relative to the spec's directory)",
                ),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(parse::located(spec_text, spec_file, problems));
    }
    render::render(&api, &sources).map_err(|message| {
        Diagnostics::new(spec_file, spec_text, vec![Diagnostic::new("", message)])
    })
}

/// Reads a file a spec names, given its path relative to the spec's directory.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> std::io::Result<String>;

/// A [`ReadFile`] for a spec in `dir`: reads the named files from disk.
pub fn files_in(dir: impl Into<std::path::PathBuf>) -> impl Fn(&str) -> std::io::Result<String> {
    let dir = dir.into();
    move |relative| std::fs::read_to_string(dir.join(relative))
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
