//! `src/resources/`: one module per resource, one method per operation, plus the envelopes.

use super::{deprecated, doc, inner_doc, modes_phrase, rust_type};
use crate::ir::{self, TypeRef};
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

/// `src/resources/mod.rs`: the resource modules and the envelope descriptors they share.
pub(super) fn render_mod(api: &ir::Api) -> TokenStream {
    let modules = api.resources.iter().map(|r| {
        let module = ident(&r.module);
        let ty = ident(&r.type_name);
        let docs = doc(&r.description);
        quote! {
            #docs
            pub mod #module;
            pub use #module::#ty;
        }
    });
    let envelopes = api.envelopes.iter().map(|e| {
        let name = ident(&e.constant);
        let docs = doc(&e.description);
        let success = &e.success;
        let error = option_str(e.error.as_deref());
        let data = option_str(e.data.as_deref());
        quote! {
            #docs
            #[allow(dead_code)]
            pub(crate) const #name: Envelope = Envelope { success: #success, error: #error, data: #data };
        }
    });
    let envelope_import = (!api.envelopes.is_empty()).then(|| {
        quote!(
            use crate::operation::Envelope;
        )
    });
    quote! {
        //! Resource handles, reached from the client's accessor methods.

        #envelope_import

        #(#modules)*
        #(#envelopes)*
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// `src/resources/<name>.rs`.
pub(super) fn render(api: &ir::Api, resource: &ir::Resource) -> TokenStream {
    let ty = ident(&resource.type_name);
    let descriptors = resource.operations.iter().map(|op| descriptor(api, op));
    let methods = resource.operations.iter().map(|op| method(api, op));
    let module_doc = inner_doc(&resource.description);
    let ops = &resource.operations;
    // One `use` of the runtime, naming only what this module needs (no unused imports).
    let mut runtime = vec![
        quote!(Args),
        quote!(HookPlacement),
        quote!(Inputs),
        quote!(Operation),
    ];
    if ops
        .iter()
        .any(|op| !op.requires_any.is_empty() || !op.non_empty.is_empty())
    {
        runtime.push(quote!(Given));
    }
    if ops.iter().any(|op| op.pagination.is_some()) {
        runtime.push(quote!(to_json));
    }
    let paging_import = resource
        .operations
        .iter()
        .any(|op| op.pagination.is_some())
        .then(|| {
            quote!(
                use crate::pages::Paging;
            )
        });
    let type_doc = doc(&format!(
        "{}\n\n{}",
        resource.description,
        example(api, resource)
    ));
    quote! {
        #module_doc

        use crate::auth::AuthMode;
        use crate::error::Error;
        #paging_import
        use crate::operation::{#(#runtime),*};
        use crate::transport::Ctx;

        #(#descriptors)*

        #type_doc
        #[derive(Debug, Clone, Copy)]
        pub struct #ty<'a> {
            ctx: Ctx<'a>,
        }

        impl<'a> #ty<'a> {
            pub(crate) fn new(ctx: Ctx<'a>) -> Self {
                #ty { ctx }
            }

            #(#methods)*
        }
    }
}

fn descriptor(api: &ir::Api, op: &ir::Operation) -> TokenStream {
    let name = ident(&op.constant);
    let id = &op.id;
    let method = ident(op.http_method.as_str());
    let accepts = op
        .accepts
        .iter()
        .filter_map(|i| api.auth.modes.get(*i))
        .map(|m| ident(&m.variant));
    let hook = ident(op.hook.variant());
    let envelope = match op.envelope.and_then(|i| api.envelopes.get(i)) {
        Some(e) => {
            let e = ident(&e.constant);
            quote!(Some(&super::#e))
        }
        None => quote!(None),
    };
    let defaults: Vec<_> = op
        .query
        .iter()
        .flat_map(|q| &q.fields)
        .filter_map(|f| f.default_text().map(|d| (&f.wire, d)))
        .map(|(w, d)| quote!((#w, #d)))
        .collect();
    let (any_of, non_empty) = (&op.requires_any, &op.non_empty);
    let inputs = if defaults.is_empty() && any_of.is_empty() && non_empty.is_empty() {
        quote!(&Inputs::NONE)
    } else {
        quote!(&Inputs { defaults: &[#(#defaults),*], any_of: &[#(#any_of),*], non_empty: &[#(#non_empty),*] })
    };
    let paging = op.pagination.as_ref().map(|p| {
        let paging = ident(&p.constant);
        let (page, limit, in_query, items, total) = (&p.page, &p.limit, p.in_query, &p.items, &p.total);
        quote! {
            static #paging: Paging = Paging { page: #page, limit: #limit, in_query: #in_query, items: #items, total: #total };
        }
    });
    let path = &op.path_template;
    let idempotent = op.idempotent;
    quote! {
        static #name: Operation = Operation {
            id: #id,
            method: reqwest::Method::#method,
            path: #path,
            idempotent: #idempotent,
            accepts: &[#(AuthMode::#accepts),*],
            hook: HookPlacement::#hook,
            envelope: #envelope,
            inputs: #inputs,
        };
        #paging
    }
}

fn method(api: &ir::Api, op: &ir::Operation) -> TokenStream {
    let name = ident(&op.method_name);
    let descriptor = ident(&op.constant);
    let docs = doc(&method_doc(api, op));
    let deprecation = deprecated(op.deprecated.as_ref());

    let mut params = Vec::new();
    for p in &op.path_params {
        let arg = ident(&p.rust);
        params.push(quote!(#arg: &str));
    }
    if let Some(q) = &op.query {
        let q = ident(&q.name);
        params.push(quote!(query: &crate::models::#q));
    }
    if let Some(body) = &op.body {
        let ty = rust_type(api, body, true);
        params.push(quote!(body: &#ty));
    }

    let (path, fallible) = path_expr(op);
    let (path, pages_path) = if fallible {
        (quote!(#path?), path)
    } else {
        (path.clone(), quote!(Ok(#path.into())))
    };
    // `send` borrows the path: a literal, or the checked `format!` in place.
    let path_ref = if fallible { quote!(&#path) } else { path };
    let mut args = quote!(Args::NONE);
    if op.query.is_some() {
        args = quote!(#args.query(query)?);
    }
    if op.body.is_some() {
        args = quote!(#args.body(body)?);
    }
    if let Some(own) = own_hook_id(api, op) {
        args = quote!(#args.own_hook_id(#own));
    }
    let check = preconditions(api, op);
    let call = quote!(self.ctx.send(&#descriptor, #path_ref, #args).await);
    let (output, call) = match &op.response {
        Some(ty) => (rust_type(api, ty, true), call),
        None => (
            quote!(()),
            quote!(self.ctx.send::<serde::de::IgnoredAny>(&#descriptor, #path_ref, #args).await.map(|_| ())),
        ),
    };
    let check_first = check
        .as_ref()
        .map(|given| quote!(self.ctx.check(&#descriptor, &[#(#given),*])?;));
    let pages = op.pagination.as_ref().map(|p| {
        let helper = ident(&p.method_name);
        let paging = ident(&p.constant);
        let item = rust_type(api, &p.item, true);
        let docs = doc(&format!(
            "Every item of [`{}`](Self::{}), page by page: requests page after page (from the request's `{}`, or 1) \
             while `{} × {}` is below `{}`, and stops at an empty page. Nothing is sent until the first item \
             is asked for. The [`Pages`](crate::Pages) stream owns a clone of the client: it can be returned, \
             spawned and used with `StreamExt`/`TryStreamExt`.",
            op.method_name, op.method_name, p.page, p.page, p.limit, p.total
        ));
        // The preconditions' error, if any, comes with the first page (with the first input).
        let mut checked = check
            .as_ref()
            .map(|given| quote!(self.ctx.check(&#descriptor, &[#(#given),*])));
        let mut input = |present: bool, name: TokenStream| {
            if !present {
                return quote!(Ok(None));
            }
            match checked.take() {
                Some(checked) => quote!(#checked.and_then(|()| to_json(#name)).map(Some)),
                None => quote!(to_json(#name).map(Some)),
            }
        };
        let query = input(op.query.is_some(), quote!(query));
        let body = input(op.body.is_some(), quote!(body));
        quote! {
            #docs
            #deprecation
            pub fn #helper(&self, #(#params),*) -> crate::Pages<#item> {
                crate::Pages::new(self.ctx, (&#descriptor, &#paging), #pages_path, #query, #body)
            }
        }
    });
    quote! {
        #docs
        #deprecation
        pub async fn #name(&self, #(#params),*) -> Result<#output, Error> {
            #check_first
            #call
        }
        #pages
    }
}

/// For a body hookId: whether the caller's body already has the hook field (only a free-form
/// map or an object keeping unknown fields can), so that it is sent as the caller set it.
fn own_hook_id(api: &ir::Api, op: &ir::Operation) -> Option<TokenStream> {
    if op.hook != ir::HookPlacement::Body {
        return None;
    }
    let field = &api.hook.body_field;
    match op.body.as_ref()? {
        TypeRef::Map(_) => Some(quote!(body.contains_key(#field))),
        TypeRef::Named(i) => match api.models.get(*i).map(|m| &m.kind) {
            Some(ir::ModelKind::Object { extra: true, .. }) => {
                Some(quote!(body.extra.contains_key(#field)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// For each name of the operation's `any_of` and then `non_empty` preconditions, whether the
/// caller set it (query parameters first, then body fields); `None` without preconditions.
fn preconditions(api: &ir::Api, op: &ir::Operation) -> Option<Vec<TokenStream>> {
    if op.requires_any.is_empty() && op.non_empty.is_empty() {
        return None;
    }
    let query: &[ir::Field] = op.query.as_ref().map_or(&[], |q| &q.fields);
    let body: &[ir::Field] = match &op.body {
        Some(TypeRef::Named(i)) => match api.models.get(*i).map(|m| &m.kind) {
            Some(ir::ModelKind::Object { fields, .. }) => fields,
            _ => &[],
        },
        _ => &[],
    };
    let open_body = matches!(op.body, Some(TypeRef::Map(_) | TypeRef::Json));
    let given = op.requires_any.iter().chain(&op.non_empty).map(|name| {
        let mut tests = Vec::new();
        if let Some(f) = query.iter().find(|f| &f.wire == name) {
            let field = ident(&f.rust);
            tests.push(quote!(query.#field.given()));
        }
        if let Some(f) = body.iter().find(|f| &f.wire == name) {
            let field = ident(&f.rust);
            tests.push(quote!(body.#field.given()));
        } else if open_body {
            tests.push(quote!(body.get(#name).given()));
        }
        if tests.is_empty() {
            quote!(false)
        } else {
            quote!(#(#tests)||*)
        }
    });
    Some(given.collect())
}

/// The request path: a literal, or (`true`) a `Result` of it with each parameter checked and
/// percent-encoded by the descriptor's `path_segments`.
fn path_expr(op: &ir::Operation) -> (TokenStream, bool) {
    if op.path_params.is_empty() {
        let path = &op.path_template;
        return (quote!(#path), false);
    }
    let descriptor = ident(&op.constant);
    let mut template = String::new();
    let mut args = Vec::new();
    for segment in &op.path {
        match segment {
            ir::PathSegment::Literal(text) => {
                template.push_str(&text.replace('{', "{{").replace('}', "}}"))
            }
            ir::PathSegment::Param(i) => {
                template.push_str("{}");
                let arg = op
                    .path_params
                    .get(*i)
                    .map_or("invalid_name", |p| p.rust.as_str());
                args.push(ident(arg));
            }
        }
    }
    let names = op.path_params.iter().map(|p| ident(&p.rust));
    let params = op.path_params.iter().map(|p| {
        let (name, arg) = (p.rust.trim_start_matches("r#"), ident(&p.rust));
        quote!((#name, #arg))
    });
    let path = quote! {
        #descriptor
            .path_segments([#(#params),*])
            .map(|[#(#names),*]| format!(#template, #(#args),*))
    };
    (path, true)
}

fn method_doc(api: &ir::Api, op: &ir::Operation) -> String {
    let hook = op.hook.sentence(&api.hook);
    let mut text = format!(
        "{}\n\n`{} {}` · accepts {} · {hook}.",
        op.description,
        op.http_method,
        op.path_template,
        modes_phrase(api, &op.accepts)
    );
    for p in &op.path_params {
        text.push_str(&format!(
            "\n\n`{}`: {} (percent-encoded into one path segment; `\"\"`, `.` and `..` are refused).",
            p.rust.trim_start_matches("r#"),
            p.description.trim_end_matches('.')
        ));
    }
    if !op.requires_any.is_empty() {
        let names: Vec<String> = op.requires_any.iter().map(|n| format!("`{n}`")).collect();
        text.push_str(&format!("\n\nSet at least one of {}; otherwise [`Error::Precondition`] is returned before sending.", names.join(", ")));
    }
    for name in &op.non_empty {
        text.push_str(&format!("\n\n`{name}` must be set and not empty; otherwise [`Error::Precondition`] is returned before sending."));
    }
    if let Some(e) = op.envelope.and_then(|i| api.envelopes.get(i)) {
        text.push_str(&format!(
            "\n\nThe response is unwrapped from its envelope; `{}` other than `true` is an [`Error::Unsuccessful`], even with a success status.",
            e.success
        ));
    }
    let precondition =
        if op.requires_any.is_empty() && op.non_empty.is_empty() && op.path_params.is_empty() {
            ""
        } else {
            " or [`Error::Precondition`]"
        };
    text.push_str(&format!(
        "\n\nFails before sending with [`Error::AuthModeNotAccepted`]{precondition} (see above)."
    ));
    text
}

/// Arguments for a call of `op` in a doc example (path parameters named after themselves,
/// defaulted query and body), or `None` when its query or body has no default.
pub(super) fn default_args(api: &ir::Api, op: &ir::Operation) -> Option<String> {
    let mut args: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("\"{}\"", p.wire))
        .collect();
    if let Some(q) = &op.query {
        if !q.defaultable {
            return None;
        }
        args.push("&Default::default()".to_owned());
    }
    if let Some(body) = &op.body {
        let defaultable = match body {
            TypeRef::Named(i) => api.models.get(*i).is_some_and(|m| m.defaultable),
            TypeRef::Map(_) | TypeRef::List(_) => true,
            _ => false,
        };
        if !defaultable {
            return None;
        }
        args.push("&Default::default()".to_owned());
    }
    Some(args.join(", "))
}

/// A compiling `no_run` example calling the first operation whose arguments can be defaulted.
fn example(api: &ir::Api, resource: &ir::Resource) -> String {
    let krate = &api.crate_ident;
    let call = resource
        .operations
        .iter()
        .filter(|op| op.deprecated.is_none())
        .find_map(|op| {
            Some(format!(
                "{}({})",
                ident(&op.method_name),
                default_args(api, op)?
            ))
        });
    let body = match call {
        Some(call) => format!(
            "let result = client.{}().{call}.await?;\nprintln!(\"{{result:?}}\");",
            ident(&resource.accessor)
        ),
        None => format!(
            "let handle = client.{}();\n# let _ = handle;",
            ident(&resource.accessor)
        ),
    };
    format!(
        "```no_run\n# async fn example() -> Result<(), {krate}::Error> {{\nlet client = {krate}::{}::from_env()?;\n{body}\n# Ok(())\n# }}\n```",
        api.client
    )
}
