//! `src/client.rs`: the client, its builder, `from_env` and the resource accessors.

use super::doc;
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let client = ident(&api.client);
    let builder = ident(&api.builder);
    let krate = &api.crate_ident;
    let base_url = &api.base_url;
    let base_url_env = &api.base_url_env;
    let timeout = api.timeout_secs;
    let user_agent = format!("{}-rust/", api.crate_name);
    let token_env = &api.auth.env;
    let hook_env = &api.hook.env;

    let client_doc = doc(&format!(
        "Client for the {name} API.\n\n\
         Cheap to clone: clones share one connection pool. Every request carries the token in the \
         `{header}` header and the hookId where each operation's spec says.\n\n\
         ```no_run\n\
         # async fn example() -> Result<(), {krate}::Error> {{\n\
         let client = {krate}::{client}::from_env()?;\n\
         println!(\"{{client:?}}\"); // the token prints masked\n\
         # Ok(())\n\
         # }}\n\
         ```",
        name = api.name,
        header = api.auth.header,
        client = api.client,
    ));
    let from_env_doc = doc(&format!(
        "Builds a client from the environment: the token from `{token_env}`, the hookId from \
         `{hook_env}` and, if set, the base URL from `{base_url_env}`.\n\n\
         With the `dotenv` feature, a `.env` file in the current directory or a parent is read \
         first; variables already set in the environment win.\n\n\
         A missing or empty variable is an [`Error::Config`] naming it."
    ));
    let with_options_doc = doc(&format!(
        "A view of this client that applies `options` to every request it sends, on top of any \
         options it already has. It shares the connection pool.\n\n\
         ```no_run\n\
         # async fn example(client: {krate}::{client}) -> Result<(), {krate}::Error> {{\n\
         use {krate}::{{HookId, RequestOptions}};\n\
         use std::time::Duration;\n\n\
         let other_channel = client.with_options(\n\
         \x20   RequestOptions::new()\n\
         \x20       .hook_id(HookId::new(\"other-hook-id\")?)\n\
         \x20       .timeout(Duration::from_secs(5))\n\
         \x20       .header(\"X-Trace-Id\", \"abc123\")?,\n\
         );\n\
         # let _ = other_channel;\n\
         # Ok(())\n\
         # }}\n\
         ```",
        client = api.client,
    ));
    let configure_http_doc = doc(
        "Customises the HTTP client the SDK builds: `configure` receives the \
         `reqwest::ClientBuilder` the SDK starts from and returns it with your settings (a proxy, \
         root certificates, a connect timeout, pool settings, a local address, default headers). \
         The SDK then applies its safety settings on top, whatever the hook set: redirects are \
         followed only within the base URL's origin, and a plain-http (loopback) base URL never \
         goes through a proxy. The client's [`timeout`](Self::timeout) still applies; a \
         `timeout` set here fails as [`Error::Transport`] rather than [`Error::Timeout`].\n\n\
         Replaces an earlier [`http_client`](Self::http_client). Examples: \
         [the crate docs](crate#your-own-http-setup).",
    );
    let http_client_doc = doc(
        "Sends requests with your own `reqwest::Client` (e.g. to share its connection pool), \
         used as it is. `reqwest` is re-exported as [`crate::reqwest`], the version to build it with.\n\n\
         The SDK cannot change a ready client's proxies or redirect policy, so:\n\
         - the base URL must be https: [`build`](Self::build) refuses plain http with an \
           [`Error::Config`] (a proxy of yours would read the token); for a local plain-http \
           server use [`configure_http`](Self::configure_http);\n\
         - build it with `.redirect(reqwest::redirect::Policy::none())`: every redirect then \
           comes back as [`Error::Redirect`] and nothing follows it. A client that follows \
           redirects by itself drops the token when one leaves the origin, but the hookId header, \
           extra headers and the body of a 307/308 would go along; the SDK can then only refuse \
           the answer, with [`Error::Redirect`].\n\n\
         The client's [`timeout`](Self::timeout) and retries apply as usual. Replaces an earlier \
         [`configure_http`](Self::configure_http). Example: \
         [the crate docs](crate#your-own-http-setup).",
    );
    let http_client_builder_doc = doc(&format!(
        "A `reqwest::ClientBuilder` to start your own HTTP client from, for \
         [`{builder}::http_client`]: redirects off (the SDK then reports each one as \
         [`Error::Redirect`]), this crate's `User-Agent` and, with the `rustls` feature, a rustls \
         crypto provider installed (see [the crate docs](crate#cargo-features)). Add your settings \
         and build it."
    ));
    let body_limit_doc = doc(&format!(
        "Reads response bodies up to this many bytes (default \
         [`DEFAULT_RESPONSE_BODY_LIMIT`]({client}::DEFAULT_RESPONSE_BODY_LIMIT), 32 MiB); a longer \
         one is refused with [`Error::BodyTooLarge`], unread if its `Content-Length` says so.",
        client = api.client,
    ));
    let first = api.auth.modes.first();
    let builder_fn_doc = doc(&format!(
        "Starts a builder for a client with custom settings. The client keeps the token's kind: \
         from `Token::{}(…)` it is a `{client}<kind::{}>`, which offers only the operations that \
         kind may call; from `Token::new(…)` it is a `{client}`, which checks before sending.",
        first.map_or("new", |m| m.constructor.as_str()),
        first.map_or("Dynamic", |m| m.variant.as_str()),
        client = api.client,
    ));
    let typed_doc = doc(&format!(
        "This client as one of token kind `T`, which offers only the operations `T` may call (a \
         call the API would refuse then does not compile), or an [`Error::InvalidCredential`] if \
         its token is of another kind. It shares the connection pool.\n\n\
         ```no_run\n\
         # fn example() -> Result<(), {krate}::Error> {{\n\
         use {krate}::kind;\n\n\
         let client = {krate}::{client}::from_env()?.typed::<kind::{}>()?;\n\
         # let _ = client;\n\
         # Ok(())\n\
         # }}\n\
         ```",
        first.map_or("Dynamic", |m| m.variant.as_str()),
        client = api.client,
    ));
    let ir::RetryPolicy {
        max_attempts,
        initial_backoff_ms,
        max_backoff_ms,
    } = api.retry;
    let accessors = api.resources.iter().map(|r| {
        let accessor = ident(&r.accessor);
        let ty = ident(&r.type_name);
        let module = ident(&r.module);
        let docs = doc(&format!(
            "{}\n\nSee [`crate::resources::{}`].",
            r.description, r.type_name
        ));
        quote! {
            #docs
            pub fn #accessor(&self) -> crate::resources::#module::#ty<'_, K> {
                crate::resources::#module::#ty::new(self.ctx())
            }
        }
    });

    quote! {
        //! The client and its builder.

        use crate::auth::{kind, AuthMode, HookId, Token};
        use crate::error::Error;
        use crate::options::{RequestOptions, RetryPolicy};
        use crate::transport::{Ctx, HttpSetup, Transport};
        use std::marker::PhantomData;
        use std::sync::Arc;
        use std::time::Duration;

        #client_doc
        pub struct #client<K = kind::Dynamic> {
            transport: Arc<Transport>,
            options: RequestOptions,
            kind: PhantomData<fn() -> K>,
        }

        impl<K> #client<K> {
            /// A client on this one's connection pool, with `options`, of token kind `T`.
            fn view<T>(&self, options: RequestOptions) -> #client<T> {
                #client { transport: Arc::clone(&self.transport), options, kind: PhantomData }
            }
        }

        impl<K> Clone for #client<K> {
            fn clone(&self) -> Self {
                self.view(self.options.clone())
            }
        }

        impl<K> std::fmt::Debug for #client<K> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!(#client))
                    .field("transport", &self.transport)
                    .field("options", &self.options)
                    .finish()
            }
        }

        impl #client {
            /// The base URL used unless the builder or the environment sets another.
            pub const DEFAULT_BASE_URL: &'static str = #base_url;
            /// The timeout of a whole request, body included, unless the builder sets another.
            pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(#timeout);
            /// The environment variable `from_env` reads the base URL from, if set.
            pub const BASE_URL_ENV: &'static str = #base_url_env;
            /// How idempotent operations are retried unless the builder sets another policy.
            pub const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
                max_attempts: #max_attempts,
                initial_backoff: Duration::from_millis(#initial_backoff_ms),
                max_backoff: Duration::from_millis(#max_backoff_ms),
            };
            /// The longest response body read unless the builder sets another limit: 32 MiB.
            pub const DEFAULT_RESPONSE_BODY_LIMIT: u64 = 32 * 1024 * 1024;

            /// Builds a client with default settings from a token (its kind read from its prefix)
            /// and a hookId.
            pub fn new(token: &str, hook_id: &str) -> Result<Self, Error> {
                Self::builder(Token::new(token)?, HookId::new(hook_id)?).build()
            }

            #http_client_builder_doc
            pub fn http_client_builder() -> reqwest::ClientBuilder {
                crate::transport::http_client_builder()
                    .user_agent(concat!(#user_agent, env!("CARGO_PKG_VERSION")))
            }

            #from_env_doc
            pub fn from_env() -> Result<Self, Error> {
                #[cfg(feature = "dotenv")]
                crate::env::load_dotenv()?;
                let token = Token::new(crate::env::env_var(Token::ENV)?)
                    .map_err(|e| Error::Config(format!("{}: {e}", Token::ENV)))?;
                let hook_id = HookId::new(crate::env::env_var(HookId::ENV)?)
                    .map_err(|e| Error::Config(format!("{}: {e}", HookId::ENV)))?;
                let mut builder = Self::builder(token, hook_id);
                if let Some(base_url) = crate::env::optional_env_var(Self::BASE_URL_ENV)? {
                    builder = builder.base_url(base_url);
                }
                builder.build()
            }
        }

        impl<K: kind::TokenKind> #client<K> {
            #builder_fn_doc
            pub fn builder(token: Token<K>, hook_id: HookId) -> #builder<K> {
                #builder {
                    token,
                    hook_id,
                    base_url: <#client>::DEFAULT_BASE_URL.to_owned(),
                    timeout: Some(<#client>::DEFAULT_TIMEOUT),
                    retry: <#client>::DEFAULT_RETRY,
                    user_agent: concat!(#user_agent, env!("CARGO_PKG_VERSION")).to_owned(),
                    response_body_limit: <#client>::DEFAULT_RESPONSE_BODY_LIMIT,
                    http: HttpSetup::default(),
                }
            }

            #typed_doc
            pub fn typed<T: kind::TokenKind>(&self) -> Result<#client<T>, Error> {
                self.transport.token().clone().typed::<T>()?;
                Ok(self.view(self.options.clone()))
            }

            /// This client with its token kind known only at run time ([`kind::Dynamic`]): it offers
            /// every operation and checks the kind before sending. It shares the connection pool.
            pub fn dynamic(&self) -> #client {
                self.view(self.options.clone())
            }

            /// The base URL requests go to, without a trailing slash.
            pub fn base_url(&self) -> &str {
                self.transport.base_url()
            }

            /// The kind of token this client holds.
            pub fn token_mode(&self) -> AuthMode {
                self.transport.token().mode()
            }

            /// The token and its masked form, for hand-written extensions that quote what a
            /// server sent in an error or a log line.
            // A spec may have no extension.
            #[allow(dead_code)]
            pub(crate) fn token_secret(&self) -> crate::text::Secret<'_> {
                self.transport.token().secret()
            }

            fn ctx(&self) -> Ctx<'_> {
                Ctx { transport: &self.transport, options: &self.options }
            }

            #with_options_doc
            pub fn with_options(&self, options: RequestOptions) -> Self {
                self.view(self.options.merged(options))
            }

            #(#accessors)*
        }

        /// Settings for a client; finish with [`build`](Self::build). The type parameter is the
        /// token's kind, which the client keeps.
        #[derive(Clone)]
        pub struct #builder<K = kind::Dynamic> {
            token: Token<K>,
            hook_id: HookId,
            base_url: String,
            timeout: Option<Duration>,
            retry: RetryPolicy,
            user_agent: String,
            response_body_limit: u64,
            http: HttpSetup,
        }

        impl<K> std::fmt::Debug for #builder<K> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!(#builder))
                    .field("token", &self.token)
                    .field("hook_id", &self.hook_id)
                    .field("base_url", &crate::transport::without_userinfo(&self.base_url))
                    .field("timeout", &self.timeout)
                    .field("retry", &self.retry)
                    .field("user_agent", &self.user_agent)
                    .field("response_body_limit", &self.response_body_limit)
                    .field("http", &self.http)
                    .finish()
            }
        }

        impl<K: kind::TokenKind> #builder<K> {
            /// Sends requests to another base URL, e.g. a local server; a trailing `/` is ignored.
            pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
                self.base_url = base_url.into();
                self
            }

            /// Limits each attempt of a request, body included, to this duration.
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.timeout = Some(timeout);
                self
            }

            /// Lets requests take as long as they take (for very long calls).
            pub fn no_timeout(mut self) -> Self {
                self.timeout = None;
                self
            }

            /// Replaces the retry policy; [`RetryPolicy::NEVER`] disables retries.
            pub fn retry(mut self, retry: RetryPolicy) -> Self {
                self.retry = retry;
                self
            }

            /// Replaces the `User-Agent` header (of the HTTP client the SDK builds; your own
            /// client from [`http_client`](Self::http_client) sends its own).
            pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
                self.user_agent = user_agent.into();
                self
            }

            #body_limit_doc
            pub fn response_body_limit(mut self, bytes: u64) -> Self {
                self.response_body_limit = bytes;
                self
            }

            #configure_http_doc
            pub fn configure_http(
                mut self,
                configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
            ) -> Self {
                self.http = HttpSetup::Configured(Arc::new(configure));
                self
            }

            #http_client_doc
            pub fn http_client(mut self, client: reqwest::Client) -> Self {
                self.http = HttpSetup::Given(client);
                self
            }

            /// Answers every call from the rules of `mocks` instead of the network (the
            /// `test-util` feature): no HTTP client is built and nothing leaves the process.
            /// Everything else works as it does over HTTP: the token kind, preconditions and
            /// hookId are checked, retries, timeouts and the body limit apply, and responses
            /// are decoded the same way. Replaces an earlier
            /// [`http_client`](Self::http_client) or [`configure_http`](Self::configure_http).
            /// Example: [`mock`](crate::mock).
            #[cfg(feature = "test-util")]
            pub fn mock(mut self, mocks: &crate::mock::Mocks) -> Self {
                self.http = HttpSetup::Mock(std::sync::Arc::clone(&mocks.registry));
                self
            }

            /// Checks the settings and builds the client.
            pub fn build(self) -> Result<#client<K>, Error> {
                let credentials = (self.token.into_dynamic(), self.hook_id);
                let http = (self.http, self.user_agent.as_str());
                let transport = Transport::new(credentials, &self.base_url, self.timeout, self.retry, http)?;
                let transport = transport.with_body_limit(self.response_body_limit)?;
                Ok(#client { transport: Arc::new(transport), options: RequestOptions::default(), kind: PhantomData })
            }
        }
    }
}
