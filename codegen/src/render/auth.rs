//! `src/auth.rs`: the auth modes, the credential types and where they travel (the runtime's
//! `credentials` gives them behaviour); `src/tokens.rs`: the token constructors of each mode.

use super::{capitalize, deprecated, doc, with_article};
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let auth = &api.auth;
    let hook = &api.hook;
    let variants: Vec<_> = auth.modes.iter().map(|m| ident(&m.variant)).collect();
    let variant_docs = auth.modes.iter().map(|m| {
        let mut text = format!("{}: {}", capitalize(&m.name), m.description);
        if let Some(prefix) = &m.prefix {
            text.push_str(&format!("\n\nTokens of this kind start with `{prefix}`."));
        }
        if let Some(note) = &m.deprecated {
            text.push_str(&format!("\n\n**Deprecated:** {note}"));
        }
        doc(&text)
    });
    let ids = auth.modes.iter().map(|m| &m.id);
    let names = auth.modes.iter().map(|m| &m.name);
    let prefixes = auth.modes.iter().map(|m| match &m.prefix {
        Some(p) => quote!(Some(#p)),
        None => quote!(None),
    });
    let deprecations = auth.modes.iter().map(|m| m.deprecated.is_some());
    let unprefixed = auth.unprefixed.and_then(|i| auth.modes.get(i));
    let unknown_prefix = format!(
        "the token starts with no known prefix ({}); create it with the constructor of its kind",
        auth.modes
            .iter()
            .filter_map(|m| m.prefix.as_ref().map(|p| format!("`{p}`")))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // With an `unprefixed` mode every token has a kind; without one, `Token::new` can refuse it.
    let fallback = match unprefixed {
        Some(m) => {
            let variant = ident(&m.variant);
            quote!(Ok(mode.unwrap_or(AuthMode::#variant)))
        }
        None => quote!(mode.ok_or(#unknown_prefix)),
    };

    let header = &auth.header;
    let scheme = match &auth.scheme {
        Some(s) => format!("{s} "),
        None => String::new(),
    };
    let token_env = &auth.env;
    let token_doc = doc(&format!(
        "A credential for the `{header}` header, with its kind.\n\n\
         Its `Debug` and `Display` show only a masked prefix (such as `{}`), never the secret.\n\n\
         The type parameter says whether the kind is known when the program is compiled: a \
         constructor of one kind (`Token::{}(…)`) gives a `Token<kind::{}>`, whose client offers only \
         the operations that kind may call; [`Token::new`] (the kind read from the prefix at run time) \
         gives a `Token<kind::Dynamic>`, whose client offers every operation and checks the kind \
         before sending. [`Token::typed`] and [`Token::into_dynamic`] convert between the two.",
        masked_example(auth),
        auth.modes.first().map_or("new", |m| m.constructor.as_str()),
        auth.modes.first().map_or("Dynamic", |m| m.variant.as_str()),
    ));
    let kinds = kinds(auth);
    let hook_doc = doc(&format!(
        "{}\n\nChecked on construction: not empty, only visible ASCII. Its `Debug` shows it masked.",
        hook.description
    ));
    let hook_header = &hook.header;
    let hook_body = &hook.body_field;
    let hook_query = &hook.query;
    let hook_env = &hook.env;

    quote! {
        //! Credentials as the spec declares them: the kinds of token the API accepts, the token
        //! and the channel hookId, and where they travel.

        use reqwest::header::HeaderValue;

        /// The kinds of token the API accepts. Each operation accepts some of them; calling one
        /// with a token of another kind fails before anything is sent.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum AuthMode {
            #(#variant_docs #variants,)*
        }

        impl AuthMode {
            /// Every kind, in the spec's order.
            pub const ALL: &'static [AuthMode] = &[#(AuthMode::#variants),*];

            /// The spec's id of this kind.
            pub const fn id(self) -> &'static str {
                match self { #(AuthMode::#variants => #ids,)* }
            }

            /// A human name for this kind.
            pub const fn name(self) -> &'static str {
                match self { #(AuthMode::#variants => #names,)* }
            }

            /// The prefix every token of this kind starts with, if the kind has one.
            pub const fn prefix(self) -> Option<&'static str> {
                match self { #(AuthMode::#variants => #prefixes,)* }
            }

            /// Whether this kind of token is deprecated.
            pub const fn is_deprecated(self) -> bool {
                match self { #(AuthMode::#variants => #deprecations,)* }
            }

            /// The kind a token's prefix tells, or why it cannot be told.
            pub(crate) fn detect(secret: &str) -> Result<AuthMode, &'static str> {
                let mode = AuthMode::ALL
                    .iter()
                    .copied()
                    .find(|mode| mode.prefix().is_some_and(|prefix| secret.starts_with(prefix)));
                #fallback
            }
        }

        impl std::fmt::Display for AuthMode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        #kinds

        #token_doc
        pub struct Token<K = kind::Dynamic> {
            pub(crate) secret: String,
            pub(crate) header: HeaderValue,
            pub(crate) masked: String,
            pub(crate) mode: AuthMode,
            pub(crate) kind: std::marker::PhantomData<fn() -> K>,
        }

        impl Token {
            /// The header the token travels in.
            pub(crate) const HEADER: &'static str = #header;
            /// What precedes the token in the header (the scheme and a space, if any).
            pub(crate) const SCHEME_PREFIX: &'static str = #scheme;
            /// The environment variable `from_env` reads the token from.
            pub const ENV: &'static str = #token_env;
        }

        #hook_doc
        #[derive(Clone, PartialEq, Eq)]
        pub struct HookId {
            pub(crate) value: String,
            pub(crate) header: HeaderValue,
        }

        impl HookId {
            /// The header the hookId travels in, for operations that send it as a header.
            pub(crate) const HEADER: &'static str = #hook_header;
            /// The JSON body field, for operations that send it in the body.
            pub(crate) const BODY_FIELD: &'static str = #hook_body;
            /// The query parameter, for operations that send it in the query.
            pub(crate) const QUERY: &'static str = #hook_query;
            /// The environment variable `from_env` reads the hookId from.
            pub const ENV: &'static str = #hook_env;
        }
    }
}

/// `src/tokens.rs`: `Token::new`, which tells the kind from the prefix, and one constructor per mode.
pub(super) fn render_tokens(api: &ir::Api) -> TokenStream {
    let auth = &api.auth;
    let unprefixed = auth.unprefixed.and_then(|i| auth.modes.get(i));
    let constructors = auth.modes.iter().map(|m| {
        let name = ident(&m.constructor);
        let variant = ident(&m.variant);
        let mut text = format!(
            "{}, checked: not empty, only visible ASCII",
            capitalize(&with_article(&m.name))
        );
        match &m.prefix {
            Some(prefix) => text.push_str(&format!(", starting with `{prefix}`.")),
            None => text.push('.'),
        }
        text.push_str(&format!(
            " Its kind is part of its type: a client built from it offers only the operations \
             that accept {}.",
            with_article(&m.name)
        ));
        let docs = doc(&text);
        let deprecation = deprecated(m.deprecated.as_ref());
        quote! {
            #docs
            #deprecation
            pub fn #name(secret: impl Into<String>) -> Result<Token<kind::#variant>, Error> {
                Self::with_mode(secret.into(), AuthMode::#variant).map(Token::assume_kind)
            }
        }
    });

    let prefixes_known: Vec<String> = auth
        .modes
        .iter()
        .filter_map(|m| m.prefix.as_ref().map(|p| format!("`{p}` → {}", m.name)))
        .collect();
    let detect_doc = doc(&match (prefixes_known.is_empty(), unprefixed) {
        (true, Some(m)) => format!("A token, taken to be {} (no kind has a prefix to tell them apart).", with_article(&m.name)),
        (false, Some(m)) => format!(
            "A token whose kind is read from its prefix ({}); a token with no known prefix is {}.",
            prefixes_known.join(", "),
            with_article(&m.name)
        ),
        (_, None) => format!(
            "A token whose kind is read from its prefix ({}); a token with no known prefix is refused \
             (state its kind with the constructor of its mode).",
            prefixes_known.join(", ")
        ),
    });
    quote! {
        //! The token constructors, one per kind of token the spec declares.

        use crate::auth::{kind, AuthMode, Token};
        use crate::error::Error;

        impl Token {
            #detect_doc
            pub fn new(secret: impl Into<String>) -> Result<Self, Error> {
                let secret = secret.into();
                let mode = AuthMode::detect(&secret)
                    .map_err(|reason| Error::InvalidCredential(reason.to_owned()))?;
                Self::with_mode(secret, mode)
            }

            #(#constructors)*
        }
    }
}

/// `auth::kind`: a type per mode and `Dynamic`, for the client's type parameter.
fn kinds(auth: &ir::Auth) -> TokenStream {
    let markers = auth.modes.iter().map(|m| {
        let marker = ident(&m.variant);
        let mut text = format!(
            "The kind of a client built from {} (`Token::{}`): it offers only the operations that accept it.",
            with_article(&m.name),
            m.constructor
        );
        if let Some(note) = &m.deprecated {
            text.push_str(&format!("\n\n**Deprecated:** {note}"));
        }
        let docs = doc(&text);
        quote! {
            #docs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum #marker {}

            impl sealed::Sealed for #marker {}
            impl TokenKind for #marker {
                const MODE: Option<AuthMode> = Some(AuthMode::#marker);
            }
        }
    });
    quote! {
        /// Token kinds as types, for the client's type parameter: a client whose kind is known when
        /// it is built offers only the operations that kind may call, so a call the API would refuse
        /// does not compile.
        pub mod kind {
            use super::AuthMode;

            mod sealed {
                pub trait Sealed {}
            }

            /// A kind of token as a type. Sealed: the kinds are the spec's and [`Dynamic`].
            pub trait TokenKind: sealed::Sealed + Send + Sync + 'static {
                /// The kind, or `None` for [`Dynamic`].
                const MODE: Option<AuthMode>;
            }

            #(#markers)*

            /// The kind of a client whose token kind is known only at run time (`Token::new`,
            /// `from_env`): it offers every operation and checks the kind before sending, failing
            /// with `Error::AuthModeNotAccepted`. The default, so that it need not be written.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum Dynamic {}

            impl sealed::Sealed for Dynamic {}
            impl TokenKind for Dynamic {
                const MODE: Option<AuthMode> = None;
            }
        }
    }
}

/// How a typical token of the first prefixed mode prints, for the docs.
fn masked_example(auth: &ir::Auth) -> String {
    match auth.modes.iter().find_map(|m| m.prefix.as_ref()) {
        Some(prefix) => format!("{prefix}kcnlto8e…"),
        None => "kcnlto8e…".to_owned(),
    }
}
