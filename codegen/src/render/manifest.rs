//! The manifests of the generated SDK crate and its core crate, and the SDK crate's `README.md`.

use super::{modes_phrase, notice, with_article};
use crate::ir;

/// The oldest Rust the generated crate builds with (its `rust-version`).
const RUST_VERSION: &str = "1.88";

/// The SDK crate: models, resources, the client and hand-written modules, on top of its core
/// crate (see [`core_cargo_toml`]). Its features switch the core's.
pub(super) fn cargo_toml(api: &ir::Api) -> String {
    format!(
        r#"{package}readme = "README.md"

# Explicit, so that the workspace (and `cargo xtask codegen`) still loads if src/lib.rs is deleted.
[lib]
path = "src/lib.rs"

[features]
default = ["rustls"]
# TLS by rustls, with the *ring* crypto provider, trusting the platform's certificate store.
rustls = ["{core}/rustls"]
# TLS by the platform's library instead (OpenSSL on Linux: building needs its development files).
native-tls = ["{core}/native-tls"]
# Read a `.env` file in `from_env()` before the environment (variables already set win).
dotenv = ["{core}/dotenv"]
# Test doubles for your tests (`mock::Mocks`): enable it in `[dev-dependencies]` only.
test-util = ["{core}/test-util"]

[dependencies]
{core} = {{ path = "core", version = {exact}, default-features = false }}
futures-core = "0.3"
reqwest = {{ version = "0.13", default-features = false }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
thiserror = "2"
tokio = {{ version = "1", features = ["time"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}

[dev-dependencies]
# The test doubles' example in the crate docs runs on it.
tokio = {{ version = "1", features = ["macros", "rt"] }}
"#,
        package = package(api, &api.crate_name, &api.description),
        exact = toml_string(&format!("={}", api.version)),
        core = core_name(api),
    )
}

/// The notice and the `[package]` fields both manifests share.
fn package(api: &ir::Api, name: &str, description: &str) -> String {
    format!(
        r#"# {notice}

[package]
name = {name}
version = {version}
edition = "2021"
rust-version = "{RUST_VERSION}"
description = {description}
license = "MIT OR Apache-2.0"
"#,
        notice = notice(api),
        name = toml_string(name),
        version = toml_string(&api.version),
        description = toml_string(description),
    )
}

/// The name of the SDK's core crate: the runtime with the spec's auth modes and errors, which
/// the operations and models build on. Apart, so that a new endpoint or type (the weekly edit)
/// rechecks only the SDK crate, as progenitor's output builds on its prebuilt client crate.
pub(super) fn core_name(api: &ir::Api) -> String {
    format!("{}-core", api.crate_name)
}

/// The core crate's manifest: every dependency of the runtime, and the TLS and `.env` features.
pub(super) fn core_cargo_toml(api: &ir::Api) -> String {
    let description = format!(
        "The runtime, auth modes and errors of {}; use that crate.",
        api.crate_name
    );
    format!(
        r#"{package}
[lib]
path = "src/lib.rs"

[features]
default = ["rustls"]
rustls = ["reqwest/rustls-no-provider", "dep:rustls"]
native-tls = ["reqwest/native-tls"]
dotenv = ["dep:dotenvy"]
# Test doubles answer with `http` responses; a transport failure is a failing body stream.
test-util = ["dep:http", "reqwest/stream"]

[dependencies]
dotenvy = {{ version = "0.15", optional = true }}
futures-core = "0.3"
http = {{ version = "1", optional = true }}
httpdate = "1"
percent-encoding = "2"
reqwest = {{ version = "0.13", default-features = false, features = ["system-proxy"] }}
rustls = {{ version = "0.23.18", default-features = false, features = ["ring", "std"], optional = true }}
serde = "1"
# `raw_value`: a list's pages are read without building a tree of their items.
serde_json = {{ version = "1", features = ["raw_value"] }}
serde_urlencoded = "0.7"
thiserror = "2"
tokio = {{ version = "1", features = ["time"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}
url = "2"
"#,
        package = package(api, &core_name(api), &description),
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
    let krate = &api.crate_ident;
    let mut out = format!(
        "<!-- {notice} -->\n\n# {name}\n\n{description}\n\n\
         Generated from `{spec}`: every operation checks the client's token kind before sending and \
         places the hookId where the spec says.\n\n",
        notice = notice(api),
        name = api.crate_name,
        description = api.description,
        spec = api.spec_file,
    );
    out.push_str(&using_it(api));
    out.push_str(&quick_start(api, krate));
    out.push_str(&calling(api, krate));
    out.push_str(&token_kinds(api, krate));
    out.push_str(&http_setup(api, krate));
    out.push_str(&listing(api, krate));
    out.push_str(&testing(api, krate));
    out.push_str(
        "## Operations\n\n| operation | request | accepts | hookId |\n|---|---|---|---|\n",
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
                Some(_) => ", `into_pages()` for every page".to_owned(),
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
    out.push_str(&evolution());
    out.push_str(&migration(api));
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

/// How to depend on the crate: path or git, Rust version, runtime and cargo features.
fn using_it(api: &ir::Api) -> String {
    format!(
        "## Using it\n\n\
         Depend on it by path, or from the git repository that holds it (cargo finds the crate \
         by its name there):\n\n\
         ```toml\n\
         [dependencies]\n\
         {name} = {{ path = \"../{name}\" }}  # the folder of this crate\n\
         # {name} = {{ git = \"https://example.com/your/repository.git\" }}\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\
         ```\n\n\
         The crate's folder holds a second crate, `core/` (`{core}`): the runtime with the auth \
         modes and errors, which this crate builds on and re-exports. A path or git dependency \
         finds it by itself; publishing means publishing both, `{core}` first. It is apart so that \
         regenerating the SDK for a new operation or type rebuilds this crate only.\n\n\
         It needs Rust {RUST_VERSION} or newer and runs on a [Tokio](https://tokio.rs) 1 runtime with \
         its time and I/O drivers: `#[tokio::main]`, or a current-thread runtime built with \
         `enable_all()` (or `enable_time()` and `enable_io()`); `#[tokio::test]` works too. Timeouts \
         and retry waits use Tokio's timer: on a runtime built without `enable_time` Tokio panics at \
         the first request, and other executors do not work.\n\n\
         ### Cargo features\n\n\
         | feature | default | what it does |\n\
         |---|---|---|\n\
         | `rustls` | on | HTTPS by [rustls](https://docs.rs/rustls) with the *ring* crypto \
         provider, trusting the platform's certificate store (on Linux the system's CA bundle, so a \
         corporate CA installed there works without code). If your program installed a rustls \
         crypto provider (`CryptoProvider::install_default`), that one is used; otherwise the first \
         client built installs *ring* as the process default, so install yours before building a \
         client. |\n\
         | `native-tls` | off | HTTPS by the platform's TLS library instead (OpenSSL on Linux, whose \
         development files and `pkg-config` the build needs; Security.framework on macOS; SChannel on \
         Windows). Use it with `default-features = false`. |\n\
         | `dotenv` | off | `from_env()` reads a `.env` file first; variables already set win. |\n\n\
         One of `rustls` and `native-tls` must be on. `reqwest`, the HTTP client the crate is built \
         on, is re-exported as `{krate}::reqwest`: use it for the types the builder takes.\n\n",
        name = api.crate_name,
        krate = api.crate_ident,
        core = core_name(api),
    )
}

/// The environment the client reads, and a first call.
fn quick_start(api: &ir::Api, krate: &str) -> String {
    let first = api.resources.iter().find_map(|r| {
        r.operations
            .iter()
            .find(|op| {
                op.path_params.is_empty()
                    && op.query.is_none()
                    && op.body.is_none()
                    && op.deprecated.is_none()
            })
            .map(|op| (r, op))
    });
    let call = match first {
        Some((r, op)) => format!(
            "let result = client.{}().{}().send().await;",
            crate::naming::ident(&r.accessor),
            crate::naming::ident(&op.method_name)
        ),
        None => "let result: Result<(), Error> = Ok(());".to_owned(),
    };
    format!(
        "## Quick start\n\n\
         `{client}::from_env()` reads the token from `{token_env}`, the hookId from `{hook_env}` and, \
         if set, the base URL from `{base_url_env}` (default `{base_url}`). Tokens are checked when \
         the client is built and print only masked.\n\n\
         ```rust,no_run\n\
         use {krate}::{{{client}, Error}};\n\n\
         # async fn example() -> Result<(), Error> {{\n\
         let client = {client}::from_env()?;\n\
         {call}\n\
         match result {{\n\
         \x20   Ok(value) => println!(\"{{value:?}}\"),\n\
         \x20   Err(error) => {{\n\
         \x20       // Every error says what to do next; API errors keep their status and body.\n\
         \x20       eprintln!(\"{{error}} (status: {{:?}})\", error.status());\n\
         \x20   }}\n\
         }}\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n",
        client = api.client,
        token_env = api.auth.env,
        hook_env = api.hook.env,
        base_url_env = api.base_url_env,
        base_url = api.base_url,
    )
}

/// How a call reads: required inputs as arguments, optional ones as setters, then `send()`.
fn calling(api: &ir::Api, krate: &str) -> String {
    // An example from the first operation whose required inputs are path ids and whose first
    // setter takes text, so that its values can be written here whatever the spec.
    let example = api.resources.iter().find_map(|r| {
        r.operations.iter().filter(|op| op.deprecated.is_none()).find_map(|op| {
            let args = super::resources::default_args(op)?;
            let setter = op.request.setters.iter().find(|s| setter_type(api, op, s) == Some(&ir::TypeRef::String))?;
            Some(format!(
                "let result = client\n    .{}()\n    .{}({args})\n    .{}(\"text\")\n    .send()\n    .await?;",
                crate::naming::ident(&r.accessor),
                crate::naming::ident(&op.method_name),
                crate::naming::ident(&setter.name),
            ))
        })
    });
    let example = example.map_or_else(String::new, |call| {
        format!(
            "```rust,no_run\n\
             # async fn example(client: {krate}::{client}) -> Result<(), {krate}::Error> {{\n\
             {call}\n\
             println!(\"{{result:?}}\");\n\
             # Ok(())\n\
             # }}\n\
             ```\n\n",
            client = api.client
        )
    });
    format!(
        "## Calling an operation\n\n\
         `client.<resource>().<operation>(…)` takes what the operation cannot go without (path ids, \
         required query parameters, required body fields), so forgetting one does not compile. It \
         returns the request: each optional input is a method named like it, taking anything that \
         converts into its type (no `Some(…)`, no `.into()`), and `.send().await` sends it.\n\n\
         {example}\
         - A prepared body goes in whole: `.body(prepared)` replaces it, and an operation whose \
           body has required fields also has `<operation>_with_body(ids…, prepared)`, which takes \
           it in their place. `.query(prepared)` does the same for query parameters.\n\
         - A paginated operation's request also has `.into_pages()`: the same request, every page.\n\
         - Per-request options are the client's: `client.with_options(…)` gives a view whose \
           requests carry them.\n\
         - Models are `#[non_exhaustive]`: build one with `Model::new(required fields…)` and \
           `.with_<field>(value)` for the others (tests that fake a response do the same). Their \
           fields stay public to read.\n\n\
         Why builders ending in `.send()`: it is the shape of aws-sdk-rust and google-cloud-rust, \
         a request can be kept, cloned or changed before it goes, and the await point says where \
         the network is used. The request does not implement `IntoFuture`, so that an `.await` \
         always reads as a send.\n\n"
    )
}

/// The type a setter of `op` takes, if it sets a field.
fn setter_type<'a>(
    api: &'a ir::Api,
    op: &'a ir::Operation,
    input: &ir::Input,
) -> Option<&'a ir::TypeRef> {
    match input.source {
        ir::InputSource::Query(i) => op.query.as_ref()?.fields.get(i).map(|f| &f.ty),
        ir::InputSource::BodyField(i) => match op.request.body {
            Some(ir::RequestBody::Object(m)) => match &api.models.get(m)?.kind {
                ir::ModelKind::Object { fields, .. } => fields.get(i).map(|f| &f.ty),
                ir::ModelKind::Enum { .. } => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Token kinds known when the client is built: operations of other kinds do not compile.
fn token_kinds(api: &ir::Api, krate: &str) -> String {
    // An operation that some kind may not call, to show the compile error.
    let refused = api.resources.iter().find_map(|r| {
        r.operations
            .iter()
            .filter(|op| op.deprecated.is_none())
            .find_map(|op| {
                let args = super::resources::default_args(op)?;
                let mode = api
                    .auth
                    .modes
                    .iter()
                    .enumerate()
                    .find(|(i, m)| !op.accepts.contains(i) && m.deprecated.is_none())?
                    .1;
                Some((r, op, args, mode))
            })
    });
    let example = refused.map_or_else(String::new, |(r, op, args, mode)| {
        format!(
            "With {a} (`Token::{ctor}`), `{accessor}().{method}()` is not there: it accepts {accepted}.\n\n\
             ```rust,compile_fail\n\
             use {krate}::{{{client}, HookId, Token}};\n\n\
             # async fn example() -> Result<(), {krate}::Error> {{\n\
             let client = {client}::builder(Token::{ctor}(\"token\")?, HookId::new(\"hook-id\")?).build()?;\n\
             client.{accessor}().{method}({args}).send().await?; // does not compile\n\
             # Ok(())\n\
             # }}\n\
             ```\n\n\
             The compiler's message names the operation, the kinds it accepts and the fix.\n\n",
            a = with_article(&mode.name),
            ctor = mode.constructor,
            accessor = crate::naming::ident(&r.accessor),
            method = crate::naming::ident(&op.method_name),
            accepted = modes_phrase(api, &op.accepts),
            client = api.client,
        )
    });
    let first = api.auth.modes.first();
    format!(
        "## Token kinds at compile time\n\n\
         A client built from a token of a known kind (`Token::{ctor}(…)` gives a \
         `{client}<kind::{variant}>`) offers only the operations that kind may call. A client whose \
         kind is known only at run time (`Token::new(…)`, `{client}::from_env()`) is a plain \
         `{client}` (`{client}<kind::Dynamic>`, the default): it offers every operation and checks \
         the kind before sending, failing with `Error::AuthModeNotAccepted`. \
         `client.typed::<kind::…>()` turns it into a typed client, or fails with \
         `Error::InvalidCredential`; `client.dynamic()` goes back.\n\n\
         {example}",
        ctor = first.map_or("new", |m| m.constructor.as_str()),
        variant = first.map_or("Dynamic", |m| m.variant.as_str()),
        client = api.client,
    )
}

/// What a spec edit means for the crate's users.
fn evolution() -> String {
    "\n## Versions: what a spec change means for you\n\n\
     These changes are minor (your code keeps compiling): a new optional field on a model (models \
     are `#[non_exhaustive]`), a new optional query parameter, a new operation or resource, a new \
     value of an open enum (`#[non_exhaustive]`, with an `Unknown` catch-all), a new error class \
     (`Error` is `#[non_exhaustive]`), a new hand-written export. These are major: removing or \
     renaming anything, a new *required* field or parameter (a new argument), a changed type, a \
     new value of a closed enum (exhaustive `match`es break), an operation that stops accepting a \
     token kind (typed clients lose the method). The generator's evolution check proves the \
     minor ones with cargo-semver-checks.\n"
        .to_owned()
}

/// Old positional call → request builder, for every operation.
fn migration(api: &ir::Api) -> String {
    let mut out = String::from(
        "\n## Migrating from positional calls (0.1)\n\n\
         Operations took every input positionally and returned a future; they now return a request \
         to `send()`. The table passes the same prepared query and body; instead, set single \
         inputs with the request's methods (`.email(\"…\")`). Struct literals of models become \
         `Model::new(…).with_…(…)`; `<operation>_all(…)` becomes `<operation>(…).into_pages()`.\n\n\
         | 0.1 | now |\n|---|---|\n",
    );
    for r in &api.resources {
        for op in &r.operations {
            let accessor = crate::naming::ident(&r.accessor);
            let method = crate::naming::ident(&op.method_name);
            let mut old: Vec<String> = op
                .path_params
                .iter()
                .map(|p| p.rust.trim_start_matches("r#").to_owned())
                .collect();
            if op.query.is_some() {
                old.push("&query".to_owned());
            }
            if op.body.is_some() {
                old.push("&body".to_owned());
            }
            // The same inputs, prepared: the ids, then the query and the body whole.
            let ids: Vec<&str> = op
                .request
                .args
                .iter()
                .filter(|a| !a.source.in_body())
                .map(|a| a.name.trim_start_matches("r#"))
                .collect();
            let (mut call, mut args) = (method.to_string(), ids.clone());
            let mut chained = String::new();
            match (&op.request.body, &op.request.with_body) {
                (_, Some((with_body, arg))) => {
                    call = with_body.clone();
                    args.push(arg);
                }
                (Some(ir::RequestBody::Whole { defaultable: false }), _) => args.push("body"),
                (Some(_), _) => chained.push_str(".body(body)"),
                (None, _) => {}
            }
            if op.query.is_some() {
                chained.insert_str(0, ".query(query)");
            }
            let new = format!(
                "`client.{accessor}().{call}({}){chained}.send().await`",
                args.join(", ")
            );
            out.push_str(&format!(
                "| `client.{accessor}().{method}({}).await` | {new} |\n",
                old.join(", ")
            ));
            if op.pagination.is_some() {
                out.push_str(&format!(
                    "| `client.{accessor}().{method}_all({})` | `client.{accessor}().{call}({}){chained}.into_pages()` |\n",
                    old.join(", "),
                    args.join(", ")
                ));
            }
        }
    }
    out
}

/// The two ways to bring one's own HTTP setup, and what the SDK keeps guaranteed.
fn http_setup(api: &ir::Api, krate: &str) -> String {
    format!(
        "## Your own HTTP setup\n\n\
         To set a proxy, a corporate root certificate, a connect timeout, pool settings or a local \
         address, customise the HTTP client the SDK builds with `configure_http`. The SDK applies \
         its safety settings after your hook:\n\n\
         ```rust,no_run\n\
         use {krate}::{{reqwest, {client}, HookId, Token}};\n\
         use std::time::Duration;\n\n\
         # fn example() -> Result<(), Box<dyn std::error::Error>> {{\n\
         let proxy = reqwest::Proxy::https(\"http://proxy.internal:3128\")?;\n\
         let corporate_ca = reqwest::Certificate::from_pem(&std::fs::read(\"corporate-ca.pem\")?)?;\n\
         let client = {client}::builder(Token::new(\"your-token\")?, HookId::new(\"your-hook-id\")?)\n\
         \x20   .configure_http(move |http| {{\n\
         \x20       http.proxy(proxy.clone())\n\
         \x20           .tls_certs_merge([corporate_ca.clone()])\n\
         \x20           .connect_timeout(Duration::from_secs(5))\n\
         \x20           .pool_max_idle_per_host(8)\n\
         \x20           .local_address(std::net::IpAddr::from([10, 0, 0, 2]))\n\
         \x20   }})\n\
         \x20   .build()?;\n\
         # let _ = client;\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n\
         To share a connection pool, pass a ready `reqwest::Client` with `http_client`. The SDK \
         cannot change its proxies or redirect policy, so the base URL must be https (plain http is \
         refused: a proxy would read the token; use `configure_http` for a local server), and the \
         client should not follow redirects. `{client}::http_client_builder()` starts one that way \
         (and, with the `rustls` feature, makes sure rustls has a crypto provider):\n\n\
         ```rust,no_run\n\
         use {krate}::{{{client}, HookId, Token}};\n\
         use std::time::Duration;\n\n\
         # fn example() -> Result<(), Box<dyn std::error::Error>> {{\n\
         let http = {client}::http_client_builder()\n\
         \x20   .connect_timeout(Duration::from_secs(5))\n\
         \x20   .build()?;\n\
         let first = {client}::builder(Token::new(\"first-token\")?, HookId::new(\"first-hook-id\")?)\n\
         \x20   .http_client(http.clone())\n\
         \x20   .build()?;\n\
         let second = {client}::builder(Token::new(\"second-token\")?, HookId::new(\"second-hook-id\")?)\n\
         \x20   .http_client(http)\n\
         \x20   .build()?;\n\
         # let _ = (first, second);\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n\
         Either way the SDK keeps its guarantees: plain http only to loopback hosts and never \
         through a proxy; credentials never follow a redirect to another origin (a redirect that is \
         not followed, or that your own client followed away from the base URL's origin, is an \
         `Error::Redirect`, and the answer is not used); the client's timeout, retries and typed \
         errors apply unchanged. A client of your own that follows redirects drops the token when \
         one leaves the origin, but the hookId header and a 307/308 body would go along: build it \
         with `http_client_builder()` or `redirect::Policy::none()`.\n\n",
        client = api.client,
    )
}

/// How users test their own code with the `test-util` feature's doubles: a runnable example
/// on the first operation whose required inputs are path ids, answered with an error of the
/// spec's first class (a status without one), then what else a rule can do.
fn testing(api: &ir::Api, krate: &str) -> String {
    let example = api.resources.iter().find_map(|r| {
        r.operations
            .iter()
            .filter(|op| op.deprecated.is_none())
            .find_map(|op| {
                let args = super::resources::default_args(op)?;
                let mode = op
                    .accepts
                    .iter()
                    .filter_map(|i| api.auth.modes.get(*i))
                    .find(|m| m.deprecated.is_none())?;
                Some((r, op, args, mode))
            })
    });
    let code = match example {
        Some((r, op, args, mode)) => {
            let (answer, expected, class) = match api.errors.first() {
                Some(class) => (
                    format!("Answer::error(ErrorClass::{})", class.variant),
                    format!("Error::{}(_)", class.variant),
                    ", ErrorClass",
                ),
                None => (
                    "Answer::status(400, serde_json::json!({ \"message\": \"no such thing\" }))"
                        .to_owned(),
                    "Error::Api(_)".to_owned(),
                    "",
                ),
            };
            let token = match &mode.prefix {
                Some(prefix) => format!("{prefix}example"),
                None => "example-token".to_owned(),
            };
            format!(
                "```rust\n\
                 # #[cfg(feature = \"test-util\")]\n\
                 # #[tokio::main(flavor = \"current_thread\")]\n\
                 # async fn main() -> Result<(), {krate}::Error> {{\n\
                 use {krate}::mock::{{Answer{class}, Mocks}};\n\
                 use {krate}::{{{client}, Error, HookId, Token}};\n\n\
                 let mocks = Mocks::new();\n\
                 let rule = mocks.{accessor}().{method}().answers({answer});\n\
                 let client = {client}::builder(Token::{ctor}(\"{token}\")?, HookId::new(\"hook-id\")?)\n\
                 \x20   .mock(&mocks)\n\
                 \x20   .build()?;\n\n\
                 // The code under test gets the error the API would give.\n\
                 let result = client.{accessor}().{method}({args}).send().await;\n\
                 assert!(matches!(result, Err({expected})));\n\
                 assert_eq!(rule.num_calls(), 1);\n\
                 println!(\"{{:?}}\", rule.last_call().map(|call| call.input));\n\
                 # Ok(())\n\
                 # }}\n\
                 # #[cfg(not(feature = \"test-util\"))]\n\
                 # fn main() {{}}\n\
                 ```\n\n",
                client = api.client,
                accessor = crate::naming::ident(&r.accessor),
                method = crate::naming::ident(&op.method_name),
                ctor = mode.constructor,
            )
        }
        None => String::new(),
    };
    format!(
        "## Testing your code\n\n\
         The `test-util` feature adds test doubles: `mock::Mocks` holds rules that answer a \
         client's calls in place of the API, with no socket, and the client your code uses is \
         built on it with `.mock(&mocks)`. Enable it for your tests only:\n\n\
         ```toml\n\
         [dev-dependencies]\n\
         {name} = {{ path = \"../{name}\", features = [\"test-util\"] }}\n\
         ```\n\n\
         {code}\
         `mocks.<resource>().<operation>()` starts a rule for one operation, named like the \
         client's method. A rule:\n\n\
         - matches calls by their typed input with `matching(|input| …)`: path parameters, \
         `query` and `body` as the API receives them (the spec's defaults filled in);\n\
         - answers every call with `returns(output)`, `answers(answer)`, \
         `answers_with(|input| answer)` or, for a paginated operation, `pages(items)` (each \
         call gets the page it asks for, so `into_pages()` walks them all), or a sequence with \
         `once(answer)`, `times(n, answer)` and `in_turn(answers)`, then `build()` or one of \
         the above;\n\
         - answers with `Answer::ok(output)`, `Answer::error(ErrorClass::…)` (one per error \
         class of the spec), `Answer::unsuccessful(message)` (a `success: false` envelope), \
         `Answer::status(code, json)` or `Answer::raw(code, bytes)` (any response), \
         `Answer::transport_failure(message)`, each `.after(delay)` and with `.header(…)`;\n\
         - counts and records its calls: `num_calls()`, `calls()` and `last_call()` give each \
         call's typed `input` and its `request` (path, query, body, hookId, token kind, extra \
         headers, attempt; never the token, only its kind), and `is_exhausted()` says whether a \
         sequence is used up; `mocks.verify()` fails the test if a rule answered nothing or \
         kept answers of a sequence.\n\n\
         The client checks the token kind, the preconditions, the path parameters and the \
         hookId before a rule is asked, and treats answers as it treats the API's: retries \
         (set a `RetryPolicy` without backoff, or pause tokio's clock, to keep tests fast), \
         timeouts, the body limit, envelopes and error classes. A call that no rule answers \
         panics with the operation and its input, so the test fails; a hookId missing where the \
         spec places it does too. A new operation in the spec only adds methods: existing \
         rules keep compiling.\n\n",
        name = api.crate_name,
    )
}

/// How to walk every page of a list, if the spec has paginated operations.
fn listing(api: &ir::Api, krate: &str) -> String {
    let first = api.resources.iter().find_map(|r| {
        r.operations
            .iter()
            .filter(|op| op.deprecated.is_none())
            .find_map(|op| {
                op.pagination.as_ref()?;
                let args = super::resources::default_args(op)?;
                Some(format!(
                    "client.{}().{}({args}).into_pages()",
                    crate::naming::ident(&r.accessor),
                    crate::naming::ident(&op.method_name)
                ))
            })
    });
    let Some(call) = first else {
        return String::new();
    };
    format!(
        "## Every page of a list\n\n\
         The `into_pages()` method of a paginated operation's request returns a `Pages` stream (`futures_core::Stream` of \
         `Result<item, Error>`) that owns a clone of the client: return it from a function, move it \
         to a task, combine it with `futures::StreamExt`/`TryStreamExt` (`try_collect`, `take`, …). \
         Pages are fetched as items are consumed; dropping the stream stops. A server whose pages \
         do not add up (another page than the one asked for, a page repeated, a page size of zero) \
         ends the list with `Error::Pagination` instead of looping.\n\n\
         ```rust,no_run\n\
         # async fn example(client: {krate}::{client}) -> Result<(), {krate}::Error> {{\n\
         let mut items = {call};\n\
         drop(client); // the stream keeps what it needs\n\
         while let Some(item) = items.next().await? {{\n\
         \x20   println!(\"{{item:?}}\");\n\
         }}\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n",
        client = api.client,
    )
}
