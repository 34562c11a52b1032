//! The OpenAPI 3.1 document (`cargo xtask openapi`): the committed `spec/openapi.json` is fresh,
//! parses with an independent OpenAPI 3.1 library (`oas3`), and describes every operation,
//! parameter, model, deprecation and security scheme of the IR.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use codegen::ir::{self, ModelKind, Placement, TypeRef};
use oas3::spec::{ObjectOrReference, ObjectSchema, Operation, ParameterIn, Schema, SecurityScheme};
use oas3::Spec;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use xtask::workspace_root;

const SPEC: &str = "spec/cognipeer.yaml";
const PLACEMENTS: &str = "tests/fixtures/wire/placements.yaml";

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace_root().join(relative)).unwrap()
}

fn ir_of(text: &str, file: &str) -> ir::Api {
    codegen::parse(text, file).unwrap_or_else(|d| panic!("{d}"))
}

fn parse_document(json: &str) -> Spec {
    let spec = oas3::from_json(json).unwrap_or_else(|e| panic!("not an OpenAPI 3.1 document: {e}"));
    let version = spec
        .validate_version()
        .unwrap_or_else(|e| panic!("unsupported OpenAPI version: {e}"));
    assert_eq!(
        (version.major, version.minor),
        (3, 1),
        "expected OpenAPI 3.1, got {version}"
    );
    spec
}

/// Runs `check` on the committed document and, when it differs (a stale file, which
/// `committed_document_matches_the_spec` reports), on the one the spec gives now, so that neither
/// a stale file nor a change of the generator slips through.
fn each_document(check: impl Fn(&Spec, &Value, &ir::Api)) {
    let api = ir_of(&read(SPEC), SPEC);
    let committed = read(xtask::OPENAPI);
    let now = codegen::openapi(&read(SPEC), SPEC).unwrap_or_else(|d| panic!("{d}"));
    let mut documents = vec![(xtask::OPENAPI, committed)];
    if documents[0].1 != now {
        documents.push(("the document generated now", now));
    }
    for (label, json) in documents {
        eprintln!("checking {label}");
        check(
            &parse_document(&json),
            &serde_json::from_str(&json).unwrap(),
            &api,
        );
    }
}

/// The document of another spec, generated now, with its IR.
fn generated(text: &str, file: &str) -> (Spec, Value, ir::Api) {
    let json = codegen::openapi(text, file).unwrap_or_else(|d| panic!("{d}"));
    (
        parse_document(&json),
        serde_json::from_str(&json).unwrap(),
        ir_of(text, file),
    )
}

/// Every operation of the document by `(path, METHOD)`.
fn operations(spec: &Spec) -> BTreeMap<(String, String), &Operation> {
    spec.operations()
        .map(|(path, method, op)| ((path, method.as_str().to_owned()), op))
        .collect()
}

fn ir_operations(api: &ir::Api) -> impl Iterator<Item = (&ir::Resource, &ir::Operation)> {
    api.resources
        .iter()
        .flat_map(|r| r.operations.iter().map(move |op| (r, op)))
}

fn find<'a>(spec: &'a Spec, op: &ir::Operation) -> &'a Operation {
    spec.operation_by_id(&op.id)
        .unwrap_or_else(|| panic!("operation `{}` is missing", op.id))
}

fn object(schema: &Schema) -> &ObjectSchema {
    match schema {
        Schema::Object(boxed) => match boxed.as_ref() {
            ObjectOrReference::Object(object) => object,
            ObjectOrReference::Ref { ref_path, .. } => {
                panic!("expected an inline schema, got a reference to {ref_path}")
            }
        },
        Schema::Boolean(b) => panic!("expected an object schema, got `{}`", b.0),
    }
}

fn ref_path(schema: &Schema) -> Option<&str> {
    match schema {
        Schema::Object(boxed) => match boxed.as_ref() {
            ObjectOrReference::Ref { ref_path, .. } => Some(ref_path),
            ObjectOrReference::Object(_) => None,
        },
        Schema::Boolean(_) => None,
    }
}

