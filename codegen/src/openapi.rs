//! An OpenAPI 3.1 document of a validated spec, for tools outside Rust (API explorers, other
//! languages' generators, contract tests). Built from the IR only, so it describes exactly what
//! the generated client sends and accepts.
//!
//! Everything the IR knows that OpenAPI has no word for is kept as an `x-` extension:
//! `x-auth-modes` (the token kinds an operation accepts), `x-hook` (where the hookId goes) and
//! `x-enum-descriptions` (what each enum value means).

use crate::ir::{Api, Envelope, Field, HookPlacement, Model, ModelKind, Operation, TypeRef};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The OpenAPI version the document follows.
pub const OPENAPI_VERSION: &str = "3.1.0";
/// Security scheme of the token (the hookId's are named by [`HookPlacement::api_key`]).
pub const BEARER_SCHEME: &str = "bearer";
/// Shared schema of error responses.
pub const ERROR_SCHEMA: &str = "Error";

const JSON: &str = "application/json";

/// The OpenAPI 3.1 document of `api`. Object keys are sorted, so the same IR always gives the
/// same document, whatever `serde_json` features the build has.
pub fn document(api: &Api) -> Value {
    let mut doc = Map::new();
    doc.insert("openapi".into(), json!(OPENAPI_VERSION));
    doc.insert(
        "info".into(),
        json!({ "title": api.name, "version": api.version, "description": api.description }),
    );
    doc.insert(
        "servers".into(),
        json!([{
            "url": api.base_url,
            "description": format!("Default server; the SDK reads `{}` to use another.", api.base_url_env),
        }]),
    );
    doc.insert(
        "tags".into(),
        Value::Array(
            api.resources
                .iter()
                .map(|r| json!({ "name": r.name, "description": r.description }))
                .collect(),
        ),
    );

    let mut paths = Map::new();
    for resource in &api.resources {
        for op in &resource.operations {
            let item = paths
                .entry(op.path_template.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(
                    op.http_method.as_lowercase().to_owned(),
                    operation(api, &resource.name, op),
                );
            }
        }
    }
    doc.insert("paths".into(), Value::Object(paths));

    let mut schemas = Map::new();
    for model in &api.models {
        schemas.insert(model.name.clone(), model_schema(api, model));
    }
    schemas.insert(
        ERROR_SCHEMA.into(),
        json!({
            "type": "object",
            "description": error_description(api),
            "properties": {
                "message": { "type": "string", "description": "What went wrong." },
                "error": { "description": "What went wrong, as text or an object." },
                "statusCode": { "type": "integer", "description": "The HTTP status, repeated." },
                "details": { "description": "More about the error, if the server says more." },
            },
        }),
    );
    doc.insert(
        "components".into(),
        json!({ "schemas": Value::Object(schemas), "securitySchemes": security_schemes(api) }),
    );
    sorted(Value::Object(doc))
}

