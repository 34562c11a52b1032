//! IR → files. One module per concern; each returns `quote!` tokens for one file, which are
//! parsed into a `syn::File` and printed with `prettyplease`.

mod auth;
mod client;
mod error;
mod lib_rs;
mod manifest;
mod mock;
mod models;
mod resources;
mod static_files;

use crate::ir;
pub(crate) use lib_rs::ROOT_MODULES;
use proc_macro2::TokenStream;
use quote::quote;
pub(crate) use static_files::FILES as STATIC_FILES;
use std::collections::BTreeMap;

type Renderer<'a> = Box<dyn Fn() -> TokenStream + Send + Sync + 'a>;

/// The models file is the largest, so it is printed in parts that run in parallel and are
/// joined in order; a part prints exactly as it would inside the whole file.
const MODELS: &str = "src/models.rs";

/// The Rust files rendered from the spec, each with its renderer (the models file in parts).
fn jobs(api: &ir::Api) -> Vec<(String, Renderer<'_>)> {
    let mut jobs: Vec<(String, Renderer)> = models::parts(api)
        .into_iter()
        .map(|part| -> (String, Renderer) {
            (
                MODELS.to_owned(),
                Box::new(move || models::render(api, &part)),
            )
        })
        .collect();
    jobs.extend::<[(String, Renderer); 8]>([
        ("src/lib.rs".to_owned(), Box::new(|| lib_rs::render(api))),
        ("src/mock.rs".to_owned(), Box::new(|| mock::render(api))),
        (
            "core/src/lib.rs".to_owned(),
            Box::new(|| lib_rs::render_core(api)),
        ),
        (
            "core/src/auth.rs".to_owned(),
            Box::new(|| auth::render(api)),
        ),
        (
            "core/src/tokens.rs".to_owned(),
            Box::new(|| auth::render_tokens(api)),
        ),
        ("src/client.rs".to_owned(), Box::new(|| client::render(api))),
        (
            "core/src/error.rs".to_owned(),
            Box::new(|| error::render(api)),
        ),
        (
            "src/resources/mod.rs".to_owned(),
            Box::new(|| resources::render_mod(api)),
        ),
    ]);
    for resource in &api.resources {
        jobs.push((
            format!("src/resources/{}.rs", resource.module),
            Box::new(move || resources::render(api, resource)),
        ));
    }
    jobs
}

/// The files the generator itself writes for a spec (hand-written extension modules aside):
/// what an extension must not collide with. Cheap: nothing is rendered.
pub(crate) fn generated_paths(api: &ir::Api) -> std::collections::BTreeSet<String> {
    let fixed = ["Cargo.toml", "README.md", "core/Cargo.toml"].into_iter();
    let runtime = static_files::FILES.iter().map(|(path, _)| *path);
    // The SDK crate imports the core's modules under their names, as if its own files.
    let imported = lib_rs::CORE_MODULES.iter().map(|m| format!("src/{m}.rs"));
    fixed
        .chain(runtime)
        .map(str::to_owned)
        .chain(imported)
        .chain(jobs(api).into_iter().map(|(path, _)| path))
        .collect()
}

/// Where an extension module is written in the generated crate.
pub(crate) fn extension_path(extension: &ir::Extension) -> String {
    format!("src/{}.rs", extension.module)
}

/// Renders every file of the generated crate, keyed by path relative to the crate root.
/// `extension_sources` holds the text of each of `api.extensions`, in order; they are copied
/// verbatim after the `@generated` notice.
///
/// Fails only if the generator itself produced tokens that do not parse, which is a bug in the
/// generator, never in the spec.
pub fn render(
    api: &ir::Api,
    extension_sources: &[String],
) -> Result<BTreeMap<String, String>, String> {
    let jobs = jobs(api);
    let mut files = BTreeMap::new();
    files.insert("Cargo.toml".to_owned(), manifest::cargo_toml(api));
    files.insert("core/Cargo.toml".to_owned(), manifest::core_cargo_toml(api));
    files.insert("README.md".to_owned(), manifest::readme(api));
    for (path, text) in static_files::FILES {
        files.insert((*path).to_owned(), format!("// {}\n\n{text}", notice(api)));
    }
    for (extension, text) in api.extensions.iter().zip(extension_sources) {
        let origin = format!(
            "{} (named in {})",
            extension_origin(api, extension),
            api.spec_file
        );
        files.insert(
            extension_path(extension),
            format!("// {}\n\n{text}", generated_from(&origin)),
        );
    }
    let rendered = in_parallel(&jobs, |(path, render)| print(path, render()));
    if rendered.len() != jobs.len() {
        return Err(
            "internal error: a render worker stopped early; please report this bug".to_owned(),
        );
    }
    for (path, text) in rendered {
        let text = text?;
        match files.get_mut(&path) {
            // A later part of the file printed in parts: items are separated by a blank line.
            Some(file) if path == MODELS => {
                file.push('\n');
                file.push_str(&text);
            }
            Some(_) => {
                return Err(format!(
                    "internal error: two generated files are named {path}; please report this bug"
                ))
            }
            None => {
                files.insert(path, format!("// {}\n\n{text}", notice(api)));
            }
        }
    }
    Ok(files)
}

/// The extension's source as a path next to the spec file's name, e.g. `spec/tool_loop.rs`.
fn extension_origin(api: &ir::Api, extension: &ir::Extension) -> String {
    match api.spec_file.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{}", extension.file),
        None => extension.file.clone(),
    }
}

