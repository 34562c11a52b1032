//! `src/error.rs`: the error enum, with one variant per spec error class, and the API error body.

use super::{capitalize, doc};
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render(api: &ir::Api) -> TokenStream {
    let class_variants = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        let docs = doc(&class_doc(class));
        // Braces in spec text must not be read as format placeholders.
        let message = format!(
            "{} ({{0}}). {}",
            escape(&class.summary),
            escape(&hint_sentence(&class.hints))
        );
        quote! {
            #docs
            #[error(#message)]
            #variant(ApiError),
        }
    });
    let class_checks = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        let status = class.status;
        let text_check = class
            .message_contains
            .as_ref()
            .map(|needle| quote!(&& text.contains(#needle)));
        quote! {
            if api.status == #status #text_check {
                return Error::#variant(api);
            }
        }
    });
    let text = api
        .errors
        .iter()
        .any(|c| c.message_contains.is_some())
        .then(|| quote!(let text = api.message.as_deref().unwrap_or(&api.body).to_lowercase();));
    let class_arms = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        quote!(Error::#variant(api) => Some(api),)
    });

    let classes = error_classes(api);
    quote! {
        //! Everything that can go wrong, as one enum. API errors keep their status and raw body.

        pub use crate::api_error::ApiError;
        use crate::auth::AuthMode;
        use std::time::Duration;

        /// An error from the client: configuration, credentials, the API's answer, or the network.
        ///
        /// Match on the variants to handle a case; every variant's `Display` says what to do next.
        /// No variant ever contains a token, only its masked form: text from the server is masked
        /// when the error is made, whole or cut, as is or escaped.
        #[derive(Debug, thiserror::Error)]
        #[non_exhaustive]
        pub enum Error {
            /// The client was configured wrongly (a missing environment variable, a bad base URL, …).
            #[error("configuration error: {0}")]
            Config(String),
            /// A token or hookId failed validation before anything was sent.
            #[error("invalid credential: {0}")]
            InvalidCredential(String),
            /// The operation does not accept the client's kind of token; nothing was sent.
            #[error(
                "`{operation}` does not accept the client's token ({}); it accepts {}. Build the client with a token of an accepted kind",
                crate::text::with_article(mode.name()),
                kinds_phrase(accepted)
            )]
            AuthModeNotAccepted {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// The kind of token the client holds.
                mode: AuthMode,
                /// The kinds the operation accepts.
                accepted: &'static [AuthMode],
            },
            /// The arguments miss something the operation needs; nothing was sent.
            #[error("`{operation}` was not sent: {message}")]
            Precondition {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// What is missing.
                message: String,
            },
            /// A request body or query could not be encoded as JSON.
            #[error("could not encode the request as JSON: {0}")]
            Encode(#[source] serde_json::Error),
            #(#class_variants)*
            /// Any other non-success HTTP status.
            #[error("the API returned an error ({0})")]
            Api(ApiError),
            /// The API answered with a success status, but its envelope says the call failed.
            #[error("the API reported a failure ({0})")]
            Unsuccessful(ApiError),
            /// The whole request, body included, took longer than the client's timeout.
            #[error("`{operation}` timed out after {after:?}; raise the timeout with the client builder's `timeout` if the call is expected to be slow")]
            Timeout {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// The timeout that was exceeded.
                after: Duration,
            },
            /// The request could not be sent or the response could not be read, or the server
            /// redirected in a loop.
            #[error("`{operation}` could not reach the API: {}; check the base URL and the network", crate::text::causes(source))]
            Transport {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// The underlying HTTP client error.
                #[source]
                source: reqwest::Error,
            },
            /// The API redirected the call away from the base URL's origin, or to anywhere while
            /// redirects are off (your own HTTP client built with `redirect::Policy::none()`), and
            /// the answer was not used. Redirects are followed only within the origin, so that
            /// credentials stay there.
            #[error("`{operation}` was redirected (HTTP {status}) to {location}, and the client follows redirects only within the base URL's origin so that credentials stay there; set the base URL to the address the API redirects to")]
            Redirect {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// HTTP status of the response: the redirect's, or, when your own HTTP client
                /// followed it, the final one.
                status: u16,
                /// Where the redirect pointed, without query: an origin and path, or an origin.
                location: String,
            },
            /// A `…_all` listing stopped because the server's pages do not add up (a page other
            /// than the one asked for, a page repeated, a page size of zero or less): fetching on
            /// could loop forever. The items already returned are valid.
            #[error("`{operation}` listing stopped at page {page}: {reason}; the server does not page as expected, so fetch pages one by one with the list operation itself")]
            Pagination {
                /// The list operation, as `resource.operation`.
                operation: &'static str,
                /// The page that was asked for.
                page: i64,
                /// What did not add up.
                reason: String,
            },
            /// The response body was longer than the client's limit: refused unread when its
            /// `Content-Length` said so, else cut off at the limit.
            #[error("`{operation}`: the response (HTTP {status}) is longer than the limit of {limit} bytes, so the client stopped reading it; raise the limit with the client builder's `response_body_limit` if such answers are expected")]
            BodyTooLarge {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// HTTP status of the response.
                status: u16,
                /// The limit, in bytes.
                limit: u64,
            },
            /// The response was not the JSON the operation expects.
            #[error("could not decode the response (HTTP {status}): {message}; the body starts with: {snippet}")]
            Decode {
                /// HTTP status of the response.
                status: u16,
                /// What did not match.
                message: String,
                /// The start of the response body.
                snippet: String,
            },
        }

        /// "a personal access token or an API token", for a list of kinds.
        fn kinds_phrase(modes: &[AuthMode]) -> String {
            crate::text::or_list(modes.iter().map(|mode| crate::text::with_article(mode.name())))
        }

        impl Error {
            /// Classifies a non-success response by status and message, in the spec's order.
            pub(crate) fn from_response(api: ApiError) -> Self {
                #text
                #(#class_checks)*
                Error::Api(api)
            }

            /// The HTTP status, for errors that come from an API response.
            pub fn status(&self) -> Option<u16> {
                match self {
                    Error::Decode { status, .. } | Error::Redirect { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
                    other => other.api_error().map(|api| api.status),
                }
            }

            /// Whether retrying the same call may succeed: a connection error (not a redirect
            /// loop), or HTTP 408, 429, 500, 502, 503 or 504 with a body under the limit.
            pub fn is_retryable(&self) -> bool {
                match self {
                    Error::Transport { source, .. } => !source.is_redirect(),
                    Error::Decode { .. } | Error::Unsuccessful(_) | Error::Redirect { .. } | Error::BodyTooLarge { .. } => false,
                    other => other.status().is_some_and(|status| matches!(status, 408 | 429 | 500 | 502 | 503 | 504)),
                }
            }

            /// The server's request id (`x-request-id`), for errors from a response that carried one.
            pub fn request_id(&self) -> Option<&str> {
                self.api_error().and_then(ApiError::request_id)
            }

            /// The API's error response, for errors that come from one.
            pub fn api_error(&self) -> Option<&ApiError> {
                match self {
                    #(#class_arms)*
                    Error::Api(api) | Error::Unsuccessful(api) => Some(api),
                    _ => None,
                }
            }
        }

        #classes
    }
}

