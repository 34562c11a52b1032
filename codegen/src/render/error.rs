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
        let message = format!("{} ({{0}}). {}", escape(&class.summary), escape(&hint_sentence(&class.hints)));
        quote! {
            #docs
            #[error(#message)]
            #variant(ApiError),
        }
    });
    let class_checks = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        let status = class.status;
        let text_check = class.message_contains.as_ref().map(|needle| quote!(&& text.contains(#needle)));
        quote! {
            if api.status == #status #text_check {
                return Error::#variant(api);
            }
        }
    });
    let text = api.errors.iter().any(|c| c.message_contains.is_some()).then(|| {
        quote!(let text = api.message.as_deref().unwrap_or(&api.body).to_lowercase();)
    });
    let class_arms = api.errors.iter().map(|class| {
        let variant = ident(&class.variant);
        quote!(Error::#variant(api) => Some(api),)
    });

    quote! {
        //! Everything that can go wrong, as one enum. API errors keep their status and raw body.

        use crate::auth::AuthMode;
        use std::time::Duration;

        /// An error from the client: configuration, credentials, the API's answer, or the network.
        ///
        /// Match on the variants to handle a case; every variant's `Display` says what to do next.
        /// No variant ever contains a token, only its masked form.
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
                crate::runtime::with_article(mode.name()),
                crate::auth::modes_phrase(accepted)
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
            /// The request could not be sent or the response could not be read.
            #[error("`{operation}` could not reach the API: {}; check the base URL and the network", crate::error::causes(source))]
            Transport {
                /// The operation, as `resource.operation`.
                operation: &'static str,
                /// The underlying HTTP client error.
                #[source]
                source: reqwest::Error,
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
                    Error::Decode { status, .. } => Some(*status),
                    other => other.api_error().map(|api| api.status),
                }
            }

            /// Whether retrying the same call may succeed: a connection error, or HTTP 408, 429,
            /// 500, 502, 503 or 504.
            pub fn is_retryable(&self) -> bool {
                match self {
                    Error::Transport { .. } => true,
                    Error::Decode { .. } | Error::Unsuccessful(_) => false,
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

        /// An error response from the API: its status, its message (from `message`, `error` or
        /// `error.message`), its raw body (with the client's token masked, should the server echo it)
        /// and the request id and `Retry-After` it carried.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct ApiError {
            status: u16,
            message: Option<String>,
            body: String,
            request_id: Option<String>,
            retry_after: Option<Duration>,
        }

        impl ApiError {
            pub(crate) fn new(status: u16, body: &[u8], request_id: Option<String>, retry_after: Option<Duration>) -> Self {
                let message = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|json| {
                    json.get("message")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                        .or_else(|| crate::runtime::error_text(json.get("error")))
                });
                ApiError { status, message, body: String::from_utf8_lossy(body).into_owned(), request_id, retry_after }
            }

            pub(crate) fn with_message(mut self, message: Option<String>) -> Self {
                self.message = message;
                self
            }

            pub(crate) fn redacted(self, token: &crate::auth::Token) -> Self {
                ApiError {
                    message: self.message.map(|m| token.redact(&m)),
                    body: token.redact(&self.body),
                    ..self
                }
            }

            /// HTTP status code.
            pub fn status(&self) -> u16 {
                self.status
            }

            /// The error message the API sent, if the body carried one.
            pub fn message(&self) -> Option<&str> {
                self.message.as_deref()
            }

            /// The raw response body.
            pub fn body(&self) -> &str {
                &self.body
            }

            /// The server's request id (`x-request-id` header), for support requests.
            pub fn request_id(&self) -> Option<&str> {
                self.request_id.as_deref()
            }

            /// How long the server asked to wait before retrying (`Retry-After`), if it said.
            pub fn retry_after(&self) -> Option<Duration> {
                self.retry_after
            }
        }

        impl std::fmt::Display for ApiError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "HTTP {}", self.status)?;
                if let Some(id) = &self.request_id {
                    write!(f, " (request id {id})")?;
                }
                match &self.message {
                    Some(message) => write!(f, ": {message}"),
                    None if self.body.trim().is_empty() => f.write_str(" with an empty body"),
                    None => write!(f, ": {}", crate::runtime::snippet(&self.body, 200)),
                }
            }
        }

        /// An error and its causes, joined, for messages that should say why.
        pub(crate) fn causes(error: &dyn std::error::Error) -> String {
            let mut text = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
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
