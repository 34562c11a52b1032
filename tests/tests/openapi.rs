//! The OpenAPI 3.1 document (`cargo xtask openapi`) and the checks that hold for any spec.
//!
//! The committed `spec/openapi.json` is fresh, parses with an independent OpenAPI 3.1 library
//! (`oas3`), and describes every operation, parameter, model, envelope, deprecation and security
//! scheme of the IR. Every check derives its expectations from the spec it is given, so the same
//! checks run on the real spec, on the wire tests' spec, and on a copy of the real spec extended
//! by `xtask::evolve::extend` (an operation of every hookId placement and auth combination, a
//! field on every type, a value on every open enum; `cargo xtask evolve-check` runs the whole
//! suite on it): a valid edit of the real spec followed by `cargo xtask codegen` keeps them green.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use codegen::ir::{self, HookPlacement, ModelKind, TypeRef};
use oas3::spec::{ObjectOrReference, ObjectSchema, Operation, ParameterIn, Schema, SecurityScheme};
use oas3::Spec;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use xtask::workspace_root;

const SPEC: &str = "spec/cognipeer.yaml";
const PLACEMENTS: &str = "tests/fixtures/wire/placements.yaml";

fn read(relative: &str) -> String {
    std::fs::read_to_string(workspace_root().join(relative)).unwrap()
}

// ---------------------------------------------------------------------------------------
// documents
// ---------------------------------------------------------------------------------------

/// An OpenAPI document, parsed twice (by `oas3` and as plain JSON), with the IR of its spec.
struct Document {
    label: String,
    spec: Spec,
    json: Value,
    api: ir::Api,
}

impl Document {
    fn new(label: impl Into<String>, json: &str, api: ir::Api) -> Self {
        let spec =
            oas3::from_json(json).unwrap_or_else(|e| panic!("not an OpenAPI 3.1 document: {e}"));
        let version = spec
            .validate_version()
            .unwrap_or_else(|e| panic!("unsupported OpenAPI version: {e}"));
        assert_eq!(
            (version.major, version.minor),
            (3, 1),
            "expected OpenAPI 3.1, got {version}"
        );
        Document {
            label: label.into(),
            spec,
            json: serde_json::from_str(json).unwrap(),
            api,
        }
    }

    /// The document a spec gives now.
    fn generated(text: &str, file: &str) -> Self {
        let json = codegen::openapi(text, file).unwrap_or_else(|d| panic!("{d}"));
        Document::new(file, &json, ir_of(text, file))
    }

    fn operation(&self, op: &ir::Operation) -> &Operation {
        self.spec
            .operation_by_id(&op.id)
            .unwrap_or_else(|| panic!("operation `{}` is missing", op.id))
    }

    /// The operation as plain JSON, for what `oas3` does not expose (extensions, `$ref` siblings).
    fn operation_json(&self, op: &ir::Operation) -> &Value {
        &self.json["paths"][&op.path_template][op.http_method.as_lowercase()]
    }

    fn operations(&self) -> impl Iterator<Item = (&ir::Resource, &ir::Operation)> {
        self.api
            .resources
            .iter()
            .flat_map(|r| r.operations.iter().map(move |op| (r, op)))
    }
}

fn ir_of(text: &str, file: &str) -> ir::Api {
    codegen::parse(text, file).unwrap_or_else(|d| panic!("{d}"))
}

/// The committed document and, when it differs (a stale file, which
/// `committed_document_matches_the_spec` reports), the one the spec gives now, so that neither a
/// stale file nor a change of the generator slips through.
fn real_documents() -> Vec<Document> {
    let text = read(SPEC);
    let now = Document::generated(&text, SPEC);
    let committed = read(xtask::OPENAPI);
    let mut documents = vec![Document::new(
        xtask::OPENAPI,
        &committed,
        ir_of(&text, SPEC),
    )];
    if documents[0].json != now.json {
        documents.push(now);
    }
    documents
}

/// A check of a document, derived from its IR.
type Check = fn(&Document);

