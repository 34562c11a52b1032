//! `src/lib.rs`: crate docs with a quick start, module declarations and re-exports.

use super::inner_doc;
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let client = ident(&api.client);
    let builder = ident(&api.builder);
    let krate = &api.crate_ident;
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
            "let result = client.{}().{}().await;",
            ident(&r.accessor),
            ident(&op.method_name)
        ),
        None => "let result: Result<(), Error> = Ok(());".to_owned(),
    };
    let crate_doc = inner_doc(&format!(
        "# {crate_name}\n\n{description}\n\n\
         Generated from `{spec}`; every operation checks the client's token kind before sending \
         and places the hookId where the spec says.\n\n\
         ## Quick start\n\n\
         ```no_run\n\
         use {krate}::{{{client}, Error}};\n\n\
         # async fn example() -> Result<(), Error> {{\n\
         // Reads {token_env} and {hook_env} (and {base_url_env}, if set).\n\
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
         ```\n\n\
         ## Runtime\n\n\
         The client runs on a Tokio 1.x runtime with both the IO and the time driver enabled: \
         `#[tokio::main]`, `#[tokio::test]` or `tokio::runtime::Builder::enable_all()`. Timeouts \
         and retry waits use Tokio's timer; on a runtime built without `enable_time` Tokio panics \
         at the first request.",
        crate_name = api.crate_name,
        description = api.description,
        spec = api.spec_file,
        client = api.client,
        token_env = api.auth.env,
        hook_env = api.hook.env,
        base_url_env = api.base_url_env,
    ));
    // Hand-written modules: declared after the generated ones, re-exported as the spec says.
    let extension_mods = api.extensions.iter().map(|e| {
        let module = ident(&e.module);
        if e.public {
            quote!(pub mod #module;)
        } else {
            quote!(mod #module;)
        }
    });
    let extension_uses = api
        .extensions
        .iter()
        .filter(|e| !e.exports.is_empty())
        .map(|e| {
            let module = ident(&e.module);
            let exports = e.exports.iter().map(|name| ident(name));
            quote!(pub use #module::{#(#exports),*};)
        });
    quote! {
        #crate_doc
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        mod text;
        mod auth;
        mod api_error;
        mod error;
        mod env;
        mod credentials;
        mod tokens;
        mod options;
        mod operation;
        mod transport;
        mod pages;
        pub mod models;
        pub mod resources;
        mod client;
        #(#extension_mods)*

        pub use auth::{AuthMode, HookId, Token};
        pub use client::{#client, #builder};
        pub use error::{ApiError, Error};
        pub use options::{RequestOptions, RetryPolicy};
        pub use pages::Pages;
        #(#extension_uses)*
    }
}
