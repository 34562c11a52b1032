//! `src/lib.rs`: crate docs (the README, whose examples are doc tests), module declarations
//! and re-exports.

use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let client = ident(&api.client);
    let builder = ident(&api.builder);
    let no_tls = format!(
        "enable a TLS feature of `{}`: `rustls` (the default) or `native-tls`",
        api.crate_name
    );
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
        #![doc = include_str!("../README.md")]
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        compile_error!(#no_tls);

        mod text;
        mod json;
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
        /// The HTTP client library the SDK is built on, for the types its builder takes
        /// (`configure_http`, `http_client`).
        pub use reqwest;
        #(#extension_uses)*
    }
}