fn component<'a>(spec: &'a Spec, name: &str) -> &'a ObjectSchema {
    let schemas = &spec.components.as_ref().expect("components").schemas;
    object(
        schemas
            .get(name)
            .unwrap_or_else(|| panic!("schema `{name}` is missing from components.schemas")),
    )
}

fn security_schemes(spec: &Spec) -> BTreeMap<String, SecurityScheme> {
    let components = spec.components.as_ref().expect("components");
    components
        .security_schemes
        .iter()
        .map(|(name, scheme)| (name.clone(), scheme.resolve(spec).unwrap()))
        .collect()
}

/// The names of each security requirement of an operation.
fn requirements(op: &Operation) -> Vec<BTreeSet<String>> {
    op.security
        .iter()
        .map(|r| r.0.keys().cloned().collect())
        .collect()
}

fn json_schema(op: &Operation, spec: &Spec, status: &str) -> Schema {
    let responses = op.responses(spec);
    let response = responses
        .get(status)
        .unwrap_or_else(|| panic!("no `{status}` response"));
    response
        .content
        .get("application/json")
        .and_then(|m| m.schema.clone())
        .expect("a JSON schema")
}

fn request_schema(op: &Operation, spec: &Spec) -> Option<Schema> {
    let body = op.request_body(spec).unwrap()?;
    assert_eq!(body.required, Some(true), "request bodies are required");
    body.content
        .get("application/json")
        .and_then(|m| m.schema.clone())
}

#[test]
fn committed_document_matches_the_spec() {
    let now = codegen::openapi(&read(SPEC), SPEC).unwrap_or_else(|d| panic!("{d}"));
    assert!(
        read(xtask::OPENAPI) == now,
        "{} is stale; run `cargo xtask openapi` (or `cargo xtask codegen`) and commit",
        xtask::OPENAPI
    );
    assert!(now.ends_with("}\n"));
}

#[test]
fn document_describes_the_api() {
    each_document(|spec, _, api| {
        assert_eq!(spec.openapi, "3.1.0");
        assert_eq!(spec.info.title, api.name);
        assert_eq!(spec.info.version, api.version);
        assert_eq!(
            spec.info.description.as_deref(),
            Some(api.description.as_str())
        );
        assert_eq!(
            spec.primary_server().map(|s| s.url.as_str()),
            Some(api.base_url.as_str())
        );
    });
}

#[test]
fn every_operation_is_there_with_its_id_method_path_and_tag() {
    each_document(|spec, _, api| {
        let by_route = operations(spec);
        let mut expected = 0;
        for (resource, op) in ir_operations(api) {
            expected += 1;
            let route = (op.path_template.clone(), op.http_method.clone());
            let found = by_route.get(&route).unwrap_or_else(|| {
                panic!("no {} {} for `{}`", op.http_method, op.path_template, op.id)
            });
            assert_eq!(
                found.operation_id.as_deref(),
                Some(op.id.as_str()),
                "{} {}",
                op.http_method,
                op.path_template
            );
            let (tag, _) = op.id.split_once('.').unwrap();
            assert_eq!(found.tags, vec![tag.to_owned()], "tags of `{}`", op.id);
            assert!(spec.tags.iter().any(|t| t.name == tag
                && t.description.as_deref() == Some(resource.description.as_str())));
            assert_eq!(
                found.description.as_deref(),
                Some(op.description.as_str()),
                "description of `{}`",
                op.id
            );
            assert!(found
                .summary
                .as_deref()
                .is_some_and(|s| !s.is_empty() && op.description.starts_with(s)));
            assert!(
                found.responses(spec).contains_key("default"),
                "`{}` has no default (error) response",
                op.id
            );
            assert_eq!(
                found.request_body.is_some(),
                op.body.is_some() || op.hook == Placement::Body,
                "request body of `{}`",
                op.id
            );
        }
        assert_eq!(
            by_route.len(),
            expected,
            "the document has operations the spec does not"
        );
    });
}

