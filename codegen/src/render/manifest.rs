//! `Cargo.toml` and `README.md` of the generated crate.

use super::{modes_phrase, notice};
use crate::ir;

pub(super) fn cargo_toml(api: &ir::Api) -> String {
    format!(
        r#"# {notice}

[package]
name = {name}
version = {version}
edition = "2021"
rust-version = "1.88"
description = {description}
license = "MIT OR Apache-2.0"
readme = "README.md"

# Explicit, so that the workspace (and `cargo xtask codegen`) still loads if src/lib.rs is deleted.
[lib]
path = "src/lib.rs"

[features]
# Read a `.env` file in `from_env()` before the environment (variables already set win).
dotenv = ["dep:dotenvy"]

[dependencies]
dotenvy = {{ version = "0.15", optional = true }}
httpdate = "1"
percent-encoding = "2"
reqwest = {{ version = "0.12", default-features = false, features = ["rustls-tls"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
thiserror = "2"
tokio = {{ version = "1", features = ["time"] }}
tracing = "0.1"
url = "2"
"#,
        notice = notice(api),
        name = toml_string(&api.crate_name),
        version = toml_string(&api.version),
        description = toml_string(&api.description),
    )
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn readme(api: &ir::Api) -> String {
    let mut out = format!(
        "<!-- {} -->\n\n# {}\n\n{}\n\n## Setup\n\n\
         `{client}::from_env()` reads the token from `{}`, the hookId from `{}` and, if set, the base URL \
         from `{}` (default `{}`). Tokens are checked when the client is built and print only masked.\n\n\
         ## Operations\n\n| operation | request | accepts | hookId |\n|---|---|---|---|\n",
        notice(api),
        api.crate_name,
        api.description,
        api.auth.env,
        api.hook.env,
        api.base_url_env,
        api.base_url,
        client = api.client,
    );
    for r in &api.resources {
        for op in &r.operations {
            let hook = op.hook.short(&api.hook);
            let deprecated = if op.deprecated.is_some() {
                " (deprecated)"
            } else {
                ""
            };
            let helper = match &op.pagination {
                Some(p) => format!(
                    ", `{}` for every page",
                    crate::naming::ident(&p.method_name)
                ),
                None => String::new(),
            };
            out.push_str(&format!(
                "| `{}().{}`{helper}{deprecated} | `{} {}` | {} | {hook} |\n",
                crate::naming::ident(&r.accessor),
                crate::naming::ident(&op.method_name),
                op.http_method,
                op.path_template,
                modes_phrase(api, &op.accepts)
            ));
        }
    }
    if !api.extensions.is_empty() {
        out.push_str(
            "\n## Hand-written modules\n\n| module | what it offers | items at the crate root |\n|---|---|---|\n",
        );
        for e in &api.extensions {
            let module = if e.public {
                format!("`{}` (public)", e.module)
            } else {
                format!("`{}`", e.module)
            };
            let exports: Vec<String> = e.exports.iter().map(|x| format!("`{x}`")).collect();
            out.push_str(&format!(
                "| {module} | {} | {} |\n",
                e.description.as_deref().unwrap_or(""),
                exports.join(", ")
            ));
        }
    }
    out
}
