//! Checks of the hand-written modules a spec names (`extensions`): a usable module name that
//! the generator does not use itself, a `.rs` file inside the spec's directory, and exports
//! that are identifiers named once. Whether the file can be read is checked when the crate is
//! generated (see `crate::generate_with`): parsing a spec reads no other file.

use super::Validator;
use crate::ir;
use crate::naming::{is_valid, snake};
use crate::spec;
use indexmap::IndexMap;
use std::collections::BTreeMap;

impl Validator {
    pub(super) fn extensions(
        &mut self,
        extensions: &IndexMap<String, spec::Extension>,
    ) -> Vec<ir::Extension> {
        let mut exported: BTreeMap<&str, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for (name, e) in extensions.iter() {
            let path = format!("extensions.{name}");
            if !is_valid(name) || snake(name) != *name {
                self.error_help(
                    &path,
                    format!("extension module `{name}` is not a snake_case Rust module name"),
                    "use lower-case letters, digits and `_`, starting with a letter, e.g. `tool_loop`",
                );
            }
            let file = self.extension_file(&format!("{path}.file"), &e.file);
            for export in &e.exports {
                let at = format!("{path}.exports");
                if !is_valid(export) {
                    self.error_help(
                        &at,
                        format!("`{export}` is not a Rust item name"),
                        "list the names of items the module defines, e.g. `ToolRegistry`",
                    );
                } else if let Some(first) = exported.insert(export, name) {
                    self.error_help(
                        &at,
                        format!("`{export}` is already exported by extension `{first}`"),
                        "export each name from one module only",
                    );
                }
            }
            out.push(ir::Extension {
                module: name.clone(),
                file,
                description: e.description.clone(),
                public: e.public,
                exports: e.exports.clone(),
            });
        }
        out
    }

    /// The file as a `/`-separated path relative to the spec's directory, or a problem if it
    /// is not a `.rs` file inside that directory (checked on the text: nothing is read here).
    fn extension_file(&mut self, path: &str, file: &str) -> String {
        let unified = file.replace('\\', "/");
        let segments: Vec<&str> = unified
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        let absolute = unified.starts_with('/') || file.get(1..2) == Some(":");
        if absolute || segments.contains(&"..") {
            self.error_help(
                path,
                format!("`{file}` is outside the spec's directory"),
                "put the module next to the spec (or in a folder below it) and give its path relative to the spec",
            );
        } else if !file.ends_with(".rs") || segments.is_empty() {
            self.error_help(
                path,
                format!("`{file}` is not a Rust source file"),
                "name a `.rs` file, e.g. `tool_loop.rs`",
            );
        }
        segments.join("/")
    }

    /// Extension modules must not take a module the generator writes itself. The generated
    /// files come from the renderer's own list, so the check follows any change to it.
    pub(super) fn extension_clashes(&mut self, api: &ir::Api) {
        let generated = crate::render::generated_paths(api);
        // `src/a.rs`, `src/a/mod.rs` and `src/a/b.rs` all belong to the top-level module `a`.
        let mut modules: BTreeMap<&str, &str> = BTreeMap::new();
        for path in &generated {
            if let Some(rest) = path.strip_prefix("src/") {
                let first = rest.split('/').next().unwrap_or(rest);
                modules
                    .entry(first.trim_end_matches(".rs"))
                    .or_insert(path.as_str());
            }
        }
        for e in &api.extensions {
            let path = format!("extensions.{}", e.module);
            if let Some(file) = modules.get(e.module.as_str()) {
                self.error_help(
                    &path,
                    format!(
                        "extension module `{}` clashes with the generated {file}",
                        e.module
                    ),
                    "rename the extension (its key under `extensions`)",
                );
            } else if crate::render::ROOT_MODULES.contains(&e.module.as_str()) {
                self.error_help(
                    &path,
                    format!(
                        "extension module `{}` clashes with the module of that name the crate root re-exports",
                        e.module
                    ),
                    "rename the extension (its key under `extensions`)",
                );
            } else if e.module == "main" {
                self.error_help(
                    &path,
                    "extension module `main` would be src/main.rs, which Cargo builds as a program",
                    "rename the extension (its key under `extensions`)",
                );
            }
        }
    }
}