/// Runs `work` on every job on all cores (files are independent; parsing and printing them is
/// most of the generation time), returning results in job order.
fn in_parallel<J: Sync, T: Send>(
    jobs: &[(String, J)],
    work: impl Fn(&(String, J)) -> T + Sync,
) -> Vec<(String, T)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(jobs.len())
        .max(1);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        mine.push((i, work(job)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter()
        .filter_map(|(i, result)| jobs.get(i).map(|(path, _)| (path.clone(), result)))
        .collect()
}

/// The notice at the top of every generated file (in the file's own comment syntax).
pub(crate) fn notice(api: &ir::Api) -> String {
    generated_from(&api.spec_file)
}

fn generated_from(source: &str) -> String {
    format!("@generated by `cargo xtask codegen` from {source}; do not edit.")
}

/// Parses generated tokens as a file and prints it in the house style.
fn print(path: &str, tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        format!("internal error: the generated {path} does not parse ({e}); please report this bug")
    })?;
    Ok(space_items(&prettyplease::unparse(&file)))
}

/// Puts a blank line between items, which `prettyplease` leaves out, so the code reads like
/// hand-written Rust: between items, after the `use` block and after the module docs.
pub(crate) fn space_items(code: &str) -> String {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = String::with_capacity(code.len() + code.len() / 10);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(i + 1) else {
            continue;
        };
        let indent = |l: &str| l.len() - l.trim_start().len();
        let trimmed = line.trim_start();
        let next_trimmed = next.trim_start();
        let starts_item = [
            "///",
            "#[",
            "pub ",
            "pub(",
            "fn ",
            "async fn ",
            "impl",
            "const ",
            "static ",
            "struct ",
            "enum ",
            "mod ",
            "type ",
            "trait ",
            "crate::",
        ]
        .iter()
        .any(|start| next_trimmed.starts_with(start));
        // `);` closes an item-level macro call such as `serde_object!(…);`.
        let closes =
            matches!(trimmed, "}" | "};" | ");") && indent(line) == indent(next) && starts_item;
        // A block of module declarations ends, unless a module is followed by the re-export
        // of its own items (`pub mod peers;` then `pub use peers::Peers;`).
        let module = trimmed
            .strip_prefix("mod ")
            .or_else(|| trimmed.strip_prefix("pub mod "))
            .and_then(|rest| rest.strip_suffix(';'));
        let ends_modules = module.is_some_and(|module| {
            !next_trimmed.starts_with("mod ")
                && !next_trimmed.starts_with("pub mod ")
                && !next_trimmed.starts_with(&format!("pub use {module}::"))
        });
        let ends_block = (trimmed.starts_with("//!") && !next_trimmed.starts_with("//!"))
            || (trimmed.starts_with("use ") && !next_trimmed.starts_with("use "))
            || (trimmed.starts_with("#![") && !next_trimmed.starts_with("#!["))
            || ends_modules;
        if (closes || ends_block) && !next_trimmed.is_empty() && !next_trimmed.starts_with('}') {
            out.push('\n');
        }
    }
    out
}

/// `#[doc]` attributes for a text, one per line, so that rustdoc and prettyplease keep it readable.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// `#![doc]` attributes, for a module's or crate's own documentation.
pub(crate) fn inner_doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#![doc = #line])
    });
    quote!(#(#lines)*)
}

/// `#[deprecated]` for a spec deprecation note, if there is one.
pub(crate) fn deprecated(note: Option<&String>) -> TokenStream {
    match note {
        Some(note) => quote!(#[deprecated(note = #note)]),
        None => TokenStream::new(),
    }
}

/// The Rust type of a type reference; `qualified` prefixes named models with `crate::models::`.
pub(crate) fn rust_type(api: &ir::Api, ty: &ir::TypeRef, qualified: bool) -> TokenStream {
    match ty {
        ir::TypeRef::String => quote!(String),
        ir::TypeRef::Integer => quote!(i64),
        ir::TypeRef::Number => quote!(f64),
        ir::TypeRef::Boolean => quote!(bool),
        ir::TypeRef::Json => quote!(serde_json::Value),
        ir::TypeRef::List(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(Vec<#inner>)
        }
        ir::TypeRef::Map(inner) => {
            let inner = rust_type(api, inner, qualified);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        ir::TypeRef::Named(i) => {
            let name = crate::naming::ident(
                api.models
                    .get(*i)
                    .map_or("invalid_name", |m| m.name.as_str()),
            );
            if qualified {
                quote!(crate::models::#name)
            } else {
                quote!(#name)
            }
        }
    }
}

/// A human phrase for a list of accepted auth modes, e.g. "a personal access token or an API channel token".
pub(crate) fn modes_phrase(api: &ir::Api, modes: &[usize]) -> String {
    let names: Vec<String> = modes
        .iter()
        .filter_map(|i| api.auth.modes.get(*i))
        .map(|m| with_article(&m.name))
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// "a personal access token", "an API channel token".
pub(crate) fn with_article(noun: &str) -> String {
    let lower = noun.to_ascii_lowercase();
    // By sound: "a user key", "a unique id", "an hour" is rare enough to leave out.
    let vowel = lower.starts_with(['a', 'e', 'i', 'o', 'u'])
        && !["us", "uni", "eu", "one"]
            .iter()
            .any(|p| lower.starts_with(p));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// The text with its first letter in upper case.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