fn operation(api: &Api, resource: &str, op: &Operation) -> Value {
    let mut out = Map::new();
    out.insert("operationId".into(), json!(op.id));
    out.insert("tags".into(), json!([resource]));
    out.insert("summary".into(), json!(summary(&op.description)));
    let description = match &op.deprecated {
        Some(note) => format!("{}\n\nDeprecated: {note}", op.description),
        None => op.description.clone(),
    };
    out.insert("description".into(), json!(description));
    if op.deprecated.is_some() {
        out.insert("deprecated".into(), json!(true));
    }

    let mut parameters: Vec<Value> = op
        .path_params
        .iter()
        .map(|p| {
            json!({
                "name": p.wire,
                "in": "path",
                "required": true,
                "description": p.description,
                "schema": { "type": "string" },
            })
        })
        .collect();
    if let Some(query) = &op.query {
        parameters.extend(query.fields.iter().map(|f| query_parameter(api, f)));
    }
    if !parameters.is_empty() {
        out.insert("parameters".into(), Value::Array(parameters));
    }

    let body = match (op.hook, &op.body) {
        (HookPlacement::Body, Some(ty)) => {
            Some(json!({ "allOf": [type_schema(api, ty), hook_body_schema(api)] }))
        }
        (HookPlacement::Body, None) => Some(hook_body_schema(api)),
        (_, Some(ty)) => Some(type_schema(api, ty)),
        (_, None) => None,
    };
    if let Some(schema) = body {
        out.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { JSON: { "schema": schema } } }),
        );
    }

    let envelope = op.envelope.and_then(|i| api.envelopes.get(i));
    let payload = op.response.as_ref().map(|ty| type_schema(api, ty));
    let success = match envelope {
        Some(envelope) => Some(envelope_schema(envelope, payload)),
        None => payload,
    };
    let mut ok = Map::new();
    let ok_description = match envelope {
        Some(envelope) => format!("Success, wrapped in an envelope: {}", envelope.description),
        None => "Success.".to_owned(),
    };
    ok.insert("description".into(), json!(ok_description));
    if let Some(schema) = success {
        ok.insert("content".into(), json!({ JSON: { "schema": schema } }));
    }
    out.insert(
        "responses".into(),
        json!({
            "200": Value::Object(ok),
            "default": {
                "description": "An error (see the `Error` schema for the classes the SDK tells apart).",
                "content": { JSON: { "schema": schema_ref(ERROR_SCHEMA) } },
            },
        }),
    );

    let mut requirement = Map::new();
    requirement.insert(BEARER_SCHEME.into(), json!([]));
    if let Some((scheme, _, _)) = op.hook.api_key(&api.hook) {
        requirement.insert(scheme.into(), json!([]));
    }
    out.insert("security".into(), json!([Value::Object(requirement)]));
    let modes: Vec<&str> = op
        .accepts
        .iter()
        .filter_map(|&i| api.auth.modes.get(i))
        .map(|m| m.id.as_str())
        .collect();
    out.insert("x-auth-modes".into(), json!(modes));
    out.insert("x-hook".into(), json!(op.hook.name()));
    Value::Object(out)
}

/// The first sentence of a description.
fn summary(description: &str) -> String {
    let first = description.split(". ").next().unwrap_or(description);
    first.trim().trim_end_matches('.').to_owned()
}

fn query_parameter(api: &Api, field: &Field) -> Value {
    json!({
        "name": field.wire,
        "in": "query",
        "required": !field.optional,
        "description": field.description,
        "schema": field_schema(api, field),
    })
}

/// The schema of a field's type, with the field's default.
fn field_schema(api: &Api, field: &Field) -> Value {
    let mut schema = type_schema(api, &field.ty);
    if let (Some(default), Value::Object(schema)) = (&field.default, &mut schema) {
        schema.insert("default".into(), default.clone());
    }
    schema
}

/// The body field carrying the hookId, merged into the request body.
fn hook_body_schema(api: &Api) -> Value {
    let mut properties = Map::new();
    properties.insert(
        api.hook.body_field.clone(),
        json!({ "type": "string", "description": api.hook.description }),
    );
    json!({ "type": "object", "required": [api.hook.body_field], "properties": Value::Object(properties) })
}