#[test]
fn every_path_and_query_parameter_is_there() {
    each_document(|spec, _, api| {
        let mut defaults = 0;
        for (_, op) in ir_operations(api) {
            let parameters = find(spec, op).parameters(spec).unwrap();
            for p in &op.path_params {
                let found = parameters
                    .iter()
                    .find(|q| q.name == p.wire && q.location == ParameterIn::Path)
                    .unwrap_or_else(|| {
                        panic!("path parameter `{}` of `{}` is missing", p.wire, op.id)
                    });
                assert_eq!(found.required, Some(true));
                assert_eq!(found.description.as_deref(), Some(p.description.as_str()));
            }
            let fields = match op.query.as_ref().map(|q| &q.kind) {
                Some(ModelKind::Object { fields, .. }) => fields.as_slice(),
                _ => &[],
            };
            for f in fields {
                let found = parameters
                    .iter()
                    .find(|q| q.name == f.wire && q.location == ParameterIn::Query)
                    .unwrap_or_else(|| {
                        panic!("query parameter `{}` of `{}` is missing", f.wire, op.id)
                    });
                assert_eq!(
                    found.required,
                    Some(!f.optional),
                    "`{}` of `{}`",
                    f.wire,
                    op.id
                );
                let schema = object(found.schema.as_ref().expect("a parameter schema"));
                let default = schema.default.as_ref().map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                assert_eq!(default, f.default, "default of `{}` of `{}`", f.wire, op.id);
                if let Some(default) = &schema.default {
                    let typed = match f.ty {
                        TypeRef::Integer => default.is_i64(),
                        TypeRef::Number => default.is_number(),
                        TypeRef::Boolean => default.is_boolean(),
                        _ => default.is_string(),
                    };
                    assert!(
                        typed,
                        "the default of `{}` of `{}` is not of its type: {default}",
                        f.wire, op.id
                    );
                }
                if f.ty == TypeRef::Integer {
                    assert_eq!(schema.format.as_deref(), Some("int64"));
                }
                defaults += usize::from(f.default.is_some());
            }
            assert_eq!(
                parameters.len(),
                op.path_params.len() + fields.len(),
                "parameters of `{}`",
                op.id
            );
        }
        assert!(
            defaults >= 2,
            "the spec has query parameters with defaults (messagesCount, version)"
        );
    });
}

#[test]
fn every_model_is_a_schema_with_its_wire_names() {
    each_document(|spec, _, api| {
        for model in &api.models {
            let schema = component(spec, &model.name);
            assert_eq!(
                schema
                    .description
                    .as_deref()
                    .map(|d| d.starts_with(&model.description)),
                Some(true),
                "{}",
                model.name
            );
            match &model.kind {
                ModelKind::Object { fields, extra } => {
                    let wires: BTreeSet<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
                    let properties: BTreeSet<&str> =
                        schema.properties.keys().map(String::as_str).collect();
                    assert_eq!(properties, wires, "properties of {}", model.name);
                    let required: BTreeSet<&str> = fields
                        .iter()
                        .filter(|f| !f.optional)
                        .map(|f| f.wire.as_str())
                        .collect();
                    assert_eq!(
                        schema
                            .required
                            .iter()
                            .map(String::as_str)
                            .collect::<BTreeSet<_>>(),
                        required,
                        "required of {}",
                        model.name
                    );
                    let additional = schema
                        .additional_properties
                        .as_ref()
                        .map(|s| matches!(s, Schema::Boolean(b) if b.0));
                    assert_eq!(
                        additional,
                        extra.then_some(true),
                        "additionalProperties of {}",
                        model.name
                    );
                    for f in fields {
                        let property = &schema.properties[&f.wire];
                        if let TypeRef::Named(i) = &f.ty {
                            let target = format!("#/components/schemas/{}", api.models[*i].name);
                            assert_eq!(
                                ref_path(property),
                                Some(target.as_str()),
                                "{}.{}",
                                model.name,
                                f.wire
                            );
                        }
                    }
                }
                ModelKind::Enum { values, open } => {
                    let wires: Vec<Value> = values
                        .iter()
                        .map(|v| Value::String(v.wire.clone()))
                        .collect();
                    let listed = if *open {
                        assert_eq!(
                            schema.any_of.len(),
                            2,
                            "an open enum is its values or any string: {}",
                            model.name
                        );
                        object(&schema.any_of[0]).enum_values.clone()
                    } else {
                        assert!(
                            schema.any_of.is_empty(),
                            "a closed enum allows only its values: {}",
                            model.name
                        );
                        schema.enum_values.clone()
                    };
                    assert_eq!(listed, wires, "values of {}", model.name);
                }
            }
        }
        assert!(component(spec, "Error").properties.contains_key("message"));
    });
}

