//! Raw spec → IR. Every check lives here; every problem becomes a [`Diagnostic`] with its spec path,
//! and all of them are collected in one run.

use crate::diagnostic::{suggest, Diagnostic};
use crate::ir::{self, Placement, TypeRef};
use crate::naming::{is_valid, pascal, shouty, snake};
use crate::spec;
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

/// Names of generated items that share a namespace with spec-named items.
const RESERVED_TYPES: &[&str] = &[
    "Option", "Some", "None", "String", "Vec", "Box", "Result", "Ok", "Err", "Default", "Clone", "Debug",
    "PartialEq", "Serialize", "Deserialize",
];
const RESERVED_ERRORS: &[&str] = &[
    "Config", "InvalidCredential", "AuthModeNotAccepted", "Encode", "Api", "Unsuccessful", "Timeout",
    "Transport", "Decode", "Precondition",
];
const RESERVED_ACCESSORS: &[&str] = &["new", "builder", "from_env", "base_url", "token_mode", "clone", "fmt"];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
const BODILESS: &[&str] = &["GET", "HEAD", "DELETE"];

/// Validates a parsed spec. Returns the IR, or every problem found.
pub fn validate(spec: &spec::Spec, spec_file: &str) -> Result<ir::Api, Vec<Diagnostic>> {
    let mut v = Validator::default();
    let api = v.api(spec, spec_file);
    if v.diags.is_empty() {
        Ok(api)
    } else {
        Err(v.diags)
    }
}

#[derive(Default)]
struct Validator {
    diags: Vec<Diagnostic>,
}

