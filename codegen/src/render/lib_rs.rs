//! The two `lib.rs` files: the SDK crate's (crate docs from the README, whose examples are doc
//! tests; its modules; the public re-exports) and its core crate's (the runtime's layers).

use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let client = ident(&api.client);
    let builder = ident(&api.builder);
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
    let core = ident(&super::manifest::core_name(api).replace('-', "_"));
    let core_modules = CORE_MODULES.iter().map(|m| ident(m));
    quote! {
        #![doc = include_str!("../README.md")]
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        // The runtime and the spec's auth modes and errors, from the core crate, under the
        // names the rest of the crate uses. A spec may leave some of them unused.
        #[allow(unused_imports)]
        use #core::{#(#core_modules),*};
        #[cfg(feature = "test-util")]
        pub mod mock;
        pub mod models;
        pub mod resources;
        mod client;
        #(#extension_mods)*

        #[doc(inline)]
        pub use auth::{kind, AuthMode, HookId, Token};
        pub use client::{#client, #builder};
        #[doc(inline)]
        pub use error::{ApiError, Error};
        #[doc(inline)]
        pub use options::{RequestOptions, RetryPolicy};
        #[doc(inline)]
        pub use pages::Pages;
        /// The HTTP client library the SDK is built on, for the types its builder takes
        /// (`configure_http`, `http_client`).
        pub use reqwest;
        #(#extension_uses)*
    }
}

/// Modules `lib.rs` re-exports at the crate root, which no extension module may be named.
pub(crate) const ROOT_MODULES: &[&str] = &["kind", "reqwest", "mock"];

/// The core crate's modules, lowest layer first: the runtime's files and the spec's auth modes,
/// errors and token constructors. The SDK crate imports each under its own name, so no
/// hand-written module may take one.
pub(crate) const CORE_MODULES: &[&str] = &[
    "text",
    "json",
    "auth",
    "api_error",
    "error",
    "env",
    "credentials",
    "tokens",
    "options",
    "operation",
    "transport",
    "pages",
];

/// The core crate: the runtime's layers in order (each module uses only those above it) with
/// the spec's auth modes, errors and token constructors among them. Its modules are public for
/// the SDK crate only, hence hidden; the SDK crate re-exports what users see.
pub(super) fn render_core(api: &ir::Api) -> TokenStream {
    let docs = format!(
        " The runtime of `{krate}`, with the auth modes and errors of its spec: a crate apart, so \
         that a new operation or type rebuilds only `{krate}`. Not an API of its own: use \
         `{krate}`, which re-exports what is public.",
        krate = api.crate_name
    );
    let no_tls = format!(
        "enable a TLS feature of `{}`: `rustls` (the default) or `native-tls`",
        api.crate_name
    );
    // The test doubles sit between the operations they answer and the transport that asks them.
    let split = CORE_MODULES
        .iter()
        .position(|m| *m == "transport")
        .unwrap_or(CORE_MODULES.len());
    let (below, above) = CORE_MODULES.split_at(split);
    let (below, above) = (
        below.iter().map(|m| ident(m)),
        above.iter().map(|m| ident(m)),
    );
    quote! {
        #![doc = #docs]
        #![forbid(unsafe_code)]

        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        compile_error!(#no_tls);

        #(#[doc(hidden)] pub mod #below;)*

        #[cfg(feature = "test-util")]
        #[doc(hidden)]
        pub mod doubles;

        #(#[doc(hidden)] pub mod #above;)*
    }
}
