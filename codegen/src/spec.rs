//! The raw spec model: the YAML exactly as written, before any check.
//!
//! Unknown keys are collected while parsing (see [`crate::parse`]) and reported as errors, so a
//! typo never goes unnoticed. Maps keep the author's order (`IndexMap`), which is the order of the
//! generated code. The doc comments here are the descriptions of the spec's JSON Schema
//! (`cargo xtask schema`), which editors show on hover.

// The placement is one type from the spec to the renderers: the IR's.
pub use crate::ir::HookPlacement;
use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A hand-written API spec: the API's auth modes, hookId placement, types and operations.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields, title = "API spec (spec_version 1)")]
pub struct Spec {
    /// Format version; only `1` exists.
    pub spec_version: u32,
    /// Crate and client metadata.
    pub api: Api,
    /// The credential header and the kinds of token (modes) the API accepts.
    pub auth: Auth,
    /// The channel hookId: where it is read from and where it travels.
    pub hook: Hook,
    /// Error responses with a meaning of their own, checked in order; each becomes an error variant.
    #[serde(default)]
    pub errors: Named<ErrorClass>,
    /// Response wrappers that operations unwrap, by name.
    #[serde(default)]
    pub envelopes: Named<Envelope>,
    /// Named models: objects (`fields`) and string enums (`values`).
    #[serde(default)]
    pub types: Named<TypeDef>,
    /// Operations grouped by resource: `contacts.create` becomes `client.contacts().create(…)`.
    #[serde(default)]
    pub resources: Named<Resource>,
    /// Hand-written Rust modules copied verbatim into the generated crate, by module name: what
    /// a spec cannot express (behaviour specific to one API), compiled and checked with the rest.
    /// They are declared after the generated modules, in this order; like those, each may use
    /// only the modules declared before it.
    #[serde(default)]
    pub extensions: Named<Extension>,
}

/// Crate and client metadata.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Api {
    /// Display name of the API, e.g. `Cognipeer`.
    pub name: String,
    /// Rust name of the client type (default: the name followed by `Client`).
    #[serde(default)]
    pub client: Option<String>,
    /// Cargo package name of the generated crate.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// Cargo package version of the generated crate (`MAJOR.MINOR.PATCH`).
    pub version: String,
    /// One-paragraph description of the crate.
    #[serde(default)]
    pub description: Option<String>,
    /// Default base URL; operation paths are appended to it.
    pub base_url: String,
    /// Environment variable that overrides the base URL in `from_env()` (default `<NAME>_BASE_URL`).
    #[serde(default)]
    pub base_url_env: Option<String>,
    /// Default timeout of one attempt of a request, body included, in seconds (default 60).
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Default retry policy of idempotent operations.
    #[serde(default)]
    pub retry: Option<Retry>,
}

/// The default retry policy of idempotent operations.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Retry {
    /// Attempts in total, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry, in milliseconds; it doubles per retry (full jitter).
    pub initial_backoff_ms: u64,
    /// Longest wait before a retry, `Retry-After` included, in milliseconds.
    pub max_backoff_ms: u64,
}

/// The credential header and the token modes.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Auth {
    /// Header the token travels in, e.g. `Authorization`.
    pub header: String,
    /// Scheme before the token in the header, e.g. `Bearer`; omit to send the bare token.
    #[serde(default)]
    pub scheme: Option<String>,
    /// Environment variable `from_env()` reads the token from.
    pub env: String,
    /// The kinds of token, by id (e.g. `pat`, `api_token`).
    pub modes: Named<AuthMode>,
    /// The mode of a token that starts with no mode's prefix; without it, such a token is refused
    /// by `Token::new` (its kind must then be stated with the mode's own constructor).
    #[serde(default)]
    pub unprefixed: Option<String>,
    /// Modes accepted by operations that do not list their own `auth`.
    pub default: Vec<String>,
}

/// One kind of token.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AuthMode {
    /// Human name, e.g. `personal access token`.
    pub name: String,
    /// What the token is and where to get it.
    #[serde(default)]
    pub description: Option<String>,
    /// Prefix every token of this kind starts with, e.g. `pat_`; it identifies the mode.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Deprecation note; the mode's constructor becomes `#[deprecated]`.
    #[serde(default)]
    pub deprecated: Option<String>,
}