/// A successful response's body: the envelope's success flag (and error text), with the payload
/// under the envelope's `data` field, or merged in when the whole body is the payload.
fn envelope_schema(envelope: &Envelope, payload: Option<Value>) -> Value {
    let mut properties = Map::new();
    properties.insert(
        envelope.success.clone(),
        json!({ "type": "boolean", "description": "`true` on success; `false` makes the response an error." }),
    );
    if let Some(error) = &envelope.error {
        properties.insert(
            error.clone(),
            json!({ "type": "string", "description": "What went wrong, when not successful." }),
        );
    }
    let payload = match (&envelope.data, payload) {
        (Some(data), Some(payload)) => {
            properties.insert(data.clone(), payload);
            None
        }
        (_, payload) => payload,
    };
    let wrapper = json!({
        "type": "object",
        "description": envelope.description,
        "required": [envelope.success],
        "properties": Value::Object(properties),
    });
    match payload {
        Some(payload) => json!({ "allOf": [payload, wrapper] }),
        None => wrapper,
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn type_schema(api: &Api, ty: &TypeRef) -> Value {
    match ty {
        TypeRef::String => json!({ "type": "string" }),
        TypeRef::Integer => json!({ "type": "integer", "format": "int64" }),
        TypeRef::Number => json!({ "type": "number" }),
        TypeRef::Boolean => json!({ "type": "boolean" }),
        TypeRef::Json => json!({}),
        TypeRef::List(item) => json!({ "type": "array", "items": type_schema(api, item) }),
        TypeRef::Map(value) => {
            json!({ "type": "object", "additionalProperties": type_schema(api, value) })
        }
        // The IR never holds a dangling index; should one appear, the value is left unconstrained.
        TypeRef::Named(i) => api
            .models
            .get(*i)
            .map_or_else(|| json!({}), |m| schema_ref(&m.name)),
    }
}

fn model_schema(api: &Api, model: &Model) -> Value {
    match &model.kind {
        ModelKind::Object { fields, extra } => {
            let mut properties = Map::new();
            for field in fields {
                let mut schema = field_schema(api, field);
                if let Value::Object(schema) = &mut schema {
                    schema.insert("description".into(), json!(field.description));
                }
                properties.insert(field.wire.clone(), schema);
            }
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| !f.optional)
                .map(|f| f.wire.as_str())
                .collect();
            let mut out = Map::new();
            out.insert("type".into(), json!("object"));
            out.insert("description".into(), json!(model.description));
            out.insert("properties".into(), Value::Object(properties));
            if !required.is_empty() {
                out.insert("required".into(), json!(required));
            }
            if *extra {
                out.insert("additionalProperties".into(), json!(true));
            }
            Value::Object(out)
        }
        ModelKind::Enum { values, open } => {
            let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
            let descriptions: Map<String, Value> = values
                .iter()
                .map(|v| (v.wire.clone(), json!(v.description)))
                .collect();
            if *open {
                json!({
                    "description": format!("{} Other values may appear too.", model.description),
                    "anyOf": [{ "type": "string", "enum": wires }, { "type": "string" }],
                    "x-enum-descriptions": Value::Object(descriptions),
                })
            } else {
                json!({
                    "type": "string",
                    "description": model.description,
                    "enum": wires,
                    "x-enum-descriptions": Value::Object(descriptions),
                })
            }
        }
    }
}

/// The token's scheme: HTTP auth when the token goes in `Authorization` with a scheme, else a
/// header API key; the description lists the token kinds.
fn security_schemes(api: &Api) -> Value {
    let auth = &api.auth;
    let modes: Vec<String> = auth
        .modes
        .iter()
        .map(|m| {
            let prefix = m
                .prefix
                .as_deref()
                .map(|p| format!(", prefix `{p}`"))
                .unwrap_or_default();
            let deprecated = m
                .deprecated
                .as_deref()
                .map(|d| format!(" Deprecated: {d}"))
                .unwrap_or_default();
            format!(
                "- `{}` ({}{prefix}): {}{deprecated}",
                m.id, m.name, m.description
            )
        })
        .collect();
    let value = match &auth.scheme {
        Some(scheme) => format!("`{scheme} <token>`"),
        None => "the bare token".to_owned(),
    };
    let description = format!(
        "The token, sent in the `{}` header as {value} (the SDK reads `{}`). Operations list the kinds \
         they accept in `x-auth-modes`:\n{}",
        auth.header,
        auth.env,
        modes.join("\n")
    );
    let bearer = match &auth.scheme {
        Some(scheme) if auth.header.eq_ignore_ascii_case("authorization") => {
            json!({ "type": "http", "scheme": scheme.to_ascii_lowercase(), "description": description })
        }
        _ => {
            json!({ "type": "apiKey", "in": "header", "name": auth.header, "description": description })
        }
    };
    let mut schemes = Map::new();
    schemes.insert(BEARER_SCHEME.into(), bearer);
    for placement in HookPlacement::ALL {
        let used = api
            .resources
            .iter()
            .flat_map(|r| &r.operations)
            .any(|op| op.hook == placement);
        if let (true, Some((scheme, location, name))) = (used, placement.api_key(&api.hook)) {
            schemes.insert(
                scheme.into(),
                json!({ "type": "apiKey", "in": location, "name": name, "description": api.hook.description }),
            );
        }
    }
    Value::Object(schemes)
}

fn error_description(api: &Api) -> String {
    let mut text =
        "An error response. The SDK takes the message from `message` (else `error`) and tells \
                    these classes apart, in order:"
            .to_owned();
    for class in &api.errors {
        let contains = class
            .message_contains
            .as_deref()
            .map(|m| format!(", message containing \"{m}\""))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n- {} (status {}{contains}): {}",
            class.variant, class.status, class.summary
        ));
    }
    if api.errors.is_empty() {
        text.push_str(" none; every error is generic.");
    }
    text
}

/// `value` with the keys of every object in sorted order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