/// Every check, named for the failure message.
const CHECKS: &[(&str, Check)] = &[
    ("info and server", describes_the_api),
    ("operations", every_operation_is_there),
    ("parameters", every_parameter_is_there),
    ("models", every_model_is_a_schema),
    ("references", every_reference_resolves),
    ("responses and envelopes", responses_and_envelopes),
    ("security and hookId", security_and_hook_placement),
];

fn run_checks(document: &Document) {
    for (name, check) in CHECKS {
        eprintln!("checking {} of {}", name, document.label);
        check(document);
    }
}

// ---------------------------------------------------------------------------------------
// oas3 helpers
// ---------------------------------------------------------------------------------------

/// Every operation of the document by `(path, METHOD)`.
fn operations(spec: &Spec) -> BTreeMap<(String, String), &Operation> {
    spec.operations()
        .map(|(path, method, op)| ((path, method.as_str().to_owned()), op))
        .collect()
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

fn model_ref(api: &ir::Api, i: usize) -> String {
    format!("#/components/schemas/{}", api.models[i].name)
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

/// The JSON schema of a response, if it has content.
fn response_schema(op: &Operation, spec: &Spec, status: &str) -> Option<Schema> {
    let responses = op.responses(spec);
    let response = responses
        .get(status)
        .unwrap_or_else(|| panic!("no `{status}` response"));
    response
        .content
        .get("application/json")
        .map(|m| m.schema.clone().expect("a JSON schema"))
}

fn request_schema(op: &Operation, spec: &Spec) -> Option<Schema> {
    let body = op.request_body(spec).unwrap()?;
    assert_eq!(body.required, Some(true), "request bodies are required");
    body.content
        .get("application/json")
        .and_then(|m| m.schema.clone())
}

// ---------------------------------------------------------------------------------------
// the checks
// ---------------------------------------------------------------------------------------

fn describes_the_api(document: &Document) {
    let (spec, api) = (&document.spec, &document.api);
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
}

/// Id, method, path, tag, description, deprecation and request body of every operation, and
/// nothing else.
fn every_operation_is_there(document: &Document) {
    let spec = &document.spec;
    let by_route = operations(spec);
    let mut expected = 0;
    for (resource, op) in document.operations() {
        expected += 1;
        let route = (op.path_template.clone(), op.http_method.to_string());
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
        assert!(spec
            .tags
            .iter()
            .any(|t| t.name == tag
                && t.description.as_deref() == Some(resource.description.as_str())));
        let description = match &op.deprecated {
            Some(note) => format!("{}\n\nDeprecated: {note}", op.description),
            None => op.description.clone(),
        };
        assert_eq!(
            found.description.as_deref(),
            Some(description.as_str()),
            "description of `{}`",
            op.id
        );
        assert!(found
            .summary
            .as_deref()
            .is_some_and(|s| !s.is_empty() && op.description.starts_with(s)));
        assert_eq!(
            found.deprecated,
            op.deprecated.as_ref().map(|_| true),
            "deprecation of `{}`",
            op.id
        );
        assert!(
            found.responses(spec).contains_key("default"),
            "`{}` has no default (error) response",
            op.id
        );
        assert_eq!(
            found.request_body.is_some(),
            op.body.is_some() || op.hook == HookPlacement::Body,
            "request body of `{}`",
            op.id
        );
    }
    assert_eq!(
        by_route.len(),
        expected,
        "the document has operations the spec does not"
    );
}

/// Every path and query parameter, required or not, with its default and integer format.
fn every_parameter_is_there(document: &Document) {
    let spec = &document.spec;
    for (_, op) in document.operations() {
        let parameters = document.operation(op).parameters(spec).unwrap();
        for p in &op.path_params {
            let found = parameters
                .iter()
                .find(|q| q.name == p.wire && q.location == ParameterIn::Path)
                .unwrap_or_else(|| panic!("path parameter `{}` of `{}` is missing", p.wire, op.id));
            assert_eq!(found.required, Some(true));
            assert_eq!(found.description.as_deref(), Some(p.description.as_str()));
        }
        let fields = op.query.as_ref().map_or(&[][..], |q| &q.fields);
        let json = document.operation_json(op)["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for f in fields {
            let found = parameters
                .iter()
                .find(|q| q.name == f.wire && q.location == ParameterIn::Query)
                .unwrap_or_else(|| {
                    panic!("query parameter `{}` of `{}` is missing", f.wire, op.id)
                });
            let context = format!("`{}` of `{}`", f.wire, op.id);
            assert_eq!(found.required, Some(!f.optional), "{context}");
            assert_eq!(
                found.description.as_deref(),
                Some(f.description.as_str()),
                "{context}"
            );
            // The schema may be a `$ref` (an enum) with a default beside it: read it as JSON.
            let schema = &json
                .iter()
                .find(|p| p["name"] == f.wire.as_str() && p["in"] == "query")
                .unwrap()["schema"];
            assert_eq!(
                schema.get("default"),
                f.default.as_ref(),
                "default of {context}"
            );
            if f.ty == TypeRef::Integer {
                assert_eq!(schema["format"], "int64", "{context}");
            }
        }
        assert_eq!(
            parameters.len(),
            op.path_params.len() + fields.len(),
            "parameters of `{}`",
            op.id
        );
    }
}

/// Every model is a component schema with its wire names, required fields, defaults, extra
/// fields and enum values.
fn every_model_is_a_schema(document: &Document) {
    let (spec, api) = (&document.spec, &document.api);
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
                let json = &document.json["components"]["schemas"][&model.name]["properties"];
                for f in fields {
                    assert_eq!(
                        json[&f.wire].get("default"),
                        f.default.as_ref(),
                        "default of {}.{}",
                        model.name,
                        f.wire
                    );
                    if let TypeRef::Named(i) = &f.ty {
                        assert_eq!(
                            ref_path(&schema.properties[&f.wire]),
                            Some(model_ref(api, *i).as_str()),
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
}

fn every_reference_resolves(document: &Document) {
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
    refs(&document.json, &mut found);
    let schemas = &document.spec.components.as_ref().unwrap().schemas;
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {target}"));
        assert!(schemas.contains_key(name), "dangling reference {target}");
    }
}

/// A success response answers the response type, wrapped in the operation's envelope: under its
/// `data` field, or merged with the envelope's fields when the whole body is the payload.
fn responses_and_envelopes(document: &Document) {
    let (spec, api) = (&document.spec, &document.api);
    for (_, op) in document.operations() {
        let schema = response_schema(document.operation(op), spec, "200");
        let named = match &op.response {
            Some(TypeRef::Named(i)) => Some(model_ref(api, *i)),
            _ => None,
        };
        let Some(envelope) = op.envelope.map(|i| &api.envelopes[i]) else {
            assert_eq!(schema.is_some(), op.response.is_some(), "`{}`", op.id);
            if let Some(target) = &named {
                assert_eq!(
                    ref_path(schema.as_ref().unwrap()),
                    Some(target.as_str()),
                    "an operation without an envelope answers its type: `{}`",
                    op.id
                );
            }
            continue;
        };
        let schema = schema.unwrap_or_else(|| panic!("`{}` answers an envelope", op.id));
        let (wrapper, payload) = match (&envelope.data, op.response.is_some()) {
            (Some(data), true) => {
                let wrapper = object(&schema).clone();
                let payload = wrapper.properties[data].clone();
                (wrapper, Some(payload))
            }
            (None, true) => {
                let parts = &object(&schema).all_of;
                assert_eq!(
                    parts.len(),
                    2,
                    "`{}`: the payload with the envelope's fields",
                    op.id
                );
                (object(&parts[1]).clone(), Some(parts[0].clone()))
            }
            (_, false) => (object(&schema).clone(), None),
        };
        if let (Some(target), Some(payload)) = (&named, &payload) {
            assert_eq!(
                ref_path(payload),
                Some(target.as_str()),
                "payload of `{}`",
                op.id
            );
        }
        assert_eq!(
            wrapper.required,
            vec![envelope.success.clone()],
            "`{}`",
            op.id
        );
        assert!(wrapper.properties.contains_key(&envelope.success));
    }
}

/// The token's scheme, a hookId scheme for each placement in use, each operation's requirements,
/// accepted modes and placement, and the hookId field of body placements.
fn security_and_hook_placement(document: &Document) {
    let (spec, api) = (&document.spec, &document.api);
    let schemes = security_schemes(spec);
    // HTTP auth when the token goes in `Authorization` with a scheme, else a header API key.
    let http_scheme = api
        .auth
        .scheme
        .as_ref()
        .filter(|_| api.auth.header.eq_ignore_ascii_case("authorization"));
    match (http_scheme, &schemes["bearer"]) {
        (Some(expected), SecurityScheme::Http { scheme, .. }) => {
            assert_eq!(*scheme, expected.to_ascii_lowercase())
        }
        (None, SecurityScheme::ApiKey { name, location, .. }) => {
            assert_eq!((name, location.as_str()), (&api.auth.header, "header"))
        }
        (_, other) => panic!("unexpected token scheme {other:?}"),
    }
    let hook_schemes = [
        (
            HookPlacement::Header,
            "hookHeader",
            &api.hook.header,
            "header",
        ),
        (HookPlacement::Query, "hookQuery", &api.hook.query, "query"),
    ];
    for (placement, scheme, expected_name, expected_location) in hook_schemes {
        let used = document.operations().any(|(_, op)| op.hook == placement);
        match schemes.get(scheme) {
            Some(SecurityScheme::ApiKey { name, location, .. }) => {
                assert!(used, "`{scheme}` is declared but no operation uses it");
                assert_eq!(
                    (name, location.as_str()),
                    (expected_name, expected_location)
                );
            }
            Some(other) => panic!("{scheme} is an API key, got {other:?}"),
            None => assert!(!used, "`{scheme}` is missing"),
        }
    }
    for (_, op) in document.operations() {
        let found = document.operation(op);
        let (hook_scheme, placement) = match op.hook {
            HookPlacement::Header => (Some("hookHeader"), "header"),
            HookPlacement::Query => (Some("hookQuery"), "query"),
            HookPlacement::Body => (None, "body"),
            HookPlacement::None => (None, "none"),
        };
        let expected: BTreeSet<String> = std::iter::once("bearer")
            .chain(hook_scheme)
            .map(str::to_owned)
            .collect();
        assert_eq!(
            requirements(found),
            vec![expected],
            "security of `{}`",
            op.id
        );
        let extensions = document.operation_json(op);
        let modes: Vec<&str> = op
            .accepts
            .iter()
            .map(|&i| api.auth.modes[i].id.as_str())
            .collect();
        assert_eq!(extensions["x-auth-modes"], json!(modes), "`{}`", op.id);
        assert_eq!(extensions["x-hook"], placement, "`{}`", op.id);
        if op.hook == HookPlacement::Body {
            let body = request_schema(found, spec).unwrap();
            let hook_part = match op.body {
                Some(_) => {
                    let parts = &object(&body).all_of;
                    assert_eq!(
                        parts.len(),
                        2,
                        "`{}`: the body with the hookId field",
                        op.id
                    );
                    object(&parts[1]).clone()
                }
                None => object(&body).clone(),
            };
            assert_eq!(hook_part.required, vec![api.hook.body_field.clone()]);
            assert!(hook_part.properties.contains_key(&api.hook.body_field));
        }
    }
}

// ---------------------------------------------------------------------------------------
// the real spec, the wire tests' spec and the real spec extended
// ---------------------------------------------------------------------------------------

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
fn the_real_spec_passes_every_check() {
    for document in real_documents() {
        run_checks(&document);
    }
}

#[test]
fn the_wire_spec_passes_every_check() {
    let document = Document::generated(&read(PLACEMENTS), PLACEMENTS);
    run_checks(&document);
    // What this fixture is for: every placement, and a token in a header of its own.
    let placements: BTreeSet<String> = document
        .operations()
        .map(|(_, op)| document.operation_json(op)["x-hook"].to_string())
        .collect();
    assert_eq!(placements.len(), 4, "{placements:?}");
    assert!(matches!(
        security_schemes(&document.spec)["bearer"],
        SecurityScheme::ApiKey { .. }
    ));
}

#[test]
fn the_real_spec_extended_with_every_placement_and_auth_passes_every_check() {
    let text = read(SPEC);
    let real = ir_of(&text, SPEC);
    let extended = xtask::evolve::extend(&text).unwrap();
    let document = Document::generated(&extended, SPEC);
    run_checks(&document);

    // The copy has what it was made for: the real operations, and every placement with every
    // auth combination.
    let api = &document.api;
    let real_ops: Vec<&str> = real
        .resources
        .iter()
        .flat_map(|r| &r.operations)
        .map(|op| op.id.as_str())
        .collect();
    let ops: Vec<&ir::Operation> = api.resources.iter().flat_map(|r| &r.operations).collect();
    assert!(real_ops.iter().all(|id| ops.iter().any(|op| op.id == *id)));
    let modes = api.auth.modes.len();
    let mut combinations: Vec<Vec<usize>> = (0..modes).map(|i| vec![i]).collect();
    combinations.push((0..modes).collect());
    let default: Vec<usize> = ops
        .iter()
        .find(|op| op.id.ends_with(".default_auth"))
        .map(|op| op.accepts.clone())
        .unwrap();
    combinations.push(default);
    for placement in [
        HookPlacement::Header,
        HookPlacement::Body,
        HookPlacement::Query,
        HookPlacement::None,
    ] {
        for accepts in &combinations {
            assert!(
                ops.iter()
                    .any(|op| op.hook == placement && &op.accepts == accepts),
                "no {placement:?} operation accepting {accepts:?}"
            );
        }
    }
    assert_eq!(ops.len(), real_ops.len() + 4 * (modes + 2));

    // A new optional field on every object and query, a new value on every open enum only.
    let grown = |kind: &ModelKind| match kind {
        ModelKind::Object { fields, .. } => {
            (fields.len(), fields.iter().filter(|f| f.optional).count())
        }
        ModelKind::Enum { values, .. } => (values.len(), 0),
    };
    for model in &real.models {
        let after = api.models.iter().find(|m| m.name == model.name).unwrap();
        let (n, optional) = grown(&model.kind);
        let added = match model.kind {
            ModelKind::Enum { open: false, .. } => (0, 0),
            ModelKind::Enum { open: true, .. } => (1, 0),
            ModelKind::Object { .. } => (1, 1),
        };
        assert_eq!(
            grown(&after.kind),
            (n + added.0, optional + added.1),
            "{}",
            model.name
        );
    }
    for op in real.resources.iter().flat_map(|r| &r.operations) {
        let after = ops.iter().find(|o| o.id == op.id).unwrap();
        let fields = |op: &ir::Operation| op.query.as_ref().map(|q| q.fields.len());
        assert_eq!(fields(after), fields(op).map(|n| n + 1), "{}", op.id);
    }
    // An extended spec extends again, as `cargo xtask evolve-check` does with its copy.
    ir_of(&xtask::evolve::extend(&extended).unwrap(), SPEC);

    // And it generates, the same twice, with a module per resource.
    let read = codegen::files_in(workspace_root().join("spec"));
    let generate = || codegen::generate_with(&extended, SPEC, &read);
    let files = generate().unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(files, generate().unwrap(), "two runs differ");
    for resource in &api.resources {
        let module = format!("src/resources/{}.rs", resource.module);
        assert!(files.contains_key(&module), "{module} is missing");
    }
}
