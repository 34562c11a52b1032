//! What the request core knows about each operation (static descriptors emitted per operation),
//! and how a call's inputs become a request and a response becomes its result: preconditions,
//! query defaults, hookId placement, envelopes. Nothing here touches the network.

use crate::api_error::{error_text, ApiError};
use crate::auth::{AuthMode, HookId};
use crate::error::Error;
use crate::text::Secret;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where an operation sends the hookId.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// A spec may use only some placements.
#[allow(dead_code)]
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
    /// The path template, for tracing.
    pub(crate) path: &'static str,
    /// Whether sending it twice is safe, so that it may be retried.
    pub(crate) idempotent: bool,
    /// Auth modes the operation accepts.
    pub(crate) accepts: &'static [AuthMode],
    /// Where the hookId goes.
    pub(crate) hook: HookPlacement,
    /// The wrapper to unwrap from the response, if any.
    pub(crate) envelope: Option<&'static Envelope>,
    /// Query defaults and preconditions.
    pub(crate) inputs: &'static Inputs,
}

/// What an operation fills in or checks in the caller's query and body before sending.
#[derive(Debug)]
pub(crate) struct Inputs {
    /// Query parameters sent with these values when the caller leaves them unset.
    pub(crate) defaults: &'static [(&'static str, &'static str)],
    /// Query parameters or body fields of which at least one must be set.
    pub(crate) any_of: &'static [&'static str],
    /// Query parameters or body fields that must be set and not empty.
    pub(crate) non_empty: &'static [&'static str],
}

impl Inputs {
    /// Nothing to fill in or check.
    // A spec may give every operation inputs to check.
    #[allow(dead_code)]
    pub(crate) const NONE: Inputs = Inputs {
        defaults: &[],
        any_of: &[],
        non_empty: &[],
    };
}

/// A call ready to send: its query pairs and its encoded JSON body.
pub(crate) struct Prepared {
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Operation {
    /// Checks the token's kind and the preconditions, fills in query defaults and places the
    /// hookId; fails before anything is sent.
    pub(crate) fn prepare(
        &self,
        mode: AuthMode,
        hook_id: &HookId,
        query: Option<Value>,
        mut body: Option<Value>,
    ) -> Result<Prepared, Error> {
        if !self.accepts.contains(&mode) {
            return Err(Error::AuthModeNotAccepted {
                operation: self.id,
                mode,
                accepted: self.accepts,
            });
        }
        self.check_inputs(query.as_ref(), body.as_ref())?;
        let mut pairs = query_pairs(query);
        for (name, value) in self.inputs.defaults {
            if !pairs.iter().any(|(given, _)| given == name) {
                pairs.push(((*name).to_owned(), (*value).to_owned()));
            }
        }
        match self.hook {
            HookPlacement::Query => {
                pairs.push((HookId::QUERY.to_owned(), hook_id.as_str().to_owned()))
            }
            HookPlacement::Body => body = Some(with_hook_id(body, hook_id)),
            HookPlacement::Header | HookPlacement::None => {}
        }
        let body = body
            .map(|b| serde_json::to_vec(&b))
            .transpose()
            .map_err(Error::Encode)?;
        Ok(Prepared { query: pairs, body })
    }

    /// Checks the spec's preconditions on the serialized query and body.
    fn check_inputs(&self, query: Option<&Value>, body: Option<&Value>) -> Result<(), Error> {
        let given = |name: &str| {
            let value = query
                .and_then(|q| q.get(name))
                .or_else(|| body.and_then(|b| b.get(name)));
            match value {
                None | Some(Value::Null) => false,
                Some(Value::String(text)) => !text.is_empty(),
                Some(Value::Array(items)) => !items.is_empty(),
                Some(Value::Object(fields)) => !fields.is_empty(),
                Some(_) => true,
            }
        };
        let quoted = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let Inputs {
            any_of, non_empty, ..
        } = self.inputs;
        if !any_of.is_empty() && !any_of.iter().any(|name| given(name)) {
            return Err(Error::Precondition {
                operation: self.id,
                message: format!("set {}", quoted(any_of)),
            });
        }
        if let Some(missing) = non_empty.iter().find(|name| !given(name)) {
            return Err(Error::Precondition {
                operation: self.id,
                message: format!("`{missing}` must be set and not empty"),
            });
        }
        Ok(())
    }

    /// Decodes a success response, unwrapping the envelope if the operation has one; an
    /// error quotes the response with the secret masked.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        status: u16,
        bytes: &[u8],
        request_id: Option<&str>,
        secret: Secret<'_>,
    ) -> Result<T, Error> {
        let decode_error = |e: serde_json::Error| decode_error(status, &e, bytes, secret);
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            bytes
        };
        let Some(envelope) = self.envelope else {
            return serde_json::from_slice(text).map_err(decode_error);
        };
        let mut value: Value = serde_json::from_slice(text).map_err(decode_error)?;
        if value.get(envelope.success).and_then(Value::as_bool) != Some(true) {
            let message = envelope
                .error
                .and_then(|field| error_text(value.get(field)));
            let request_id = request_id.map(str::to_owned);
            let api = ApiError::new(status, bytes.to_vec(), request_id, None, secret)
                .with_message(message, secret);
            return Err(Error::Unsuccessful(api));
        }
        let payload = match envelope.data {
            Some(field) => value.get_mut(field).map(Value::take).unwrap_or(Value::Null),
            None => value,
        };
        serde_json::from_value(payload).map_err(decode_error)
    }

    /// Percent-encodes path parameters, each into one segment, so that `/`, `?`, `#`, `%` and
    /// spaces stay inside it. Refuses `""`, `.` and `..` before anything is sent: a URL drops
    /// or resolves them, and the request would go to another path.
    // A spec may have no path parameters.
    #[allow(dead_code)]
    pub(crate) fn path_segments<const N: usize>(
        &self,
        params: [(&str, &str); N],
    ) -> Result<[String; N], Error> {
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let leaves = |value: &str| matches!(value, "" | "." | "..");
        if let Some((name, value)) = params.iter().find(|(_, value)| leaves(value)) {
            let shown = if value.is_empty() {
                "empty".to_owned()
            } else {
                format!("`{value}`")
            };
            return Err(Error::Precondition {
                operation: self.id,
                message: format!(
                    "`{name}` is {shown}, which cannot stand for an item in a URL path (the request would go to another path); pass the item's id"
                ),
            });
        }
        Ok(params
            .map(|(_, value)| percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()))
    }
}

/// A decode error with the secret masked in what it quotes: the error (serde quotes the
/// values it rejects) and the start of the body, masked before it is cut.
pub(crate) fn decode_error(
    status: u16,
    error: &dyn std::fmt::Display,
    body: &[u8],
    secret: Secret<'_>,
) -> Error {
    Error::Decode {
        status,
        message: secret.redact_owned(error.to_string()),
        snippet: secret.snippet(&String::from_utf8_lossy(body), 200),
    }
}

/// Adds the hookId to a JSON object body, keeping every field the caller set.
fn with_hook_id(body: Option<Value>, hook_id: &HookId) -> Value {
    let mut object = match body {
        Some(Value::Object(object)) => object,
        _ => serde_json::Map::new(),
    };
    object
        .entry(HookId::BODY_FIELD)
        .or_insert_with(|| Value::String(hook_id.as_str().to_owned()));
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

/// Serializes a request body or query struct.
// A spec may have no operation with a query or a body.
#[allow(dead_code)]
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(Error::Encode)
}