impl Validator {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(path, message));
    }

    fn error_help(&mut self, path: impl Into<String>, message: impl Into<String>, help: impl Into<String>) {
        self.diags.push(Diagnostic::new(path, message).help(help));
    }

    fn api(&mut self, spec: &spec::Spec, spec_file: &str) -> ir::Api {
        if spec.spec_version != 1 {
            self.error_help(
                "spec_version",
                format!("unsupported spec_version {}", spec.spec_version),
                "this generator reads spec_version 1",
            );
        }
        let a = &spec.api;
        if a.crate_name.is_empty()
            || !a.crate_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            || !a.crate_name.starts_with(|c: char| c.is_ascii_lowercase())
        {
            self.error_help(
                "api.crate",
                format!("`{}` is not a valid crate name", a.crate_name),
                "use lower-case letters, digits, `-` and `_`, starting with a letter",
            );
        }
        let version_ok = a.version.split('.').count() == 3 && a.version.split('.').all(|p| p.parse::<u64>().is_ok());
        if !version_ok {
            self.error_help("api.version", format!("`{}` is not a version", a.version), "write it as MAJOR.MINOR.PATCH, e.g. `0.1.0`");
        }
        let client = a.client.clone().unwrap_or_else(|| format!("{}Client", pascal(&a.name)));
        if !is_valid(&client) || pascal(&client) != client {
            self.error_help("api.client", format!("`{client}` is not a valid type name"), "use a PascalCase name such as `AcmeClient`");
        }
        if !(a.base_url.starts_with("https://") || a.base_url.starts_with("http://")) {
            self.error_help("api.base_url", format!("`{}` is not an http(s) URL", a.base_url), "write it as `https://host/prefix`");
        }
        let base_url_env = a.base_url_env.clone().unwrap_or_else(|| format!("{}_BASE_URL", shouty(&a.name)));
        self.env_var("api.base_url_env", &base_url_env);
        if a.timeout_secs == Some(0) {
            self.error("api.timeout_secs", "the timeout must be at least 1 second");
        }
        let retry = a.retry.as_ref().map_or((3, 200, 30_000), |r| (r.max_attempts, r.initial_backoff_ms, r.max_backoff_ms));
        if retry.0 == 0 {
            self.error_help("api.retry.max_attempts", "max_attempts counts the first attempt, so it must be at least 1", "use 1 to disable retries");
        }
        if retry.1 > retry.2 {
            self.error_help("api.retry.initial_backoff_ms", "the first backoff is longer than the longest wait (`max_backoff_ms`)", "lower `initial_backoff_ms` or raise `max_backoff_ms`");
        }

        let auth = self.auth(&spec.auth);
        let hook = self.hook(&spec.hook);
        let errors = self.errors(&spec.errors);
        let envelopes = self.envelopes(&spec.envelopes);
        let type_index: IndexMap<&str, usize> = spec.types.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let models = self.models(&spec.types, &type_index);
        let resources = self.resources(spec, &models, &type_index);
        if [&auth.env, &hook.env, &base_url_env].iter().collect::<BTreeSet<_>>().len() < 3 {
            self.error_help(
                "auth.env",
                format!("the token (`{}`), hookId (`{}`) and base-URL (`{base_url_env}`) environment variables must differ", auth.env, hook.env),
                "give each its own name",
            );
        }
        ir::Api {
            spec_file: spec_file.to_owned(),
            name: a.name.clone(),
            client,
            crate_name: a.crate_name.clone(),
            version: a.version.clone(),
            description: a.description.clone().unwrap_or_else(|| format!("Client for the {} API.", a.name)),
            base_url: a.base_url.trim_end_matches('/').to_owned(),
            base_url_env,
            timeout_secs: a.timeout_secs.unwrap_or(60),
            retry,
            auth,
            hook,
            errors,
            envelopes,
            models,
            resources,
        }
    }

    fn env_var(&mut self, path: &str, name: &str) {
        let ok = name.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
            && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            self.error_help(path, format!("`{name}` is not a valid environment variable name"), "use upper-case letters, digits and `_`");
        }
    }

    fn header_name(&mut self, path: &str, name: &str) {
        let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(tchar) {
            self.error_help(path, format!("`{name}` is not a valid HTTP header name"), "use letters, digits and `-`, e.g. `X-Hook-Id`");
        }
    }

    /// A unique Rust name for each of `names`, reporting collisions that appear after conversion.
    fn unique_names<'a>(
        &mut self,
        what: &str,
        parent: &str,
        names: impl IntoIterator<Item = &'a String>,
        convert: impl Fn(&str) -> String,
        reserved: &[&str],
    ) -> Vec<String> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        let mut out = Vec::new();
        for name in names {
            let rust = convert(name);
            let path = format!("{parent}.{name}");
            if !is_valid(&rust) {
                self.error_help(&path, format!("{what} `{name}` does not give a usable Rust name (`{rust}`)"), "start it with a letter and use letters, digits and `_`");
            } else if reserved.contains(&rust.as_str()) {
                self.error_help(&path, format!("{what} `{name}` becomes `{rust}`, which the generated code already uses"), "choose another name");
            } else if let Some(first) = seen.get(&rust) {
                self.error_help(&path, format!("{what} `{name}` and `{first}` both become `{rust}` in Rust"), "rename one of them");
            } else {
                seen.insert(rust.clone(), name);
            }
            out.push(rust);
        }
        out
    }

    fn auth(&mut self, a: &spec::Auth) -> ir::Auth {
        self.header_name("auth.header", &a.header);
        if let Some(scheme) = &a.scheme {
            if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_graphic()) {
                self.error("auth.scheme", format!("`{scheme}` is not a valid auth scheme"));
            }
        }
        self.env_var("auth.env", &a.env);
        if a.modes.is_empty() {
            self.error_help("auth.modes", "no auth modes are declared", "declare at least one mode, e.g. `pat: { name: personal access token, prefix: pat_ }`");
        }
        let variants = self.unique_names("auth mode", "auth.modes", a.modes.keys(), pascal, &[]);
        let mut modes = Vec::new();
        for ((id, m), variant) in a.modes.iter().zip(variants) {
            if let Some(prefix) = &m.prefix {
                if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_graphic()) {
                    self.error(format!("auth.modes.{id}.prefix"), format!("prefix `{prefix}` must be non-empty visible ASCII"));
                }
            }
            modes.push(ir::AuthMode {
                id: id.clone(),
                constructor: snake(id),
                variant,
                name: m.name.clone(),
                description: m.description.clone().unwrap_or_else(|| format!("A {}.", m.name)),
                prefix: m.prefix.clone(),
                deprecated: m.deprecated.clone(),
            });
        }
        for (i, m) in modes.iter().enumerate() {
            for other in &modes[i + 1..] {
                if let (Some(p), Some(q)) = (&m.prefix, &other.prefix) {
                    if p.starts_with(q.as_str()) || q.starts_with(p.as_str()) {
                        self.error_help(
                            format!("auth.modes.{}.prefix", other.id),
                            format!("prefixes `{p}` ({}) and `{q}` ({}) overlap, so a token's mode would be ambiguous", m.id, other.id),
                            "make neither prefix start with the other",
                        );
                    }
                }
            }
        }
        let ids: Vec<&str> = a.modes.keys().map(String::as_str).collect();
        let unprefixed = a.unprefixed.as_ref().and_then(|m| self.mode_ref("auth.unprefixed", m, &ids));
        if let Some(m) = unprefixed.and_then(|i| modes.get(i)) {
            if m.prefix.is_some() {
                self.error_help("auth.unprefixed", format!("mode `{}` has a prefix, so it cannot be the mode of unprefixed tokens", m.id), "name a mode without `prefix`");
            }
        }
        if a.unprefixed.is_none() && !a.modes.is_empty() && modes.iter().all(|m| m.prefix.is_none()) {
            self.error_help("auth.modes", "no mode has a prefix, so the kind of a token can never be told", "add `unprefixed: <mode>` to `auth`, or a `prefix` to a mode");
        }
        if a.default.is_empty() {
            self.error_help("auth.default", "the default list of accepted modes is empty", "list at least one mode");
        }
        for m in &a.default {
            self.mode_ref("auth.default", m, &ids);
        }
        ir::Auth { header: a.header.clone(), scheme: a.scheme.clone(), env: a.env.clone(), modes, unprefixed }
    }

    fn mode_ref(&mut self, path: &str, id: &str, ids: &[&str]) -> Option<usize> {
        let found = ids.iter().position(|m| *m == id);
        if found.is_none() {
            self.error_help(path, format!("unknown auth mode `{id}`"), suggest(id, ids.iter().copied()));
        }
        found
    }

    fn hook(&mut self, h: &spec::Hook) -> ir::Hook {
        self.env_var("hook.env", &h.env);
        self.header_name("hook.header", &h.header);
        if h.body_field.is_empty() {
            self.error("hook.body_field", "the hookId body field name is empty");
        }
        if h.query.is_empty() {
            self.error("hook.query", "the hookId query parameter name is empty");
        }
        ir::Hook {
            description: h.description.clone().unwrap_or_else(|| "The channel hookId.".to_owned()),
            env: h.env.clone(),
            header: h.header.clone(),
            body_field: h.body_field.clone(),
            query: h.query.clone(),
        }
    }

    fn errors(&mut self, errors: &IndexMap<String, spec::ErrorClass>) -> Vec<ir::ErrorClass> {
        let variants = self.unique_names("error class", "errors", errors.keys(), pascal, RESERVED_ERRORS);
        let mut out = Vec::new();
        for ((name, e), variant) in errors.iter().zip(variants) {
            if !(400..=599).contains(&e.status) {
                self.error_help(format!("errors.{name}.status"), format!("status {} is not an error status", e.status), "use a status from 400 to 599");
            }
            out.push(ir::ErrorClass {
                variant,
                status: e.status,
                message_contains: e.message_contains.as_ref().map(|m| m.to_lowercase()),
                summary: e.summary.clone(),
                hints: e.hints.clone(),
            });
        }
        out
    }

    fn envelopes(&mut self, envelopes: &IndexMap<String, spec::Envelope>) -> Vec<ir::Envelope> {
        let constants = self.unique_names("envelope", "envelopes", envelopes.keys(), shouty, &[]);
        envelopes
            .iter()
            .zip(constants)
            .map(|((name, e), constant)| ir::Envelope {
                constant,
                description: e.description.clone().unwrap_or_else(|| format!("The `{name}` envelope.")),
                success: e.success.clone(),
                error: e.error.clone(),
                data: e.data.clone(),
            })
            .collect()
    }

    /// Parses a type expression: `string`, `integer`, `number`, `boolean`, `json`, `list<T>`,
    /// `map<T>` or a declared type name, with a trailing `?` for optional where `allow_optional`.
    fn type_expr(
        &mut self,
        path: &str,
        expr: &str,
        types: &IndexMap<&str, usize>,
        allow_optional: bool,
    ) -> Option<(TypeRef, bool)> {
        let expr = expr.trim();
        let (inner, optional) = match expr.strip_suffix('?') {
            Some(inner) => (inner.trim(), true),
            None => (expr, false),
        };
        if optional && !allow_optional {
            self.error_help(path, format!("`{expr}` cannot be optional here"), format!("write `{inner}`"));
            return None;
        }
        self.type_ref(path, inner, types).map(|t| (t, optional))
    }

    fn type_ref(&mut self, path: &str, expr: &str, types: &IndexMap<&str, usize>) -> Option<TypeRef> {
        let expr = expr.trim();
        let generic = |name: &str| expr.strip_prefix(name).and_then(|r| r.strip_prefix('<')).and_then(|r| r.strip_suffix('>'));
        if let Some(inner) = generic("list") {
            return self.type_ref(path, inner, types).map(|t| TypeRef::List(Box::new(t)));
        }
        if let Some(inner) = generic("map") {
            return self.type_ref(path, inner, types).map(|t| TypeRef::Map(Box::new(t)));
        }
        Some(match expr {
            "string" => TypeRef::String,
            "integer" => TypeRef::Integer,
            "number" => TypeRef::Number,
            "boolean" => TypeRef::Boolean,
            "json" => TypeRef::Json,
            name => match types.get(name) {
                Some(i) => TypeRef::Named(*i),
                None => {
                    let builtin = ["string", "integer", "number", "boolean", "json"];
                    let candidates: Vec<&str> = types.keys().copied().chain(builtin).collect();
                    let help = match crate::diagnostic::closest(name, candidates.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None => "declare it under `types:`, or use string, integer, number, boolean, json, list<T> or map<T>".to_owned(),
                    };
                    self.diags.push(Diagnostic::new(path, format!("unknown type `{name}`")).help(help));
                    return None;
                }
            },
        })
    }

    fn models(&mut self, types: &IndexMap<String, spec::TypeDef>, index: &IndexMap<&str, usize>) -> Vec<ir::Model> {
        let names = self.unique_names("type", "types", types.keys(), pascal, RESERVED_TYPES);
        let mut models = Vec::new();
        for ((name, t), rust) in types.iter().zip(names) {
            let path = format!("types.{name}");
            let description = t.description.clone().unwrap_or_else(|| format!("The `{name}` type."));
            let kind = match (&t.fields, &t.values) {
                (Some(fields), None) => {
                    if t.open.is_some() {
                        self.error_help(format!("{path}.open"), "`open` applies to enums (`values`), not objects", "remove it");
                    }
                    let extra = t.extra.unwrap_or(false);
                    let fields = self.fields(&format!("{path}.fields"), fields, index, extra, false);
                    ir::ModelKind::Object { fields, extra }
                }
                (None, Some(values)) => {
                    if t.extra.is_some() {
                        self.error_help(format!("{path}.extra"), "`extra` applies to objects (`fields`), not enums", "remove it");
                    }
                    if values.is_empty() {
                        self.error(format!("{path}.values"), "an enum needs at least one value");
                    }
                    let open = t.open.unwrap_or(false);
                    let reserved: &[&str] = if open { &["Unknown"] } else { &[] };
                    let wire: Vec<&String> = values.keys().collect();
                    let variants = self.unique_names("enum value", &format!("{path}.values"), wire.iter().copied(), pascal, reserved);
                    let values = values
                        .iter()
                        .zip(variants)
                        .map(|((w, d), variant)| ir::EnumValue {
                            variant,
                            wire: w.clone(),
                            description: d.clone().unwrap_or_else(|| format!("`{w}`.")),
                        })
                        .collect();
                    ir::ModelKind::Enum { values, open }
                }
                _ => {
                    self.error_help(&path, format!("type `{name}` must have exactly one of `fields` and `values`"), "use `fields:` for an object, `values:` for a string enum");
                    ir::ModelKind::Object { fields: Vec::new(), extra: false }
                }
            };
            models.push(ir::Model { name: rust, description, kind, defaultable: false });
        }
        self.check_recursion(types, &models);
        mark_defaultable(&mut models);
        models
    }

    fn fields(
        &mut self,
        path: &str,
        fields: &IndexMap<String, spec::Field>,
        index: &IndexMap<&str, usize>,
        extra: bool,
        allow_default: bool,
    ) -> Vec<ir::Field> {
        let reserved: &[&str] = if extra { &["extra"] } else { &[] };
        let rust_names = self.unique_names("field", path, fields.keys(), snake, reserved);
        let mut wires: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        for ((name, f), rust) in fields.iter().zip(rust_names) {
            let wire = f.wire.clone().unwrap_or_else(|| name.clone());
            if !wires.insert(f.wire.as_deref().unwrap_or(name)) {
                self.error_help(format!("{path}.{name}"), format!("two fields use the wire name `{wire}`"), "give each field its own `wire` name");
            }
            let Some((ty, optional)) = self.type_expr(&format!("{path}.{name}"), &f.ty, index, true) else { continue };
            let default = f.default.as_ref().and_then(|value| {
                let at = format!("{path}.{name}.default");
                if !allow_default {
                    self.error_help(at, "defaults apply to query parameters only", "remove `default`; leave the field unset instead");
                    None
                } else if !optional {
                    self.error_help(at, format!("`{name}` has a default, so it should be optional"), format!("write its type as `{}?`", f.ty.trim()));
                    None
                } else {
                    self.default_text(&at, value, &ty)
                }
            });
            out.push(ir::Field {
                rust,
                wire,
                ty,
                optional,
                description: f.description.clone().unwrap_or_else(|| format!("The `{name}` field.")),
                default,
            });
        }
        out
    }

    /// The query text of a default value, checked against the parameter's type.
    fn default_text(&mut self, path: &str, value: &serde_yaml::Value, ty: &TypeRef) -> Option<String> {
        use serde_yaml::Value as Y;
        let text = match (ty, value) {
            (TypeRef::String | TypeRef::Named(_), Y::String(s)) => Some(s.clone()),
            (TypeRef::Integer, Y::Number(n)) if n.is_i64() => Some(n.to_string()),
            (TypeRef::Number, Y::Number(n)) => Some(n.to_string()),
            (TypeRef::Boolean, Y::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        if text.is_none() {
            self.error_help(path, "the default does not match the parameter's type", "write a value of the parameter's type, e.g. `10`, `latest` or `true`");
        }
        text
    }

    /// A required field whose type contains its own struct without a list or map in between
    /// would make an infinitely large type.
    fn check_recursion(&mut self, types: &IndexMap<String, spec::TypeDef>, models: &[ir::Model]) {
        let direct = |m: &ir::Model| -> Vec<usize> {
            match &m.kind {
                ir::ModelKind::Object { fields, .. } => {
                    fields.iter().filter_map(|f| if let TypeRef::Named(i) = f.ty { Some(i) } else { None }).collect()
                }
                ir::ModelKind::Enum { .. } => Vec::new(),
            }
        };
        for (start, name) in types.keys().enumerate() {
            let mut stack = vec![start];
            let mut seen = BTreeSet::new();
            while let Some(i) = stack.pop() {
                for next in models.get(i).map(direct).unwrap_or_default() {
                    if next == start {
                        self.error_help(
                            format!("types.{name}"),
                            format!("type `{name}` contains itself directly, which would make it infinitely large"),
                            "put the recursive field inside a `list<…>` or `map<…>`",
                        );
                        stack.clear();
                        break;
                    }
                    if seen.insert(next) {
                        stack.push(next);
                    }
                }
            }
        }
    }

    fn resources(
        &mut self,
        spec: &spec::Spec,
        models: &[ir::Model],
        index: &IndexMap<&str, usize>,
    ) -> Vec<ir::Resource> {
        let accessors = self.unique_names("resource", "resources", spec.resources.keys(), snake, RESERVED_ACCESSORS);
        if accessors.iter().any(|a| a == "mod") && accessors.iter().any(|a| a == "mod_") {
            self.error_help("resources", "resources `mod` and `mod_` would share the module file `mod_.rs`", "rename one of them");
        }
        let mut out = Vec::new();
        let mut query_names: BTreeSet<String> = BTreeSet::new();
        for ((name, r), accessor) in spec.resources.iter().zip(accessors) {
            let path = format!("resources.{name}.operations");
            let methods = self.unique_names("operation", &path, r.operations.keys(), snake, &["new"]);
            let mut operations = Vec::new();
            for ((op_name, op), method_name) in r.operations.iter().zip(methods) {
                let ctx = OpContext { spec, models, index, resource: name, name: op_name };
                if let Some(op) = self.operation(&ctx, op, method_name) {
                    if let Some(q) = &op.query {
                        if models.iter().any(|m| m.name == q.name) || !query_names.insert(q.name.clone()) {
                            self.error_help(format!("{path}.{op_name}.query"), format!("the generated query type `{}` collides with another type", q.name), "rename the type or the operation");
                        }
                    }
                    operations.push(op);
                }
            }
            // Operation names were checked above; here only the `…_all` helpers pagination adds.
            let mut method_names: BTreeSet<&str> = operations.iter().map(|op| op.method_name.as_str()).collect();
            for op in &operations {
                if let Some(helper) = op.pagination.as_ref().map(|p| p.method_name.as_str()) {
                    if !method_names.insert(helper) {
                        self.error_help(format!("{path}.{}.paginate", op.id.rsplit('.').next().unwrap_or_default()), format!("pagination adds a method `{helper}` to `{name}`, but that name is taken"), "rename the operation or the other method");
                    }
                }
            }
            out.push(ir::Resource {
                type_name: pascal(name),
                // `mod.rs` is the resources module itself.
                module: if accessor == "mod" { "mod_".to_owned() } else { accessor.clone() },
                accessor,
                description: r.description.clone().unwrap_or_else(|| format!("The `{name}` resource.")),
                operations,
            });
        }
        out
    }

    fn operation(&mut self, ctx: &OpContext, op: &spec::Operation, method_name: String) -> Option<ir::Operation> {
        let id = format!("{}.{}", ctx.resource, ctx.name);
        let path = format!("resources.{}.operations.{}", ctx.resource, ctx.name);
        let http_method = op.method.to_uppercase();
        if !METHODS.contains(&http_method.as_str()) {
            self.error_help(format!("{path}.method"), format!("unknown HTTP method `{}`", op.method), suggest(&http_method, METHODS.iter().copied()));
        }
        let bodiless = BODILESS.contains(&http_method.as_str());

        let (segments, params) = self.path(&path, op);
        let query = self.query(ctx, &path, op);

        let body = op.body.as_ref().and_then(|b| self.type_expr(&format!("{path}.body"), b, ctx.index, false)).map(|(t, _)| t);
        if op.body.is_some() && bodiless {
            self.error_help(format!("{path}.body"), format!("a {http_method} request cannot have a body"), "remove `body`, or use POST, PUT or PATCH");
        }
        let response = op.response.as_ref().and_then(|r| self.type_expr(&format!("{path}.response"), r, ctx.index, false)).map(|(t, _)| t);

        let envelope = op.envelope.as_ref().and_then(|e| {
            let found = ctx.spec.envelopes.get_index_of(e.as_str());
            if found.is_none() {
                let names = ctx.spec.envelopes.keys().map(String::as_str);
                self.error_help(format!("{path}.envelope"), format!("unknown envelope `{e}`"), suggest(e, names));
            }
            found
        });

        let ids: Vec<&str> = ctx.spec.auth.modes.keys().map(String::as_str).collect();
        let mut accepts = Vec::new();
        match &op.auth {
            Some(own) => {
                if own.is_empty() {
                    self.error_help(format!("{path}.auth"), "the list of accepted auth modes is empty", format!("list at least one of {}", ids.join(", ")));
                }
                for m in own {
                    if let Some(i) = self.mode_ref(&format!("{path}.auth"), m, &ids) {
                        accepts.push(i);
                    }
                }
            }
            // Problems in `auth.default` are reported once, there.
            None => accepts.extend(ctx.spec.auth.default.iter().filter_map(|m| ids.iter().position(|id| id == m))),
        }
        let mut seen = BTreeSet::new();
        accepts.retain(|i| seen.insert(*i));

        let hook = op.hook.unwrap_or(ctx.spec.hook.default);
        self.hook_placement(ctx, &path, hook, &http_method, body.as_ref(), op);

        let inputs = Inputs::of(query.as_ref(), body.as_ref(), ctx.models);
        let (requires_any, non_empty) = match &op.requires {
            Some(r) => {
                for (list, key) in [(&r.any_of, "any_of"), (&r.non_empty, "non_empty")] {
                    for name in list {
                        self.input_name(&format!("{path}.requires.{key}"), name, &inputs);
                    }
                }
                (r.any_of.clone(), r.non_empty.clone())
            }
            None => (Vec::new(), Vec::new()),
        };
        let pagination = op.paginate.as_ref().and_then(|p| {
            self.pagination(ctx, &format!("{path}.paginate"), p, &inputs, response.as_ref(), &method_name)
        });

        Some(ir::Operation {
            idempotent: op.idempotent.unwrap_or(matches!(http_method.as_str(), "GET" | "PUT" | "DELETE" | "HEAD")),
            constant: shouty(ctx.name),
            method_name,
            http_method,
            path_template: op.path.clone(),
            path: segments,
            path_params: params,
            query,
            body,
            response,
            envelope,
            accepts,
            hook,
            description: op.description.clone().unwrap_or_else(|| format!("`{} {}`.", op.method, op.path)),
            deprecated: op.deprecated.clone(),
            requires_any,
            non_empty,
            pagination,
            id,
        })
    }

    /// Checks that `name` is a query parameter or body field of the operation.
    fn input_name(&mut self, path: &str, name: &str, inputs: &Inputs) {
        if !inputs.open_body && !inputs.query.contains(&name) && !inputs.body.contains(&name) {
            let candidates = inputs.query.iter().chain(&inputs.body).copied();
            self.error_help(path, format!("`{name}` is neither a query parameter nor a body field of this operation"), suggest(name, candidates));
        }
    }

    fn pagination(
        &mut self,
        ctx: &OpContext,
        path: &str,
        p: &spec::Paginate,
        inputs: &Inputs,
        response: Option<&TypeRef>,
        method_name: &str,
    ) -> Option<ir::Pagination> {
        self.input_name(&format!("{path}.page"), &p.page, inputs);
        self.input_name(&format!("{path}.limit"), &p.limit, inputs);
        let fields = match response.and_then(|r| if let TypeRef::Named(i) = r { ctx.models.get(*i) } else { None }).map(|m| &m.kind) {
            Some(ir::ModelKind::Object { fields, .. }) => fields,
            _ => {
                self.error_help(path, "pagination needs a response object type holding the items and the total", "set `response` to an object type such as `ContactPage`");
                return None;
            }
        };
        let item = match fields.iter().find(|f| f.wire == p.items).map(|f| &f.ty) {
            Some(TypeRef::List(item)) => Some((**item).clone()),
            _ => {
                let names = fields.iter().map(|f| f.wire.as_str());
                self.error_help(format!("{path}.items"), format!("the response has no list field `{}`", p.items), suggest(&p.items, names));
                None
            }
        };
        match fields.iter().find(|f| f.wire == p.total) {
            Some(f) if f.ty == TypeRef::Integer => {}
            Some(_) => self.error_help(format!("{path}.total"), format!("the response field `{}` is not an integer", p.total), "declare it as `integer`"),
            None => {
                let names = fields.iter().map(|f| f.wire.as_str());
                self.error_help(format!("{path}.total"), format!("the response has no integer field `{}`", p.total), suggest(&p.total, names));
            }
        }
        Some(ir::Pagination {
            method_name: format!("{method_name}_all"),
            page: p.page.clone(),
            limit: p.limit.clone(),
            in_query: inputs.query.contains(&p.page.as_str()),
            items: p.items.clone(),
            total: p.total.clone(),
            item: item?,
        })
    }

    fn path(&mut self, path: &str, op: &spec::Operation) -> (Vec<ir::PathSegment>, Vec<ir::PathParam>) {
        if !op.path.starts_with('/') {
            self.error_help(format!("{path}.path"), format!("path `{}` must start with `/`", op.path), format!("write `/{}`", op.path));
        }
        let declared: Vec<&String> = op.path_params.keys().collect();
        let rust = self.unique_names("path parameter", &format!("{path}.path_params"), declared.iter().copied(), snake, &[]);
        let params: Vec<ir::PathParam> = op
            .path_params
            .iter()
            .zip(rust)
            .map(|((wire, p), rust)| ir::PathParam {
                wire: wire.clone(),
                rust,
                description: p.description.clone().unwrap_or_else(|| format!("The `{wire}` path parameter.")),
            })
            .collect();
        let mut segments = Vec::new();
        let mut used = BTreeSet::new();
        let mut rest = op.path.as_str();
        while let Some(open) = rest.find('{') {
            if open > 0 {
                segments.push(ir::PathSegment::Literal(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                self.error_help(format!("{path}.path"), format!("unclosed `{{` in path `{}`", op.path), "close the parameter with `}`");
                return (segments, params);
            };
            let name = &rest[open + 1..open + close];
            match params.iter().position(|p| p.wire == name) {
                Some(i) => {
                    used.insert(i);
                    segments.push(ir::PathSegment::Param(i));
                }
                None => self.error_help(
                    format!("{path}.path"),
                    format!("path parameter `{name}` is used in the path but not declared"),
                    format!("add `path_params: {{ {name}: {{ description: … }} }}`"),
                ),
            }
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(ir::PathSegment::Literal(rest.to_owned()));
        }
        if rest.contains('}') {
            self.error(format!("{path}.path"), format!("unmatched `}}` in path `{}`", op.path));
        }
        for (i, p) in params.iter().enumerate() {
            if !used.contains(&i) {
                self.error_help(
                    format!("{path}.path_params.{}", p.wire),
                    format!("path parameter `{}` is declared but not in the path `{}`", p.wire, op.path),
                    format!("use `{{{}}}` in the path, or remove the declaration", p.wire),
                );
            }
        }
        (segments, params)
    }

    fn query(&mut self, ctx: &OpContext, path: &str, op: &spec::Operation) -> Option<ir::Model> {
        if op.query.is_empty() {
            return None;
        }
        let qpath = format!("{path}.query");
        let fields = self.fields(&qpath, &op.query, ctx.index, false, true);
        for f in &fields {
            let scalar = match &f.ty {
                TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => true,
                TypeRef::Named(i) => matches!(ctx.models.get(*i).map(|m| &m.kind), Some(ir::ModelKind::Enum { .. })),
                _ => false,
            };
            if !scalar {
                self.error_help(format!("{qpath}.{}", f.wire), format!("query parameter `{}` must be a string, integer, number, boolean or enum", f.wire), "send structured values in the body");
            }
            if f.wire == ctx.spec.hook.query && op.hook.unwrap_or(ctx.spec.hook.default) == Placement::Query {
                self.error_help(format!("{qpath}.{}", f.wire), format!("query parameter `{}` clashes with the hookId query parameter", f.wire), "rename it; the client adds the hookId itself");
            }
        }
        for f in &fields {
            let (Some(default), TypeRef::Named(i)) = (&f.default, &f.ty) else { continue };
            if let Some(ir::ModelKind::Enum { values, open: false }) = ctx.models.get(*i).map(|m| &m.kind) {
                if !values.iter().any(|v| &v.wire == default) {
                    let names = values.iter().map(|v| v.wire.as_str());
                    self.error_help(format!("{qpath}.{}.default", f.wire), format!("`{default}` is not a value of the parameter's enum"), suggest(default, names));
                }
            }
        }
        let mut model = ir::Model {
            name: pascal(&format!("{}_{}_query", ctx.resource, ctx.name)),
            description: format!("Query parameters of `{}.{}`.", ctx.resource, ctx.name),
            kind: ir::ModelKind::Object { fields, extra: false },
            defaultable: false,
        };
        model.defaultable = object_defaultable(&model, ctx.models);
        Some(model)
    }

    fn hook_placement(
        &mut self,
        ctx: &OpContext,
        path: &str,
        hook: Placement,
        http_method: &str,
        body: Option<&TypeRef>,
        op: &spec::Operation,
    ) {
        if hook != Placement::Body {
            return;
        }
        let at = if op.hook.is_some() { format!("{path}.hook") } else { "hook.default".to_owned() };
        if BODILESS.contains(&http_method) {
            self.error_help(at, format!("`{}` sends the hookId in the body, but a {http_method} request has no body", ctx.resource.to_owned() + "." + ctx.name), "use `hook: header` or `hook: query` for this operation");
            return;
        }
        match body {
            None | Some(TypeRef::Map(_)) => {}
            Some(TypeRef::Named(i)) => match ctx.models.get(*i).map(|m| &m.kind) {
                Some(ir::ModelKind::Object { fields, .. }) => {
                    if let Some(f) = fields.iter().find(|f| f.wire == ctx.spec.hook.body_field) {
                        self.error_help(at, format!("the body already has a field `{}`, where the hookId would go", f.wire), "remove that field; the client fills the hookId in itself");
                    }
                }
                _ => self.error_help(at, "the hookId goes in the body, but the body is not a JSON object", "use an object type or `map<…>` as the body, or another hook placement"),
            },
            Some(_) => self.error_help(at, "the hookId goes in the body, but the body is not a JSON object", "use an object type or `map<…>` as the body, or another hook placement"),
        }
    }
}

/// The wire names an operation's caller can set: query parameters and body fields.
struct Inputs<'a> {
    query: Vec<&'a str>,
    body: Vec<&'a str>,
    /// The body is a free-form map, so any name may be in it.
    open_body: bool,
}

impl<'a> Inputs<'a> {
    fn of(query: Option<&'a ir::Model>, body: Option<&TypeRef>, models: &'a [ir::Model]) -> Self {
        let names = |m: &'a ir::Model| match &m.kind {
            ir::ModelKind::Object { fields, .. } => fields.iter().map(|f| f.wire.as_str()).collect(),
            ir::ModelKind::Enum { .. } => Vec::new(),
        };
        let body_model = match body {
            Some(TypeRef::Named(i)) => models.get(*i),
            _ => None,
        };
        Inputs {
            query: query.map(names).unwrap_or_default(),
            body: body_model.map(names).unwrap_or_default(),
            open_body: matches!(body, Some(TypeRef::Map(_) | TypeRef::Json)),
        }
    }
}

struct OpContext<'a> {
    spec: &'a spec::Spec,
    models: &'a [ir::Model],
    index: &'a IndexMap<&'a str, usize>,
    resource: &'a str,
    name: &'a str,
}

fn type_defaultable(t: &TypeRef, models: &[ir::Model]) -> bool {
    match t {
        TypeRef::Named(i) => models.get(*i).is_some_and(|m| m.defaultable),
        _ => true,
    }
}

fn object_defaultable(model: &ir::Model, models: &[ir::Model]) -> bool {
    match &model.kind {
        ir::ModelKind::Object { fields, .. } => fields.iter().all(|f| f.optional || type_defaultable(&f.ty, models)),
        ir::ModelKind::Enum { .. } => false,
    }
}

/// Fixpoint: an object is defaultable when all its required fields are.
fn mark_defaultable(models: &mut [ir::Model]) {
    loop {
        let mut changed = false;
        for i in 0..models.len() {
            if !models[i].defaultable && object_defaultable(&models[i], models) {
                models[i].defaultable = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
