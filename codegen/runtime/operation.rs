//! What the request core knows about each operation (static descriptors emitted per operation),
//! and how a call's inputs become a request and a response becomes its result: preconditions,
//! query defaults, hookId placement, envelopes. Nothing here touches the network.

use crate::api_error::{error_text, ApiError};
use crate::auth::{AuthMode, HookId};
use crate::error::Error;
use crate::json::Key;
use crate::text::Secret;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Where an operation sends the hookId.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookPlacement {
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
pub struct Envelope {
    /// Boolean field that must be `true` for the call to have succeeded.
    pub success: &'static str,
    /// Field carrying the error text when `success` is not `true`.
    pub error: Option<&'static str>,
    /// Field holding the payload; without one, the whole body is the payload.
    pub data: Option<&'static str>,
}

/// Where a list operation's paging fields are.
#[derive(Debug)]
pub struct Paging {
    /// Request field holding the 1-based page number; the response echoes it under this name.
    pub page: &'static str,
    /// Request field holding the page size; the response echoes it under this name.
    pub limit: &'static str,
    /// Whether the request fields are query parameters (else body fields).
    pub in_query: bool,
    /// Response field holding the items.
    pub items: &'static str,
    /// Response field holding the total number of items.
    pub total: &'static str,
}

/// What the request core needs to know about one operation.
#[derive(Debug)]
pub struct Operation {
    /// `resource.operation`, as in the spec.
    pub id: &'static str,
    /// HTTP method.
    pub method: reqwest::Method,
    /// The path template, for tracing.
    pub path: &'static str,
    /// Whether sending it twice is safe, so that it may be retried.
    pub idempotent: bool,
    /// Auth modes the operation accepts.
    pub accepts: &'static [AuthMode],
    /// Where the hookId goes.
    pub hook: HookPlacement,
    /// The wrapper to unwrap from the response, if any.
    pub envelope: Option<&'static Envelope>,
    /// Query defaults and preconditions.
    pub inputs: &'static Inputs,
}

/// What an operation fills in or checks in the caller's query and body before sending.
#[derive(Debug)]
pub struct Inputs {
    /// Query parameters sent with these values when the caller leaves them unset.
    pub defaults: &'static [(&'static str, &'static str)],
    /// Query parameters or body fields of which at least one must be set.
    pub any_of: &'static [&'static str],
    /// Query parameters or body fields that must be set and not empty.
    pub non_empty: &'static [&'static str],
}

impl Inputs {
    /// Nothing to fill in or check.
    pub const NONE: Inputs = Inputs {
        defaults: &[],
        any_of: &[],
        non_empty: &[],
    };
}

/// Whether a query parameter or body field counts as set for the spec's preconditions
/// (`requires`): present, and not an empty string, list or object. Generated methods ask it of
/// the fields their preconditions name.
pub trait Given {
    /// True when the value is set and not empty.
    fn given(&self) -> bool;
}

impl<T: Given + ?Sized> Given for &T {
    fn given(&self) -> bool {
        (**self).given()
    }
}

impl<T: Given> Given for Option<T> {
    fn given(&self) -> bool {
        self.as_ref().is_some_and(Given::given)
    }
}

impl Given for String {
    fn given(&self) -> bool {
        !self.is_empty()
    }
}

impl<T> Given for Vec<T> {
    fn given(&self) -> bool {
        !self.is_empty()
    }
}

impl<K, V> Given for std::collections::BTreeMap<K, V> {
    fn given(&self) -> bool {
        !self.is_empty()
    }
}

impl Given for Value {
    fn given(&self) -> bool {
        match self {
            Value::Null => false,
            Value::String(text) => !text.is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Object(fields) => !fields.is_empty(),
            Value::Bool(_) | Value::Number(_) => true,
        }
    }
}

macro_rules! always_given {
    ($($ty:ty),*) => {
        $(impl Given for $ty {
            fn given(&self) -> bool {
                true
            }
        })*
    };
}
always_given!(i64, f64, bool);

/// A call's query and body, encoded by the generated method: the query string (empty without
/// one) and the JSON body.
pub struct Args {
    query: String,
    body: Option<Vec<u8>>,
    /// The caller's body already carries the hook field (a free-form map or unknown fields).
    own_hook_id: bool,
}

impl Args {
    /// No query, no body.
    pub const NONE: Args = Args {
        query: String::new(),
        body: None,
        own_hook_id: false,
    };

    /// With the query string of `query` (a struct or map of scalars; unset parameters left out).
    pub fn query<Q: serde::Serialize + ?Sized>(mut self, query: &Q) -> Result<Args, Error> {
        self.query = serde_urlencoded::to_string(query)
            .map_err(|e| Error::Encode(serde::ser::Error::custom(e)))?;
        Ok(self)
    }

