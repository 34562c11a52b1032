//! Resources and operations: methods, paths and their parameters, queries, bodies, auth modes,
//! hook placement, preconditions and pagination.

use super::types::fields_defaultable;
use super::{Validator, RESERVED_ACCESSORS};
use crate::diagnostic::{closest, suggest};
use crate::ir::{self, HookPlacement, HttpMethod, TypeRef};
use crate::naming::{pascal, shouty, snake};
use crate::spec;
use indexmap::IndexMap;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

impl Validator {
    pub(super) fn resources(
        &mut self,
        spec: &spec::Spec,
        models: &[ir::Model],
        index: &IndexMap<&str, usize>,
    ) -> Vec<ir::Resource> {
        let accessors = self.unique_names(
            "resource",
            "resources",
            spec.resources.keys(),
            snake,
            RESERVED_ACCESSORS,
        );
        if accessors.iter().any(|a| a == "mod") && accessors.iter().any(|a| a == "mod_") {
            self.error_help(
                "resources",
                "resources `mod` and `mod_` would share the module file `mod_.rs`",
                "rename one of them",
            );
        }
        let mut out = Vec::new();
        let mut query_names: BTreeSet<String> = BTreeSet::new();
        // Method and path with the parameter names left out: `{id}` and `{contactId}` are one route.
        let mut routes: BTreeMap<(HttpMethod, String), (String, String)> = BTreeMap::new();
        for ((name, r), accessor) in spec.resources.iter().zip(accessors) {
            let path = format!("resources.{name}.operations");
            let methods =
                self.unique_names("operation", &path, r.operations.keys(), snake, &["new"]);
            let mut operations = Vec::new();
            for ((op_name, op), method_name) in r.operations.iter().zip(methods) {
                let ctx = OpContext {
                    spec,
                    models,
                    index,
                    resource: name,
                    name: op_name,
                };
                if let Some(op) = self.operation(&ctx, op, method_name) {
                    let route = op
                        .path
                        .iter()
                        .map(|segment| match segment {
                            ir::PathSegment::Literal(text) => text.as_str(),
                            ir::PathSegment::Param(_) => "{}",
                        })
                        .collect();
                    match routes.entry((op.http_method, route)) {
                        Entry::Occupied(first) => self.error_help(
                            format!("{path}.{op_name}.path"),
                            format!(
                                "`{} {}` of `{}` is the route of `{}` (`{}`), so a request could not tell them apart",
                                op.http_method,
                                op.path_template,
                                op.id,
                                first.get().0,
                                first.get().1
                            ),
                            "give one of them another method or path",
                        ),
                        Entry::Vacant(slot) => {
                            slot.insert((op.id.clone(), op.path_template.clone()));
                        }
                    }
                    if let Some(q) = &op.query {
                        if models.iter().any(|m| m.name == q.name)
                            || !query_names.insert(q.name.clone())
                        {
                            self.error_help(
                                format!("{path}.{op_name}.query"),
                                format!(
                                    "the generated query type `{}` collides with another type",
                                    q.name
                                ),
                                "rename the type or the operation",
                            );
                        }
                    }
                    operations.push(op);
                }
            }
            // Operation names were checked above; here only the `…_with_body` methods bodies add.
            let mut method_names: BTreeSet<&str> = operations
                .iter()
                .map(|op| op.method_name.as_str())
                .collect();
            for op in &operations {
                if let Some((with_body, _)) = &op.request.with_body {
                    if !method_names.insert(with_body) {
                        self.error_help(format!("{path}.{}.body", op.id.rsplit('.').next().unwrap_or_default()), format!("the body of `{}` adds a method `{with_body}` to `{name}` (it takes the body prepared), but that name is taken", op.id), "rename the operation or the other method");
                    }
                }
            }
            out.push(ir::Resource {
                name: name.clone(),
                type_name: pascal(name),
                // `mod.rs` is the resources module itself.
                module: if accessor == "mod" {
                    "mod_".to_owned()
                } else {
                    accessor.clone()
                },
                accessor,
                description: r
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("The `{name}` resource.")),
                operations,
            });
        }
        out
    }

    fn operation(
        &mut self,
        ctx: &OpContext,
        op: &spec::Operation,
        method_name: String,
    ) -> Option<ir::Operation> {
        let id = format!("{}.{}", ctx.resource, ctx.name);
        let path = format!("resources.{}.operations.{}", ctx.resource, ctx.name);
        let http_method = HttpMethod::parse(&op.method);
        if http_method.is_none() {
            self.error_help(
                format!("{path}.method"),
                format!("unknown HTTP method `{}`", op.method),
                suggest(
                    &op.method.to_uppercase(),
                    HttpMethod::ALL.iter().map(|m| m.as_str()),
                ),
            );
        }
        // An unknown method was reported above; nothing else is checked against it.
        let bodiless = http_method.filter(|m| !m.allows_body());

        let (segments, params) = self.path(&path, op);
        let query = self.query(ctx, &path, op);

        let body = op
            .body
            .as_ref()
            .and_then(|b| self.type_expr(&format!("{path}.body"), b, ctx.index, false))
            .map(|(t, _)| t);
        if let (Some(_), Some(bodiless)) = (&op.body, bodiless) {
            self.error_help(
                format!("{path}.body"),
                format!("a {bodiless} request cannot have a body"),
                "remove `body`, or use POST, PUT or PATCH",
            );
        }
        let response = op
            .response
            .as_ref()
            .and_then(|r| self.type_expr(&format!("{path}.response"), r, ctx.index, false))
            .map(|(t, _)| t);

        let envelope = op.envelope.as_ref().and_then(|e| {
            let found = ctx.spec.envelopes.get_index_of(e.as_str());
            if found.is_none() {
                let names = ctx.spec.envelopes.keys().map(String::as_str);
                self.error_help(
                    format!("{path}.envelope"),
                    format!("unknown envelope `{e}`"),
                    suggest(e, names),
                );
            }
            found
        });

        let ids: Vec<&str> = ctx.spec.auth.modes.keys().map(String::as_str).collect();
        let mut accepts = Vec::new();
        match &op.auth {
            Some(own) => {
                if own.is_empty() {
                    self.error_help(
                        format!("{path}.auth"),
                        "the list of accepted auth modes is empty",
                        format!("list at least one of {}", ids.join(", ")),
                    );
                }
                for m in own {
                    if let Some(i) = self.mode_ref(&format!("{path}.auth"), m, &ids) {
                        accepts.push(i);
                    }
                }
            }
            // Problems in `auth.default` are reported once, there.
            None => accepts.extend(
                ctx.spec
                    .auth
                    .default
                    .iter()
                    .filter_map(|m| ids.iter().position(|id| id == m)),
            ),
        }
        let mut seen = BTreeSet::new();
        accepts.retain(|i| seen.insert(*i));

        let hook = op.hook.unwrap_or(ctx.spec.hook.default);
        self.hook_placement(ctx, &path, hook, bodiless, body.as_ref(), op);

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
            self.pagination(
                ctx,
                &format!("{path}.paginate"),
                p,
                &inputs,
                response.as_ref(),
            )
        });

        let http_method = http_method.unwrap_or(HttpMethod::Get);
        let request = request(ctx, &method_name, &params, query.as_ref(), body.as_ref());
        Some(ir::Operation {
            request,
            idempotent: op.idempotent.unwrap_or(http_method.idempotent()),
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
            description: op
                .description
                .clone()
                .unwrap_or_else(|| format!("`{} {}`.", op.method, op.path)),
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
            self.error_help(
                path,
                format!("`{name}` is neither a query parameter nor a body field of this operation"),
                suggest(name, candidates),
            );
        }
    }

    fn pagination(
        &mut self,
        ctx: &OpContext,
        path: &str,
        p: &spec::Paginate,
        inputs: &Inputs,
        response: Option<&TypeRef>,
    ) -> Option<ir::Pagination> {
        self.input_name(&format!("{path}.page"), &p.page, inputs);
        self.input_name(&format!("{path}.limit"), &p.limit, inputs);
        let fields = match response
            .and_then(|r| {
                if let TypeRef::Named(i) = r {
                    ctx.models.get(*i)
                } else {
                    None
                }
            })
            .map(|m| &m.kind)
        {
            Some(ir::ModelKind::Object { fields, .. }) => fields,
            _ => {
                self.error_help(
                    path,
                    "pagination needs a response object type holding the items and the total",
                    "set `response` to an object type such as `ContactPage`",
                );
                return None;
            }
        };
        let item = match fields.iter().find(|f| f.wire == p.items).map(|f| &f.ty) {
            Some(TypeRef::List(item)) => Some((**item).clone()),
            _ => {
                let names = fields.iter().map(|f| f.wire.as_str());
                self.error_help(
                    format!("{path}.items"),
                    format!("the response has no list field `{}`", p.items),
                    suggest(&p.items, names),
                );
                None
            }
        };
        match fields.iter().find(|f| f.wire == p.total) {
            Some(f) if f.ty == TypeRef::Integer => {}
            Some(_) => self.error_help(
                format!("{path}.total"),
                format!("the response field `{}` is not an integer", p.total),
                "declare it as `integer`",
            ),
            None => {
                let names = fields.iter().map(|f| f.wire.as_str());
                self.error_help(
                    format!("{path}.total"),
                    format!("the response has no integer field `{}`", p.total),
                    suggest(&p.total, names),
                );
            }
        }
        Some(ir::Pagination {
            constant: format!("{}_PAGING", shouty(ctx.name)),
            page: p.page.clone(),
            limit: p.limit.clone(),
            in_query: inputs.query.contains(&p.page.as_str()),
            items: p.items.clone(),
            total: p.total.clone(),
            item: item?,
        })
    }

    fn path(
        &mut self,
        path: &str,
        op: &spec::Operation,
    ) -> (Vec<ir::PathSegment>, Vec<ir::PathParam>) {
        if !op.path.starts_with('/') {
            self.error_help(
                format!("{path}.path"),
                format!("path `{}` must start with `/`", op.path),
                format!("write `/{}`", op.path),
            );
        }
        let declared: Vec<&String> = op.path_params.keys().collect();
        let rust = self.unique_names(
            "path parameter",
            &format!("{path}.path_params"),
            declared.iter().copied(),
            snake,
            &[],
        );
        let params: Vec<ir::PathParam> = op
            .path_params
            .iter()
            .zip(rust)
            .map(|((wire, p), rust)| ir::PathParam {
                wire: wire.clone(),
                rust,
                description: p
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("The `{wire}` path parameter.")),
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
                self.error_help(
                    format!("{path}.path"),
                    format!("unclosed `{{` in path `{}`", op.path),
                    "close the parameter with `}`",
                );
                return (segments, params);
            };
            let name = &rest[open + 1..open + close];
            match params.iter().position(|p| p.wire == name) {
                Some(i) => {
                    used.insert(i);
                    segments.push(ir::PathSegment::Param(i));
                }
                None => {
                    let declared = params.iter().map(|p| p.wire.as_str());
                    // A misspelt use of a declared parameter (`{conversationid}`) is one mistake:
                    // it is reported here only, not again as a declared parameter left unused.
                    let help = match closest(name, declared) {
                        Some(close) => {
                            used.extend(params.iter().position(|p| p.wire == close));
                            format!("did you mean `{{{close}}}` (declared under `path_params`)?")
                        }
                        None => format!("add `path_params: {{ {name}: {{ description: … }} }}`"),
                    };
                    self.error_help(
                        format!("{path}.path"),
                        format!("path parameter `{name}` is used in the path but not declared"),
                        help,
                    );
                }
            }
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            segments.push(ir::PathSegment::Literal(rest.to_owned()));
        }
        if rest.contains('}') {
            self.error(
                format!("{path}.path"),
                format!("unmatched `}}` in path `{}`", op.path),
            );
        }
        for (i, p) in params.iter().enumerate() {
            if !used.contains(&i) {
                self.error_help(
                    format!("{path}.path_params.{}", p.wire),
                    format!(
                        "path parameter `{}` is declared but not in the path `{}`",
                        p.wire, op.path
                    ),
                    format!(
                        "use `{{{}}}` in the path, or remove the declaration",
                        p.wire
                    ),
                );
            }
        }
        (segments, params)
    }

    fn query(&mut self, ctx: &OpContext, path: &str, op: &spec::Operation) -> Option<ir::Query> {
        if op.query.is_empty() {
            return None;
        }
        let qpath = format!("{path}.query");
        let fields = self.fields(&qpath, &op.query, ctx.index, false);
        for f in &fields {
            let scalar = match &f.ty {
                TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => true,
                TypeRef::Named(i) => matches!(
                    ctx.models.get(*i).map(|m| &m.kind),
                    Some(ir::ModelKind::Enum { .. })
                ),
                _ => false,
            };
            if !scalar {
                self.error_help(
                    format!("{qpath}.{}", f.wire),
                    format!(
                        "query parameter `{}` must be a string, integer, number, boolean or enum",
                        f.wire
                    ),
                    "send structured values in the body",
                );
            }
            if f.wire == ctx.spec.hook.query
                && op.hook.unwrap_or(ctx.spec.hook.default) == HookPlacement::Query
            {
                self.error_help(
                    format!("{qpath}.{}", f.wire),
                    format!(
                        "query parameter `{}` clashes with the hookId query parameter",
                        f.wire
                    ),
                    "rename it; the client adds the hookId itself",
                );
            }
        }
        Some(ir::Query {
            name: pascal(&format!("{}_{}_query", ctx.resource, ctx.name)),
            description: format!("Query parameters of `{}.{}`.", ctx.resource, ctx.name),
            defaultable: fields_defaultable(&fields, ctx.models),
            fields,
        })
    }

    fn hook_placement(
        &mut self,
        ctx: &OpContext,
        path: &str,
        hook: HookPlacement,
        bodiless: Option<HttpMethod>,
        body: Option<&TypeRef>,
        op: &spec::Operation,
    ) {
        if hook != HookPlacement::Body {
            return;
        }
        let at = if op.hook.is_some() {
            format!("{path}.hook")
        } else {
            "hook.default".to_owned()
        };
        if let Some(http_method) = bodiless {
            self.error_help(
                at,
                format!(
                    "`{}` sends the hookId in the body, but a {http_method} request has no body",
                    ctx.resource.to_owned() + "." + ctx.name
                ),
                "use `hook: header` or `hook: query` for this operation",
            );
            return;
        }
        match body {
            None | Some(TypeRef::Map(_)) => {}
            Some(TypeRef::Named(i)) => match ctx.models.get(*i).map(|m| &m.kind) {
                Some(ir::ModelKind::Object { fields, .. }) => {
                    if let Some(f) = fields.iter().find(|f| f.wire == ctx.spec.hook.body_field) {
                        self.error_help(
                            at,
                            format!(
                                "the body already has a field `{}`, where the hookId would go",
                                f.wire
                            ),
                            "remove that field; the client fills the hookId in itself",
                        );
                    }
                }
                _ => self.error_help(
                    at,
                    "the hookId goes in the body, but the body is not a JSON object",
                    "use an object type or `map<…>` as the body, or another hook placement",
                ),
            },
            Some(_) => self.error_help(
                at,
                "the hookId goes in the body, but the body is not a JSON object",
                "use an object type or `map<…>` as the body, or another hook placement",
            ),
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
    fn of(query: Option<&'a ir::Query>, body: Option<&TypeRef>, models: &'a [ir::Model]) -> Self {
        let names = |fields: &'a [ir::Field]| fields.iter().map(|f| f.wire.as_str()).collect();
        let body_fields = match body.and_then(|b| match b {
            TypeRef::Named(i) => models.get(*i).map(|m| &m.kind),
            _ => None,
        }) {
            Some(ir::ModelKind::Object { fields, .. }) => names(fields),
            _ => Vec::new(),
        };
        Inputs {
            query: query.map(|q| names(&q.fields)).unwrap_or_default(),
            body: body_fields,
            open_body: matches!(body, Some(TypeRef::Map(_) | TypeRef::Json)),
        }
    }
}

/// Methods every request builder has, which no setter may take.
const BUILDER_METHODS: &[&str] = &["send", "body", "query", "into_pages", "clone", "fmt"];

/// The request builder of an operation: its names, arguments and setters. A name that an
/// earlier input or the builder already uses gets its input's kind in front (`body_id`), then
/// underscores until it is free.
fn request(
    ctx: &OpContext,
    method_name: &str,
    params: &[ir::PathParam],
    query: Option<&ir::Query>,
    body: Option<&ir::TypeRef>,
) -> ir::Request {
    let mut inputs = RequestInputs {
        setter_names: BUILDER_METHODS.iter().map(|m| m.to_string()).collect(),
        ..RequestInputs::default()
    };
    for (i, p) in params.iter().enumerate() {
        inputs.arg(&p.rust, "path", ir::InputSource::Path(i));
    }
    if let Some(q) = query {
        inputs.fields(&q.fields, "query", ir::InputSource::Query);
    }
    let body = body.map(|ty| {
        let model = match ty {
            ir::TypeRef::Named(i) => ctx.models.get(*i).map(|m| (*i, &m.kind)),
            _ => None,
        };
        match model {
            Some((i, ir::ModelKind::Object { fields, .. })) => {
                inputs.fields(fields, "body", ir::InputSource::BodyField);
                ir::RequestBody::Object(i)
            }
            _ => {
                let defaultable = matches!(ty, ir::TypeRef::List(_) | ir::TypeRef::Map(_));
                if !defaultable {
                    inputs.arg("body", "body", ir::InputSource::Body);
                }
                ir::RequestBody::Whole { defaultable }
            }
        }
    });
    // A prepared body is an argument in place of the body's required fields.
    let required_body_fields = inputs
        .args
        .iter()
        .any(|a| matches!(a.source, ir::InputSource::BodyField(_)));
    let with_body = (matches!(body, Some(ir::RequestBody::Object(_))) && required_body_fields)
        .then(|| {
            let mut taken: BTreeSet<String> = inputs
                .args
                .iter()
                .filter(|a| !a.source.in_body())
                .map(|a| a.name.clone())
                .collect();
            let method = format!("{}_with_body", method_name.trim_start_matches("r#"));
            (method, unique("body", "body", &mut taken))
        });
    let op = pascal(method_name);
    ir::Request {
        type_name: format!("{}{op}Request", pascal(ctx.resource)),
        auth_trait: format!("Accepts{op}"),
        args: inputs.args,
        setters: inputs.setters,
        body,
        with_body,
    }
}

/// A request builder's arguments and setters as they are named.
#[derive(Default)]
struct RequestInputs {
    args: Vec<ir::Input>,
    setters: Vec<ir::Input>,
    arg_names: BTreeSet<String>,
    setter_names: BTreeSet<String>,
}

impl RequestInputs {
    fn arg(&mut self, name: &str, kind: &str, source: ir::InputSource) {
        let name = unique(name, kind, &mut self.arg_names);
        self.args.push(ir::Input { name, source });
    }

    /// Required fields become arguments, optional ones setters.
    fn fields(&mut self, fields: &[ir::Field], kind: &str, source: fn(usize) -> ir::InputSource) {
        for (i, f) in fields.iter().enumerate() {
            if f.optional {
                let name = unique(&f.rust, kind, &mut self.setter_names);
                self.setters.push(ir::Input {
                    name,
                    source: source(i),
                });
            } else {
                self.arg(&f.rust, kind, source(i));
            }
        }
    }
}

fn unique(name: &str, kind: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.to_owned();
    if taken.contains(&candidate) {
        candidate = format!("{kind}_{}", name.trim_end_matches('_'));
    }
    while taken.contains(&candidate) {
        candidate.push('_');
    }
    taken.insert(candidate.clone());
    candidate
}

struct OpContext<'a> {
    spec: &'a spec::Spec,
    models: &'a [ir::Model],
    index: &'a IndexMap<&'a str, usize>,
    resource: &'a str,
    name: &'a str,
}
