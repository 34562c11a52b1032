//! The raw spec model: the YAML exactly as written, before any check.
//!
//! Every struct rejects unknown keys so that a typo is an error, not a silently ignored line.
//! Maps keep the author's order (`IndexMap`), which is the order of the generated code.

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// A whole spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Format version; only `1` exists.
    pub spec_version: u32,
    /// Crate and client metadata.
    pub api: Api,
    /// The credential header and the token modes.
    pub auth: Auth,
    /// The channel hookId: where it is read from and where it travels.
    pub hook: Hook,
    /// Error responses with a meaning of their own, in match order.
    #[serde(default)]
    pub errors: IndexMap<String, ErrorClass>,
    /// Response wrappers that operations unwrap.
    #[serde(default)]
    pub envelopes: IndexMap<String, Envelope>,
    /// Named models.
    #[serde(default)]
    pub types: IndexMap<String, TypeDef>,
    /// Operations grouped by resource.
    #[serde(default)]
    pub resources: IndexMap<String, Resource>,
}

/// `api:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    pub name: String,
    #[serde(default)]
    pub client: Option<String>,
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
    pub base_url: String,
    #[serde(default)]
    pub base_url_env: Option<String>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    #[serde(default)]
    pub retry: Option<Retry>,
}

/// `api.retry`: the default retry policy of idempotent operations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    pub max_attempts: u32,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
}

/// `auth:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub header: String,
    #[serde(default)]
    pub scheme: Option<String>,
    pub env: String,
    pub modes: IndexMap<String, AuthMode>,
    pub unprefixed: String,
    pub default: Vec<String>,
}

/// One token mode under `auth.modes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthMode {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub deprecated: Option<String>,
}

/// Client-side checks of an operation's arguments, made before anything is sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paginate {
    pub page: String,
    pub limit: String,
    pub items: String,
    pub total: String,
}

/// `hook:` section.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    #[serde(default)]
    pub description: Option<String>,
    pub env: String,
    pub header: String,
    pub body_field: String,
    pub query: String,
    pub default: Placement,
}

/// Where an operation sends the hookId.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    Header,
    Body,
    Query,
    None,
}

/// One entry under `errors:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorClass {
    pub status: u16,
    #[serde(default)]
    pub message_contains: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub hints: Vec<String>,
}

/// One entry under `envelopes:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    #[serde(default)]
    pub description: Option<String>,
    pub success: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub data: Option<String>,
}

/// One entry under `types:`: an object (`fields`) or a string enum (`values`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub fields: Option<IndexMap<String, Field>>,
    #[serde(default)]
    pub extra: Option<bool>,
    #[serde(default)]
    pub values: Option<IndexMap<String, Option<String>>>,
    #[serde(default)]
    pub open: Option<bool>,
}

/// A field or parameter: either a bare type expression (`string?`) or a map with details.
#[derive(Debug, Default)]
pub struct Field {
    pub ty: String,
    pub wire: Option<String>,
    pub description: Option<String>,
    /// Value sent when the caller leaves an optional query parameter unset.
    pub default: Option<serde_yaml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldDetails {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    wire: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    default: Option<serde_yaml::Value>,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a type such as `string?`, or a map with `type`, `wire` and `description`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(Field { ty: v.to_owned(), ..Field::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field, A::Error> {
                let d = FieldDetails::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Field { ty: d.ty, wire: d.wire, description: d.description, default: d.default })
            }
        }
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// A path parameter's details.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathParam {
    #[serde(default)]
    pub description: Option<String>,
}

/// One entry under `resources:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    #[serde(default)]
    pub description: Option<String>,
    pub operations: IndexMap<String, Operation>,
}

/// One operation of a resource.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    #[serde(default)]
    pub description: Option<String>,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub path_params: IndexMap<String, PathParam>,
    #[serde(default)]
    pub query: IndexMap<String, Field>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub response: Option<String>,
    #[serde(default)]
    pub envelope: Option<String>,
    #[serde(default)]
    pub auth: Option<Vec<String>>,
    #[serde(default)]
    pub hook: Option<Placement>,
    #[serde(default)]
    pub deprecated: Option<String>,
    #[serde(default)]
    pub idempotent: Option<bool>,
    #[serde(default)]
    pub requires: Option<Requires>,
    #[serde(default)]
    pub paginate: Option<Paginate>,
}