/// The channel hookId.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Hook {
    /// What the hookId is and where to get it.
    #[serde(default)]
    pub description: Option<String>,
    /// Environment variable `from_env()` reads the hookId from.
    pub env: String,
    /// Header name for the `header` placement, e.g. `X-Hook-Id`.
    pub header: String,
    /// JSON body field for the `body` placement, e.g. `hookId`.
    pub body_field: String,
    /// Query parameter for the `query` placement, e.g. `hookId`.
    pub query: String,
    /// Placement of operations that do not set their own `hook`.
    pub default: HookPlacement,
}

/// An error response with a meaning of its own.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ErrorClass {
    /// HTTP status it applies to.
    pub status: u16,
    /// Text the error message (or body) must contain, case-insensitively.
    #[serde(default)]
    pub message_contains: Option<String>,
    /// What happened, e.g. `authorization failed`.
    pub summary: String,
    /// What to check, shown in the error's message.
    #[serde(default)]
    pub hints: Vec<String>,
}

/// A response wrapper.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Envelope {
    /// What the wrapper looks like.
    #[serde(default)]
    pub description: Option<String>,
    /// Boolean field that must be `true`; otherwise the call fails, even on HTTP 2xx.
    pub success: String,
    /// Field carrying the error text when `success` is not `true`.
    #[serde(default)]
    pub error: Option<String>,
    /// Field holding the payload; without it, the whole body is the payload.
    #[serde(default)]
    pub data: Option<String>,
}

/// A named type: an object (`fields`) or a string enum (`values`).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TypeDef {
    /// What the type is.
    #[serde(default)]
    pub description: Option<String>,
    /// The object's fields, by name.
    #[serde(default)]
    pub fields: Option<Named<Field>>,
    /// Keep fields the spec does not list (an `extra` map on the struct).
    #[serde(default)]
    pub extra: Option<bool>,
    /// The enum's values, each with an optional description.
    #[serde(default)]
    pub values: Option<Named<Option<String>>>,
    /// Accept values the spec does not list (an `Unknown(String)` variant).
    #[serde(default)]
    pub open: Option<bool>,
}

/// A field or query parameter: either a bare type expression (`string?`) or a map with details.
#[derive(Debug, Default)]
pub struct Field {
    pub ty: String,
    pub wire: Option<String>,
    pub description: Option<String>,
    /// Value sent when the caller leaves the optional field or query parameter unset.
    pub default: Option<serde_json::Value>,
}

/// A field or query parameter with details.
#[derive(Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
struct FieldDetails {
    /// Type expression: `string`, `integer`, `number`, `boolean`, `json`, `list<T>`, `map<T>` or a
    /// type name; a trailing `?` makes it optional.
    #[serde(rename = "type")]
    ty: String,
    /// Name on the wire when it differs from the key, e.g. `_id`.
    #[serde(default)]
    wire: Option<String>,
    /// What the field holds.
    #[serde(default)]
    description: Option<String>,
    /// The value sent when the caller leaves this optional field or query parameter unset, e.g.
    /// `10`, `latest`, `true`, `[]` or `{}` (objects of a declared type excepted). Shown in the
    /// field's docs and the OpenAPI export.
    #[serde(default)]
    default: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a type such as `string?`, or a map with `type`, `wire`, `description` and `default`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(Field {
                    ty: v.to_owned(),
                    ..Field::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field, A::Error> {
                let d = FieldDetails::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Field {
                    ty: d.ty,
                    wire: d.wire,
                    description: d.description,
                    default: d.default,
                })
            }
        }
        deserializer.deserialize_any(FieldVisitor)
    }
}

impl JsonSchema for Field {
    fn schema_name() -> Cow<'static, str> {
        "Field".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A type expression (`string?`, `list<Contact>`, …), or a map with details.",
            "anyOf": [{ "type": "string" }, generator.subschema_for::<FieldDetails>()]
        })
    }
}

/// A path parameter's details.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PathParam {
    /// What the parameter identifies.
    #[serde(default)]
    pub description: Option<String>,
}