    /// With `body` as JSON.
    pub fn body<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Result<Args, Error> {
        self.body = Some(serde_json::to_vec(body).map_err(Error::Encode)?);
        Ok(self)
    }

    /// Whether the caller's body already has the hook field; if so, it is sent as the caller set it.
    pub fn own_hook_id(mut self, set: bool) -> Args {
        self.own_hook_id = set;
        self
    }
}

/// A call ready to send: its query string (empty without one) and its JSON body.
pub struct Prepared {
    pub query: String,
    pub body: Option<Vec<u8>>,
}

impl Operation {
    /// Checks that the operation accepts the token's kind.
    fn check_mode(&self, mode: AuthMode) -> Result<(), Error> {
        if self.accepts.contains(&mode) {
            return Ok(());
        }
        Err(Error::AuthModeNotAccepted {
            operation: self.id,
            mode,
            accepted: self.accepts,
        })
    }

    /// Checks the token's kind, then the preconditions: `given` says, for each name of
    /// `any_of` and then of `non_empty`, whether the caller set it (see [`Given`]).
    pub fn check(&self, mode: AuthMode, given: &[bool]) -> Result<(), Error> {
        self.check_mode(mode)?;
        let Inputs {
            any_of, non_empty, ..
        } = self.inputs;
        let (any, all) = given.split_at(any_of.len().min(given.len()));
        if !any_of.is_empty() && !any.contains(&true) {
            let names: Vec<String> = any_of.iter().map(|n| format!("`{n}`")).collect();
            return Err(Error::Precondition {
                operation: self.id,
                message: format!("set {}", names.join(" or ")),
            });
        }
        let mut all = non_empty
            .iter()
            .zip(all.iter().chain(std::iter::repeat(&false)));
        if let Some((missing, _)) = all.find(|(_, set)| !**set) {
            return Err(Error::Precondition {
                operation: self.id,
                message: format!("`{missing}` must be set and not empty"),
            });
        }
        Ok(())
    }

    /// Checks the token's kind, fills in query defaults and places the hookId; fails before
    /// anything is sent. (The generated method has checked the preconditions, see [`check`](Self::check).)
    pub fn prepare(&self, mode: AuthMode, hook_id: &HookId, args: Args) -> Result<Prepared, Error> {
        self.check_mode(mode)?;
        let Args {
            query,
            mut body,
            own_hook_id,
        } = args;
        // A default is sent unless the caller set the parameter.
        let missing: Vec<&(&str, &str)> = self
            .inputs
            .defaults
            .iter()
            .filter(|(name, _)| {
                !url::form_urlencoded::parse(query.as_bytes()).any(|(given, _)| given == *name)
            })
            .collect();
        let mut pairs = url::form_urlencoded::Serializer::for_suffix(query, 0);
        for (name, value) in missing {
            pairs.append_pair(name, value);
        }
        match self.hook {
            HookPlacement::Query => {
                pairs.append_pair(HookId::QUERY, hook_id.as_str());
            }
            HookPlacement::Body if !own_hook_id => body = Some(with_hook_id(body, hook_id)),
            HookPlacement::Body | HookPlacement::Header | HookPlacement::None => {}
        }
        Ok(Prepared {
            query: pairs.finish(),
            body,
        })
    }

    /// Decodes a success response, unwrapping the envelope if the operation has one, in one
    /// pass over the bytes (no intermediate `Value`); an error quotes the response with the
    /// secret masked.
    pub fn decode<T: DeserializeOwned>(
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
        let mut flags = Flags::default();
        match envelope.read::<T>(text, &mut flags) {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(error) => {
                // Decoding stopped at the error, maybe before the flags: read them alone. Only
                // well-formed JSON that does not say `success: true` is unsuccessful.
                flags = Flags::default();
                let read = envelope.read::<serde::de::IgnoredAny>(text, &mut flags);
                if read.as_ref().is_err_and(|e| !e.is_data()) || flags.success {
                    return Err(decode_error(error));
                }
            }
        }
        let request_id = request_id.map(str::to_owned);
        let api = ApiError::new(status, bytes.to_vec(), request_id, None, secret)
            .with_message(error_text(flags.error.as_ref()), secret);
        Err(Error::Unsuccessful(api))
    }

