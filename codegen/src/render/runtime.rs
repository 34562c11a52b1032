//! `src/runtime.rs`: the request core, the same for every spec. Everything spec-specific it needs
//! (header names, modes, error classes) it reads from `crate::auth` and `crate::error`.

use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn render() -> TokenStream {
    quote! {
        //! The request core shared by every operation: auth enforcement, hookId placement,
        //! sending, envelope unwrapping and error mapping. It does not depend on the spec, so a
        //! spec may leave parts of it unused.
        #![allow(dead_code)]

        use crate::auth::{AuthMode, HookId, Token};
        use crate::error::{ApiError, Error};
        use serde::de::DeserializeOwned;
        use serde_json::Value;
        use std::time::Duration;

        /// Where an operation sends the hookId.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum HookPlacement {
            /// In the hook header.
            Header,
            /// As a field of the JSON body.
            Body,
            /// As a query parameter.
            Query,
            /// Not at all.
            None,
        }

        /// A response wrapper: a success flag, an optional error text and an optional payload field.
        #[derive(Debug)]
        pub(crate) struct Envelope {
            /// Boolean field that must be `true` for the call to have succeeded.
            pub(crate) success: &'static str,
            /// Field carrying the error text when `success` is not `true`.
            pub(crate) error: Option<&'static str>,
            /// Field holding the payload; without one, the whole body is the payload.
            pub(crate) data: Option<&'static str>,
        }

        /// What the request core needs to know about one operation.
        #[derive(Debug)]
        pub(crate) struct Operation {
            /// `resource.operation`, as in the spec.
            pub(crate) id: &'static str,
            /// HTTP method.
            pub(crate) method: reqwest::Method,
            /// Auth modes the operation accepts.
            pub(crate) accepts: &'static [AuthMode],
            /// Where the hookId goes.
            pub(crate) hook: HookPlacement,
            /// The wrapper to unwrap from the response, if any.
            pub(crate) envelope: Option<&'static Envelope>,
            /// Query parameters sent with these values when the caller leaves them unset.
            pub(crate) defaults: &'static [(&'static str, &'static str)],
            /// Query parameters or body fields of which at least one must be set.
            pub(crate) any_of: &'static [&'static str],
            /// Query parameters or body fields that must be set and not empty.
            pub(crate) non_empty: &'static [&'static str],
        }

        impl Operation {
            /// Checks the spec's preconditions on the serialized query and body.
            fn check_inputs(&self, query: Option<&Value>, body: Option<&Value>) -> Result<(), Error> {
                let given = |name: &str| {
                    let value = query.and_then(|q| q.get(name)).or_else(|| body.and_then(|b| b.get(name)));
                    match value {
                        None | Some(Value::Null) => false,
                        Some(Value::String(text)) => !text.is_empty(),
                        Some(Value::Array(items)) => !items.is_empty(),
                        Some(Value::Object(fields)) => !fields.is_empty(),
                        Some(_) => true,
                    }
                };
                let quoted = |names: &[&str]| names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ");
                if !self.any_of.is_empty() && !self.any_of.iter().any(|name| given(name)) {
                    return Err(Error::Precondition { operation: self.id, message: format!("set {}", quoted(self.any_of)) });
                }
                if let Some(missing) = self.non_empty.iter().find(|name| !given(name)) {
                    return Err(Error::Precondition { operation: self.id, message: format!("`{missing}` must be set and not empty") });
                }
                Ok(())
            }
        }

        /// Connection settings and credentials shared by every resource handle of a client.
        pub(crate) struct Transport {
            http: reqwest::Client,
            base_url: String,
            token: Token,
            hook_id: HookId,
            timeout: Duration,
        }

        impl std::fmt::Debug for Transport {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Transport")
                    .field("base_url", &self.base_url)
                    .field("token", &self.token)
                    .field("hook_id", &self.hook_id)
                    .field("timeout", &self.timeout)
                    .finish()
            }
        }

        impl Transport {
            /// Checks the base URL and builds the HTTP client.
            pub(crate) fn new(
                token: Token,
                hook_id: HookId,
                base_url: &str,
                timeout: Duration,
                user_agent: &str,
            ) -> Result<Self, Error> {
                let base_url = base_url.trim_end_matches('/');
                let parsed = reqwest::Url::parse(base_url).map_err(|e| {
                    Error::Config(format!("base URL `{base_url}` is not a valid URL ({e}); write it like `https://host/prefix`"))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(Error::Config(format!("base URL `{base_url}` must use http or https")));
                }
                if parsed.query().is_some() || parsed.fragment().is_some() {
                    return Err(Error::Config(format!("base URL `{base_url}` must not have a query or fragment")));
                }
                if timeout.is_zero() {
                    return Err(Error::Config("the timeout must be greater than zero".to_owned()));
                }
                let http = reqwest::Client::builder()
                    .timeout(timeout)
                    .user_agent(user_agent)
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
                Ok(Transport { http, base_url: base_url.to_owned(), token, hook_id, timeout })
            }

            /// The base URL, without a trailing slash.
            pub(crate) fn base_url(&self) -> &str {
                &self.base_url
            }

            /// The credential every request carries.
            pub(crate) fn token(&self) -> &Token {
                &self.token
            }

            /// Sends one request and decodes the response (unwrapping the envelope, if any).
            pub(crate) async fn send<T: DeserializeOwned>(
                &self,
                op: &Operation,
                path: String,
                query: Option<Value>,
                body: Option<Value>,
            ) -> Result<T, Error> {
                let (status, bytes) = self.execute(op, path, query, body).await?;
                decode(op, status, &bytes).map(|(_, value)| value)
            }

            async fn execute(
                &self,
                op: &Operation,
                path: String,
                query: Option<Value>,
                mut body: Option<Value>,
            ) -> Result<(u16, Vec<u8>), Error> {
                let mode = self.token.mode();
                if !op.accepts.contains(&mode) {
                    return Err(Error::AuthModeNotAccepted { operation: op.id, mode, accepted: op.accepts });
                }
                op.check_inputs(query.as_ref(), body.as_ref())?;
                let mut pairs = query_pairs(query);
                for (name, value) in op.defaults {
                    if !pairs.iter().any(|(given, _)| given == name) {
                        pairs.push(((*name).to_owned(), (*value).to_owned()));
                    }
                }
                let mut request = self
                    .http
                    .request(op.method.clone(), format!("{}{}", self.base_url, path))
                    .header(Token::HEADER, self.token.header_value().clone())
                    .header(reqwest::header::ACCEPT, "application/json");
                match op.hook {
                    HookPlacement::Header => request = request.header(HookId::HEADER, self.hook_id.header_value().clone()),
                    HookPlacement::Query => pairs.push((HookId::QUERY.to_owned(), self.hook_id.as_str().to_owned())),
                    HookPlacement::Body => body = Some(with_hook_id(body, &self.hook_id)),
                    HookPlacement::None => {}
                }
                if !pairs.is_empty() {
                    request = request.query(&pairs);
                }
                if let Some(body) = body {
                    let bytes = serde_json::to_vec(&body).map_err(Error::Encode)?;
                    request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes);
                }
                let response = request.send().await.map_err(|e| self.transport_error(op, e))?;
                let status = response.status().as_u16();
                let bytes = response.bytes().await.map_err(|e| self.transport_error(op, e))?;
                if !(200..300).contains(&status) {
                    return Err(Error::from_response(ApiError::new(status, &bytes)));
                }
                Ok((status, bytes.to_vec()))
            }

            fn transport_error(&self, op: &Operation, error: reqwest::Error) -> Error {
                if error.is_timeout() {
                    Error::Timeout { operation: op.id, after: self.timeout }
                } else {
                    Error::Transport { operation: op.id, source: error.without_url() }
                }
            }
        }

        /// Adds the hookId to a JSON object body, keeping every field the caller set.
        fn with_hook_id(body: Option<Value>, hook_id: &HookId) -> Value {
            let mut object = match body {
                Some(Value::Object(object)) => object,
                _ => serde_json::Map::new(),
            };
            object.entry(HookId::BODY_FIELD).or_insert_with(|| Value::String(hook_id.as_str().to_owned()));
            Value::Object(object)
        }

        /// Query pairs from a serialized query struct; unset (null) parameters are left out.
        fn query_pairs(query: Option<Value>) -> Vec<(String, String)> {
            let Some(Value::Object(object)) = query else {
                return Vec::new();
            };
            object
                .into_iter()
                .filter_map(|(name, value)| match value {
                    Value::Null => None,
                    Value::String(text) => Some((name, text)),
                    other => Some((name, other.to_string())),
                })
                .collect()
        }

        /// Decodes a success response, unwrapping the envelope if the operation has one.
        fn decode<T: DeserializeOwned>(op: &Operation, status: u16, bytes: &[u8]) -> Result<(u16, T), Error> {
            let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { bytes };
            let Some(envelope) = op.envelope else {
                return serde_json::from_slice(text).map(|value| (status, value)).map_err(|e| Error::decode(status, &e, bytes));
            };
            let mut value: Value = serde_json::from_slice(text).map_err(|e| Error::decode(status, &e, bytes))?;
            if value.get(envelope.success).and_then(Value::as_bool) != Some(true) {
                let message = envelope.error.and_then(|field| error_text(value.get(field)));
                return Err(Error::Unsuccessful(ApiError::with_message(status, message, bytes)));
            }
            let payload = match envelope.data {
                Some(field) => value.get_mut(field).map(Value::take).unwrap_or(Value::Null),
                None => value,
            };
            serde_json::from_value(payload).map(|value| (status, value)).map_err(|e| Error::decode(status, &e, bytes))
        }

        /// Where a list operation's paging fields are.
        #[derive(Debug)]
        pub(crate) struct Paging {
            /// Request field holding the 1-based page number.
            pub(crate) page: &'static str,
            /// Request field holding the page size.
            pub(crate) limit: &'static str,
            /// Whether the request fields are query parameters (else body fields).
            pub(crate) in_query: bool,
            /// Response field holding the items.
            pub(crate) items: &'static str,
            /// Response field holding the total number of items.
            pub(crate) total: &'static str,
        }

        /// Every item of a page/limit list, fetched one page at a time as they are consumed.
        ///
        /// The next page is requested while `page × limit < total`; an empty page ends the list.
        /// Call [`next`](Self::next) in a loop, or [`collect`](Self::collect) for all items.
        pub struct Pages<'a, T> {
            transport: &'a Transport,
            op: &'static Operation,
            paging: &'static Paging,
            path: String,
            query: Option<Value>,
            body: Option<Value>,
            next_page: Option<i64>,
            buffer: std::collections::VecDeque<T>,
            error: Option<Error>,
        }

        impl<'a, T> std::fmt::Debug for Pages<'a, T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Pages")
                    .field("operation", &self.op.id)
                    .field("next_page", &self.next_page)
                    .field("buffered", &self.buffer.len())
                    .finish()
            }
        }

        impl<'a, T: DeserializeOwned> Pages<'a, T> {
            pub(crate) fn new(
                transport: &'a Transport,
                op: &'static Operation,
                paging: &'static Paging,
                path: String,
                query: Result<Option<Value>, Error>,
                body: Result<Option<Value>, Error>,
            ) -> Self {
                let (query, body, error) = match (query, body) {
                    (Ok(query), Ok(body)) => (query, body, None),
                    (Err(error), _) | (_, Err(error)) => (None, None, Some(error)),
                };
                let request = if paging.in_query { &query } else { &body };
                let first = request.as_ref().and_then(|r| r.get(paging.page)).and_then(Value::as_i64).unwrap_or(1);
                Pages { transport, op, paging, path, query, body, next_page: Some(first), buffer: Default::default(), error }
            }

            /// The next item, fetching the next page when the current one is used up;
            /// `Ok(None)` after the last item. After an error, the list ends.
            pub async fn next(&mut self) -> Result<Option<T>, Error> {
                loop {
                    if let Some(item) = self.buffer.pop_front() {
                        return Ok(Some(item));
                    }
                    match self.next_page().await? {
                        Some(items) => self.buffer.extend(items),
                        None => return Ok(None),
                    }
                }
            }

            /// The next whole page of items; `Ok(None)` after the last page.
            pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
                if let Some(error) = self.error.take() {
                    self.next_page = None;
                    return Err(error);
                }
                let Some(page) = self.next_page.take() else {
                    return Ok(None);
                };
                let paging = self.paging;
                let request = if paging.in_query { &mut self.query } else { &mut self.body };
                let object = request.get_or_insert_with(|| Value::Object(Default::default()));
                if let Value::Object(fields) = object {
                    fields.insert(paging.page.to_owned(), Value::from(page));
                }
                let (status, bytes) = self.transport.execute(self.op, self.path.clone(), self.query.clone(), self.body.clone()).await?;
                let (status, mut response) = decode::<Value>(self.op, status, &bytes)?;
                let items = response.get_mut(paging.items).map(Value::take).unwrap_or(Value::Null);
                let items: Vec<T> = serde_json::from_value(items).map_err(|e| Error::decode(status, &e, &bytes))?;
                let number = |field: &str| response.get(field).and_then(Value::as_i64);
                let limit = number(paging.limit).unwrap_or(items.len() as i64);
                if !items.is_empty() && number(paging.total).is_some_and(|total| page.saturating_mul(limit) < total) {
                    self.next_page = Some(page + 1);
                }
                Ok(Some(items))
            }

            /// Every remaining item, in order.
            pub async fn collect(mut self) -> Result<Vec<T>, Error> {
                let mut all: Vec<T> = self.buffer.drain(..).collect();
                while let Some(items) = self.next_page().await? {
                    all.extend(items);
                }
                Ok(all)
            }
        }

        /// The text of an error field: a string, or an object's `message`.
        pub(crate) fn error_text(value: Option<&Value>) -> Option<String> {
            match value? {
                Value::String(text) => Some(text.clone()),
                Value::Object(object) => object.get("message").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            }
        }

        /// Serializes a request body or query struct.
        pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
            serde_json::to_value(value).map_err(Error::Encode)
        }

        /// Percent-encodes one path segment, so that `/`, `?`, `#`, `%` and spaces stay inside it.
        pub(crate) fn encode_path(segment: &str) -> String {
            const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                .remove(b'-')
                .remove(b'.')
                .remove(b'_')
                .remove(b'~');
            percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
        }

        /// The first characters of a secret followed by `…`: never more than a quarter of it,
        /// at most eight characters after its mode prefix.
        pub(crate) fn mask(secret: &str, prefix: Option<&str>) -> String {
            let prefix = prefix.filter(|p| secret.starts_with(p)).unwrap_or("");
            let rest = secret.get(prefix.len()..).unwrap_or("");
            let shown = (rest.len() / 4).min(8);
            format!("{prefix}{}…", rest.get(..shown).unwrap_or(""))
        }

        /// Checks that a credential or hookId can travel in an HTTP header: non-empty, visible ASCII.
        pub(crate) fn check_header_safe(what: &str, value: &str) -> Result<(), String> {
            if value.is_empty() {
                return Err(format!("the {what} is empty"));
            }
            if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
                let kind = if bad.is_whitespace() { "whitespace" } else if bad.is_control() { "a control character" } else { "a non-ASCII character" };
                return Err(format!(
                    "the {what} contains {kind} ({}), which cannot be sent in an HTTP header; copy it again without surrounding spaces or line breaks",
                    bad.escape_unicode()
                ));
            }
            Ok(())
        }

        /// Checks a token for the mode it is declared as: header-safe, carrying the mode's prefix
        /// and not another mode's.
        pub(crate) fn check_token(secret: &str, mode: AuthMode) -> Result<(), Error> {
            check_header_safe("token", secret).map_err(Error::InvalidCredential)?;
            if let Some(prefix) = mode.prefix() {
                if !secret.starts_with(prefix) {
                    return Err(Error::InvalidCredential(format!("a {} must start with `{prefix}`", mode.name())));
                }
                if secret.len() == prefix.len() {
                    return Err(Error::InvalidCredential(format!("the {} has nothing after its `{prefix}` prefix", mode.name())));
                }
            }
            for other in AuthMode::ALL.iter().filter(|other| **other != mode) {
                if let Some(prefix) = other.prefix().filter(|p| secret.starts_with(p)) {
                    return Err(Error::InvalidCredential(format!(
                        "the token starts with `{prefix}`, so it is a {}, not a {}; create it with `Token::new` or `Token::{}`",
                        other.name(),
                        mode.name(),
                        other.id()
                    )));
                }
            }
            Ok(())
        }

        /// Reads a required environment variable.
        pub(crate) fn env_var(name: &str) -> Result<String, Error> {
            match optional_env_var(name)? {
                Some(value) => Ok(value),
                None => Err(Error::Config(format!("environment variable {name} is not set"))),
            }
        }

        /// Reads an optional environment variable; set but empty is an error.
        pub(crate) fn optional_env_var(name: &str) -> Result<Option<String>, Error> {
            match std::env::var(name) {
                Ok(value) if value.is_empty() => Err(Error::Config(format!("environment variable {name} is set but empty"))),
                Ok(value) => Ok(Some(value)),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(Error::Config(format!("environment variable {name} is not valid UTF-8")))
                }
            }
        }

        /// At most `limit` characters of a response body, whitespace collapsed, for error messages.
        pub(crate) fn snippet(body: &str, limit: usize) -> String {
            let collapsed: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
            match collapsed.char_indices().nth(limit) {
                Some((cut, _)) => format!("{}…", &collapsed[..cut]),
                None => collapsed,
            }
        }
    }
}
