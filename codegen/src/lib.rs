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
mod render;
pub mod spec;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
use std::collections::BTreeMap;

/// The generated crate: file paths (relative to the crate root, `/`-separated) → contents.
pub type Files = BTreeMap<String, String>;

/// Generates the client crate for a spec. `spec_file` names the spec in diagnostics and in the
/// `@generated` notice of every file.
pub fn generate(spec_text: &str, spec_file: &str) -> Result<Files, Diagnostics> {
    let api = parse(spec_text, spec_file)?;
    render::render(&api).map_err(|message| Diagnostics::new(spec_file, spec_text, vec![Diagnostic::new("", message)]))
}

/// Parses and validates a spec into the IR, or returns every problem found.
pub fn parse(spec_text: &str, spec_file: &str) -> Result<ir::Api, Diagnostics> {
    let raw: spec::Spec = serde_yaml::from_str(spec_text)
        .map_err(|e| Diagnostics::new(spec_file, spec_text, vec![yaml_diagnostic(&e)]))?;
    validate::validate(&raw, spec_file).map_err(|mut items| {
        for d in &mut items {
            let needle = d.message.split('`').nth(1);
            d.position = diagnostic::locate(spec_text, &d.path, needle);
        }
        Diagnostics::new(spec_file, spec_text, items)
    })
}

/// A YAML syntax or shape error, with serde_yaml's position and a suggestion for unknown keys.
fn yaml_diagnostic(error: &serde_yaml::Error) -> Diagnostic {
    let text = error.to_string();
    // serde_yaml appends " at line L column C"; the position is kept separately.
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text.as_str(),
    };
    let (path, message) = match text.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path, message),
        _ => ("", text),
    };
    let mut d = Diagnostic::new(path, message);
    d.position = error.location().map(|l| (l.line(), l.column()));
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (wrong, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        d = d.help(diagnostic::suggest(wrong, candidates.iter().copied()));
    } else if message.starts_with("missing field") {
        d = d.help("add the field; see spec/cognipeer.yaml for a complete example");
    }
    d
}