#[test]
fn every_reference_resolves() {
    each_document(|spec, json, _| {
        fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        out.push(target);
                    }
                    map.values().for_each(|v| refs(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        refs(json, &mut found);
        assert!(!found.is_empty());
        let schemas = &spec.components.as_ref().unwrap().schemas;
        for target in found {
            let name = target
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("unexpected reference {target}"));
            assert!(schemas.contains_key(name), "dangling reference {target}");
        }
    });
}

#[test]
fn envelopes_wrap_the_payload() {
    each_document(|spec, _, api| {
        let mut checked = 0;
        for (_, op) in ir_operations(api) {
            let (Some(envelope), Some(TypeRef::Named(payload))) =
                (op.envelope.map(|i| &api.envelopes[i]), &op.response)
            else {
                continue;
            };
            let target = format!("#/components/schemas/{}", api.models[*payload].name);
            let schema = json_schema(find(spec, op), spec, "200");
            let wrapper = match &envelope.data {
                Some(data) => {
                    let wrapper = object(&schema);
                    assert_eq!(
                        ref_path(&wrapper.properties[data]),
                        Some(target.as_str()),
                        "payload of `{}`",
                        op.id
                    );
                    wrapper.clone()
                }
                None => {
                    let parts = &object(&schema).all_of;
                    assert_eq!(
                        parts.len(),
                        2,
                        "`{}`: the payload with the envelope's fields",
                        op.id
                    );
                    assert_eq!(ref_path(&parts[0]), Some(target.as_str()));
                    object(&parts[1]).clone()
                }
            };
            assert_eq!(
                wrapper.required,
                vec![envelope.success.clone()],
                "`{}`",
                op.id
            );
            assert!(wrapper.properties.contains_key(&envelope.success));
            checked += 1;
        }
        assert!(checked >= 4, "the contacts operations have envelopes");
        let unwrapped = find(spec, &api.resources[0].operations[0]);
        assert!(
            ref_path(&json_schema(unwrapped, spec, "200")).is_some(),
            "an operation without an envelope answers its type"
        );
    });
}

#[test]
fn security_schemes_and_requirements() {
    each_document(|spec, _, api| {
        let schemes = security_schemes(spec);
        match &schemes["bearer"] {
            SecurityScheme::Http { scheme, .. } => assert_eq!(scheme, "bearer"),
            other => panic!("the token is HTTP bearer auth, got {other:?}"),
        }
        match &schemes["hookHeader"] {
            SecurityScheme::ApiKey { name, location, .. } => {
                assert_eq!((name.as_str(), location.as_str()), ("X-Hook-Id", "header"))
            }
            other => panic!("hookHeader is a header API key, got {other:?}"),
        }
        assert!(
            !schemes.contains_key("hookQuery"),
            "no operation of the spec sends the hookId in the query"
        );
        for (_, op) in ir_operations(api) {
            let found = find(spec, op);
            let expected: BTreeSet<String> = ["bearer", "hookHeader"].map(str::to_owned).into();
            assert_eq!(
                requirements(found),
                vec![expected],
                "security of `{}`",
                op.id
            );
            let modes: Vec<Value> = op
                .accepts
                .iter()
                .map(|&i| Value::String(api.auth.modes[i].id.clone()))
                .collect();
            assert_eq!(
                found.extensions.get("auth-modes"),
                Some(&Value::Array(modes)),
                "x-auth-modes of `{}`",
                op.id
            );
        }
    });
}