    /// Percent-encodes path parameters, each into one segment, so that `/`, `?`, `#`, `%` and
    /// spaces stay inside it. Refuses `""`, `.` and `..` before anything is sent: a URL drops
    /// or resolves them, and the request would go to another path.
    pub fn path_segments<const N: usize>(
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
pub fn decode_error(
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

/// What an envelope's success flag and error field said.
#[derive(Default)]
struct Flags {
    /// The success flag was `true`.
    success: bool,
    /// The success flag was there, `true` or not.
    seen: bool,
    /// The error field, if present.
    error: Option<Value>,
}

impl Flags {
    /// Notes a flag field's value.
    fn record(&mut self, flag: Flag, value: &Value) {
        match flag {
            Flag::Success => {
                self.success = value == &Value::Bool(true);
                self.seen = true;
            }
            Flag::Error => self.error = Some(value.clone()),
        }
    }
}

/// Which envelope field a key names.
#[derive(Clone, Copy)]
enum Flag {
    Success,
    Error,
}

impl Envelope {
    fn flag(&self, key: &str) -> Option<Flag> {
        if key == self.success {
            Some(Flag::Success)
        } else if self.error == Some(key) {
            Some(Flag::Error)
        } else {
            None
        }
    }

    /// The payload of an enveloped body (`None` if the body said it was unsuccessful), with the
    /// flags in `flags`.
    fn read<T: DeserializeOwned>(
        &self,
        text: &[u8],
        flags: &mut Flags,
    ) -> Result<Option<T>, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        let payload = match self.data {
            Some(field) => serde::de::DeserializeSeed::deserialize(
                Enveloped {
                    envelope: self,
                    data: field,
                    flags: &mut *flags,
                    payload: std::marker::PhantomData::<T>,
                },
                &mut deserializer,
            )?,
            // The whole body is the payload: it sees the flags too.
            None => {
                let payload = T::deserialize(Watching {
                    inner: &mut deserializer,
                    envelope: self,
                    flags: &mut *flags,
                })?;
                flags.success.then_some(payload)
            }
        };
        deserializer.end()?;
        Ok(payload)
    }
}

/// Reads an envelope with a payload field: the flags, and the payload once `success` is not
/// known to be false.
struct Enveloped<'a, T> {
    envelope: &'a Envelope,
    data: &'static str,
    flags: &'a mut Flags,
    payload: std::marker::PhantomData<T>,
}

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for Enveloped<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Enveloped<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut payload = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let key = key.as_str();
            if let Some(flag) = self.envelope.flag(key) {
                self.flags.record(flag, &map.next_value()?);
            } else if key == self.data && (self.flags.success || !self.flags.seen) {
                // Not decoded when the body already said it failed.
                payload = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if !self.flags.success {
            return Ok(None);
        }
        match payload {
            Some(payload) => Ok(Some(payload)),
            // A missing payload reads as `null`.
            None => T::deserialize(Value::Null)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A deserializer of a whole enveloped body for its payload type, noting the flags on the way.
struct Watching<'a, D> {
    inner: D,
    envelope: &'a Envelope,
    flags: &'a mut Flags,
}

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for Watching<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Watch {
            visitor,
            envelope: self.envelope,
            flags: self.flags,
        })
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The payload's visitor, handed a map that notes the flags.
struct Watch<'a, V> {
    visitor: V,
    envelope: &'a Envelope,
    flags: &'a mut Flags,
}

impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for Watch<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Watched {
            map,
            envelope: self.envelope,
            flags: self.flags,
            pending: None,
        })
    }
}

/// A map whose flag fields are noted on their way to the payload's visitor.
struct Watched<'a, A> {
    map: A,
    envelope: &'a Envelope,
    flags: &'a mut Flags,
    /// The flag whose value comes next, if the last key named one.
    pending: Option<Flag>,
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for Watched<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<Key<'de>>()? else {
            return Ok(None);
        };
        self.pending = self.envelope.flag(key.as_str());
        key.into_seed(seed).map(Some)
    }

    fn next_value_seed<S: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, A::Error> {
        let Some(flag) = self.pending.take() else {
            return self.map.next_value_seed(seed);
        };
        let value: Value = self.map.next_value()?;
        self.flags.record(flag, &value);
        seed.deserialize(value).map_err(serde::de::Error::custom)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// Adds the hookId to a JSON object body, after the caller's fields (an empty or missing body
/// becomes `{"<field>":"<hookId>"}`).
fn with_hook_id(body: Option<Vec<u8>>, hook_id: &HookId) -> Vec<u8> {
    let mut out = match body {
        Some(mut object) if object.starts_with(b"{") && object.ends_with(b"}") => {
            object.pop();
            if object.len() > 1 {
                object.push(b',');
            }
            object
        }
        _ => b"{".to_vec(),
    };
    // Serializing a string into a vector cannot fail.
    let _ = serde_json::to_writer(&mut out, HookId::BODY_FIELD);
    out.push(b':');
    let _ = serde_json::to_writer(&mut out, hook_id.as_str());
    out.push(b'}');
    out
}

/// Serializes a request body or query struct (for the pages of a list).
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(Error::Encode)
}