/// The spec's error classes as values, for test doubles to answer with (`test-util`): each
/// with the status and message `from_response` classifies as it.
fn error_classes(api: &ir::Api) -> TokenStream {
    let variants = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        let docs = doc(&format!(
            "Answers as [`Error::{}`]: {}",
            class.variant,
            class_doc(class)
        ));
        quote!(#docs #variant,)
    });
    let all = api.errors.iter().map(|class| ident(&class.variant));
    let responses = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        let status = class.status;
        let message = class.message_contains.as_ref().unwrap_or(&class.summary);
        quote!(ErrorClass::#variant => (#status, #message),)
    });
    quote! {
        /// An error class of the spec, for a test double's answer (`mock::Answer::error`).
        #[cfg(feature = "test-util")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorClass {
            #(#variants)*
        }

        #[cfg(feature = "test-util")]
        impl ErrorClass {
            /// Every class, in the spec's order.
            pub const ALL: &'static [ErrorClass] = &[#(ErrorClass::#all),*];

            /// The status and message of a response of this class.
            pub(crate) fn response(self) -> (u16, &'static str) {
                match self {
                    #(#responses)*
                }
            }
        }
    }
}

fn class_doc(class: &ir::ErrorClass) -> String {
    let when = match &class.message_contains {
        Some(text) => format!("HTTP {} whose message contains \"{text}\"", class.status),
        None => format!("HTTP {}", class.status),
    };
    let mut doc = format!("{} ({when}).", capitalize(&class.summary));
    if !class.hints.is_empty() {
        doc.push_str("\n\nWhat to check:");
        for hint in &class.hints {
            doc.push_str(&format!("\n- {hint}"));
        }
    }
    doc
}

fn hint_sentence(hints: &[String]) -> String {
    if hints.is_empty() {
        "See the API documentation.".to_owned()
    } else {
        format!("Hints: {}.", hints.join("; "))
    }
}

fn escape(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}