#[test]
fn deprecations_are_carried() {
    each_document(|spec, _, api| {
        for (_, op) in ir_operations(api) {
            assert_eq!(
                find(spec, op).deprecated,
                op.deprecated.as_ref().map(|_| true),
                "`{}`",
                op.id
            );
        }
    });
    // The Cognipeer spec deprecates no operation yet; deprecate one of another spec.
    let text = read(PLACEMENTS).replace(
        "        description: No hookId at all.\n",
        "        description: No hookId at all.\n        deprecated: Use `by_header` instead.\n",
    );
    let (spec, _, api) = generated(&text, PLACEMENTS);
    let mut deprecated = 0;
    for (_, op) in ir_operations(&api) {
        let found = find(&spec, op);
        assert_eq!(
            found.deprecated,
            op.deprecated.as_ref().map(|_| true),
            "`{}`",
            op.id
        );
        if let Some(note) = &op.deprecated {
            assert!(found
                .description
                .as_deref()
                .is_some_and(|d| d.contains(note.as_str())));
            deprecated += 1;
        }
    }
    assert_eq!(deprecated, 1);
}

#[test]
fn every_hook_placement_and_a_header_key_token() {
    let (spec, json, api) = generated(&read(PLACEMENTS), PLACEMENTS);
    let schemes = security_schemes(&spec);
    match &schemes["bearer"] {
        SecurityScheme::ApiKey { name, location, .. } => {
            assert_eq!((name.as_str(), location.as_str()), ("X-Api-Key", "header"))
        }
        other => panic!("a token without a scheme is a header API key, got {other:?}"),
    }
    match &schemes["hookQuery"] {
        SecurityScheme::ApiKey { name, location, .. } => {
            assert_eq!((name.as_str(), location.as_str()), ("channel", "query"))
        }
        other => panic!("hookQuery is a query API key, got {other:?}"),
    }
    assert!(schemes.contains_key("hookHeader"));
    let mut seen = BTreeSet::new();
    for (_, op) in ir_operations(&api) {
        let found = find(&spec, op);
        let hook = match op.hook {
            Placement::Header => Some("hookHeader"),
            Placement::Query => Some("hookQuery"),
            Placement::Body | Placement::None => None,
        };
        let expected: BTreeSet<String> = std::iter::once("bearer")
            .chain(hook)
            .map(str::to_owned)
            .collect();
        assert_eq!(
            requirements(found),
            vec![expected],
            "security of `{}`",
            op.id
        );
        let placement = json["paths"][&op.path_template][op.http_method.to_ascii_lowercase()]
            ["x-hook"]
            .as_str()
            .unwrap();
        seen.insert(placement.to_owned());
        if op.hook == Placement::Body {
            assert_eq!(placement, "body");
            let parts = object(&request_schema(found, &spec).unwrap())
                .all_of
                .clone();
            assert_eq!(
                parts.len(),
                2,
                "`{}`: the body with the hookId field",
                op.id
            );
            let hook_part = object(&parts[1]);
            assert_eq!(hook_part.required, vec![api.hook.body_field.clone()]);
            assert!(hook_part.properties.contains_key(&api.hook.body_field));
        }
    }
    assert_eq!(
        seen,
        ["body", "header", "none", "query"]
            .map(str::to_owned)
            .into()
    );
}