/// A resource: a group of operations.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Resource {
    /// What the resource is.
    #[serde(default)]
    pub description: Option<String>,
    /// The operations, by name (the method names).
    pub operations: Named<Operation>,
}

/// One operation of a resource.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Operation {
    /// What the operation does.
    #[serde(default)]
    pub description: Option<String>,
    /// HTTP method: GET, POST, PUT, PATCH, DELETE or HEAD.
    pub method: String,
    /// Path after the base URL, with `{params}`, e.g. `/sdk/conversation/{conversationId}`.
    pub path: String,
    /// Every `{param}` of the path, in path order.
    #[serde(default)]
    pub path_params: Named<PathParam>,
    /// Query parameters, by wire name (scalars only).
    #[serde(default)]
    pub query: Named<Field>,
    /// Type of the JSON body.
    #[serde(default)]
    pub body: Option<String>,
    /// Type of the response payload (after unwrapping the envelope).
    #[serde(default)]
    pub response: Option<String>,
    /// Name of the envelope the response comes wrapped in.
    #[serde(default)]
    pub envelope: Option<String>,
    /// Accepted auth modes (default: `auth.default`); enforced before sending.
    #[serde(default)]
    pub auth: Option<Vec<String>>,
    /// Where the hookId goes (default: `hook.default`).
    #[serde(default)]
    pub hook: Option<HookPlacement>,
    /// Deprecation note; the method becomes `#[deprecated]`.
    #[serde(default)]
    pub deprecated: Option<String>,
    /// Whether sending it twice is safe, so that it may be retried (default: GET, PUT, DELETE, HEAD).
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// Client-side checks made before sending.
    #[serde(default)]
    pub requires: Option<Requires>,
    /// Page/limit pagination; adds a `<operation>_all` method returning every item.
    #[serde(default)]
    pub paginate: Option<Paginate>,
}

/// Client-side checks of an operation's arguments, made before anything is sent.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Requires {
    /// At least one of these query parameters or body fields must be set (and not empty).
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Each of these body fields or query parameters must be set and not empty.
    #[serde(default)]
    pub non_empty: Vec<String>,
}

/// Page/limit pagination: which request fields select the page and which response fields hold
/// the items and the total.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Paginate {
    /// Request field (body or query) with the 1-based page number.
    pub page: String,
    /// Request field (body or query) with the page size.
    pub limit: String,
    /// Response field with the page's items (a list).
    pub items: String,
    /// Response field with the total number of items.
    pub total: String,
}

/// A hand-written module of the generated crate (`src/<name>.rs`).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Extension {
    /// The Rust source file, relative to the spec's directory and inside it, e.g. `tool_loop.rs`.
    /// It is copied verbatim after the `@generated` notice and compiled with the crate; using
    /// only the crate's public API (`crate::…`) keeps it working when the generator changes.
    pub file: String,
    /// What the module offers, for the generated README.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the module itself is public (`pub mod`); by default only `exports` are visible.
    #[serde(default)]
    pub public: bool,
    /// Items of the module re-exported at the crate root (`pub use <name>::{…}`).
    #[serde(default)]
    pub exports: Vec<String>,
}

/// Entries by name, in the author's order. A name given twice is an error (a plain map would
/// silently keep the last one).
#[derive(Debug)]
pub struct Named<T>(IndexMap<String, T>);

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(IndexMap::new())
    }
}

impl<T> std::ops::Deref for Named<T> {
    type Target = IndexMap<String, T>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NamedVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for NamedVisitor<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of names to entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Named<T>, A::Error> {
                let mut entries = IndexMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    if entries.contains_key(&name) {
                        return Err(de::Error::custom(format!("`{name}` is declared twice")));
                    }
                    let entry = map.next_value()?;
                    entries.insert(name, entry);
                }
                Ok(Named(entries))
            }
        }
        deserializer.deserialize_map(NamedVisitor(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for Named<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Named_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        IndexMap::<String, T>::json_schema(generator)
    }
}

/// The JSON Schema of the spec format, derived from the types above.
pub fn json_schema() -> Schema {
    schemars::schema_for!(Spec)
}
