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

/// `src/resources/<name>.rs`: the operations' descriptors, the resource handle with a method per
/// operation, and per operation the trait of the token kinds it accepts and its request builder.
pub(super) fn render(api: &ir::Api, resource: &ir::Resource) -> TokenStream {
    let ty = ident(&resource.type_name);
    let descriptors = resource.operations.iter().map(|op| descriptor(api, op));
    let methods = resource.operations.iter().map(|op| method(api, op));
    let traits = resource
        .operations
        .iter()
        .map(|op| auth_trait(api, resource, op));
    let builders = resource
        .operations
        .iter()
        .map(|op| builder(api, resource, op));
    let module_doc = inner_doc(&resource.description);
    let doubles = test_doubles(api, resource);
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
    let paging_import = ops.iter().any(|op| op.pagination.is_some()).then(|| {
        quote!(
            use crate::pages::Paging;
        )
    });
    let type_doc = doc(&format!(
        "{}\n\nThe type parameter is the client's token kind: each method is there for the kinds \
         its operation accepts (all of them for [`kind::Dynamic`], which checks before sending).\n\n{}",
        resource.description,
        example(api, resource)
    ));
    quote! {
        #module_doc

        use crate::auth::{kind, AuthMode};
        use crate::error::Error;
        #paging_import
        use crate::operation::{#(#runtime),*};
        use crate::transport::Ctx;
        use std::marker::PhantomData;

        #(#descriptors)*

        #type_doc
        pub struct #ty<'a, K = kind::Dynamic> {
            ctx: Ctx<'a>,
            kind: PhantomData<fn() -> K>,
        }

        impl<K> Clone for #ty<'_, K> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<K> Copy for #ty<'_, K> {}

        impl<K> std::fmt::Debug for #ty<'_, K> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!(#ty)).field("ctx", &self.ctx).finish()
            }
        }

        impl<'a, K: kind::TokenKind> #ty<'a, K> {
            pub(crate) fn new(ctx: Ctx<'a>) -> Self {
                #ty { ctx, kind: PhantomData }
            }

            #(#methods)*
        }

        #(#traits)*
        #(#builders)*
        #doubles
    }
}

/// The name of `op`'s input type for test doubles: `ContactsGetRequest` → `ContactsGetInput`.
pub(super) fn input_type_name(op: &ir::Operation) -> String {
    let stem = op.request.type_name.strip_suffix("Request");
    format!("{}Input", stem.unwrap_or(&op.request.type_name))
}

/// The name of a resource's rule-declaring handle for test doubles, e.g. `ContactsMocks`.
pub(super) fn mocks_type_name(resource: &ir::Resource) -> String {
    format!("{}Mocks", resource.type_name)
}

/// The `test-util` part of a resource module: per operation the input a test double receives,
/// and the handle whose methods declare rules for the resource's operations.
fn test_doubles(api: &ir::Api, resource: &ir::Resource) -> TokenStream {
    let inputs = resource.operations.iter().map(|op| {
        let name = ident(&input_type_name(op));
        let mut fields = Vec::new();
        let mut reads = Vec::new();
        for p in &op.path_params {
            let bare = p.rust.trim_start_matches("r#");
            // `query` and `body` name the other fields.
            let field = if matches!(bare, "query" | "body") {
                quote::format_ident!("{bare}_param")
            } else {
                ident(&p.rust)
            };
            let wire = &p.wire;
            let docs = doc(&format!(
                "{} (`{{{wire}}}` in the path).",
                p.description.trim_end_matches('.')
            ));
            fields.push(quote!(#docs pub #field: String,));
            reads.push(quote!(#field: request.path_param(#wire)?,));
        }
        if let Some(q) = &op.query {
            let ty = ident(&q.name);
            fields.push(quote! {
                /// The query parameters as sent: the spec's defaults filled in.
                pub query: crate::models::#ty,
            });
            reads.push(quote!(query: request.query_as()?,));
        }
        if let Some(ty) = &op.body {
            let ty = rust_type(api, ty, true);
            fields.push(quote! {
                /// The body as sent: the spec's defaults filled in, the hookId left out.
                pub body: #ty,
            });
            reads.push(quote!(body: request.body_as()?,));
        }
        let request = if reads.is_empty() {
            quote!(_request)
        } else {
            quote!(request)
        };
        let docs = doc(&format!(
            "A `{}` call as a test double receives it: what the API would read from the request. \
             Rules match on it and [`Rule::calls`](crate::mock::Rule::calls) returns it.",
            op.id
        ));
        quote! {
            #docs
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }

            impl crate::mock::Input for #name {
                fn decode(#request: &crate::mock::Request) -> Result<Self, String> {
                    Ok(#name { #(#reads)* })
                }
            }
        }
    });
    let mocks = ident(&mocks_type_name(resource));
    let methods = resource.operations.iter().map(|op| {
        let method = ident(&op.method_name);
        let input = ident(&input_type_name(op));
        let descriptor = ident(&op.constant);
        let output = op
            .response
            .as_ref()
            .map_or(quote!(()), |ty| rust_type(api, ty, true));
        let (types, paging) = match &op.pagination {
            Some(p) => {
                let item = rust_type(api, &p.item, true);
                let paging = ident(&p.constant);
                (
                    quote!(#input, #output, #item),
                    quote!(Some(&super::#paging)),
                )
            }
            None => (quote!(#input, #output), quote!(None)),
        };
        let docs = doc(&format!(
            "Declares a rule for `{}` calls ([`{}().{}()`](super::{}::{})).",
            op.id,
            resource.accessor,
            op.method_name.trim_start_matches("r#"),
            resource.type_name,
            op.method_name.trim_start_matches("r#"),
        ));
        quote! {
            #docs
            pub fn #method(&self) -> RuleBuilder<#types> {
                RuleBuilder::new(self.registry, &super::#descriptor, #paging)
            }
        }
    });
    let bare_accessor = resource.accessor.trim_start_matches("r#");
    let mocks_doc = doc(&format!(
        "Declares test doubles of the `{bare_accessor}` operations, from \
         [`Mocks::{bare_accessor}`](crate::mock::Mocks::{bare_accessor})."
    ));
    let accessor = ident(&resource.accessor);
    let accessor_doc = doc(&format!(
        "Declares rules for the `{bare_accessor}` operations: one method per operation, named \
         like the client's."
    ));
    quote! {
        /// Test doubles of this resource's operations (the `test-util` feature).
        #[cfg(feature = "test-util")]
        mod test_util {
            use crate::mock::{Registry, RuleBuilder};

            #(#inputs)*

            #mocks_doc
            #[derive(Debug, Clone, Copy)]
            pub struct #mocks<'m> {
                registry: &'m std::sync::Arc<Registry>,
            }

            impl #mocks<'_> {
                #(#methods)*
            }

            impl crate::mock::Mocks {
                #accessor_doc
                pub fn #accessor(&self) -> #mocks<'_> {
                    #mocks { registry: &self.registry }
                }
            }
        }
        #[cfg(feature = "test-util")]
        pub use test_util::*;
    }
}

/// The trait of the token kinds `op` accepts: implemented by their types and by `Dynamic`, so
/// that a client of another kind has no such method (a compile error that says what to do).
fn auth_trait(api: &ir::Api, resource: &ir::Resource, op: &ir::Operation) -> TokenStream {
    let name = ident(&op.request.auth_trait);
    let call = format!("{}().{}()", resource.accessor, op.method_name);
    let accepted: Vec<&ir::AuthMode> = op
        .accepts
        .iter()
        .filter_map(|i| api.auth.modes.get(*i))
        .collect();
    let constructors: Vec<String> = accepted
        .iter()
        .map(|m| format!("`Token::{}(…)`", m.constructor))
        .collect();
    let message = format!(
        "`{call}` does not accept a client whose token is a `{{Self}}`; it accepts {}",
        modes_phrase(api, &op.accepts)
    );
    let label = format!("`{}` is not callable with this client's token kind", op.id);
    let note = format!(
        "build the client from {}, or from `Token::new(…)` or `from_env()` to have the kind checked \
         when the request is sent; `client.typed::<kind::…>()` turns a client into one of a given kind",
        constructors.join(" or ")
    );
    let docs = doc(&format!(
        "The token kinds that may call [`{call}`]({}::{}): {}. Sealed; [`kind::Dynamic`] has it too.",
        resource.type_name,
        op.method_name.trim_start_matches("r#"),
        modes_phrase(api, &op.accepts)
    ));
    let impls = accepted.iter().map(|m| {
        let marker = ident(&m.variant);
        quote!(impl #name for kind::#marker {})
    });
    quote! {
        #docs
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait #name: kind::TokenKind {}
        #(#impls)*
        impl #name for kind::Dynamic {}
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

/// The field of a builder holding a path parameter.
fn path_field(p: &ir::PathParam) -> proc_macro2::Ident {
    quote::format_ident!("path_{}", p.rust.trim_start_matches("r#"))
}

/// The fields of an operation's query struct and body model (empty where it has none).
fn input_fields<'a>(api: &'a ir::Api, op: &'a ir::Operation) -> (&'a [ir::Field], &'a [ir::Field]) {
    let query: &[ir::Field] = op.query.as_ref().map_or(&[], |q| &q.fields);
    let body: &[ir::Field] = match op.request.body {
        Some(ir::RequestBody::Object(i)) => match api.models.get(i).map(|m| &m.kind) {
            Some(ir::ModelKind::Object { fields, .. }) => fields,
            _ => &[],
        },
        _ => &[],
    };
    (query, body)
}

/// The type of an argument or setter's value.
fn input_type(api: &ir::Api, op: &ir::Operation, source: &ir::InputSource) -> TokenStream {
    let (query, body) = input_fields(api, op);
    match source {
        ir::InputSource::Path(_) => quote!(String),
        ir::InputSource::Query(i) => query
            .get(*i)
            .map_or(quote!(()), |f| rust_type(api, &f.ty, true)),
        ir::InputSource::BodyField(i) => body
            .get(*i)
            .map_or(quote!(()), |f| rust_type(api, &f.ty, true)),
        ir::InputSource::Body => op
            .body
            .as_ref()
            .map_or(quote!(()), |t| rust_type(api, t, true)),
    }
}

/// The operation's method on the resource handle: its arguments are the required inputs, and it
/// returns the request builder.
fn method(api: &ir::Api, op: &ir::Operation) -> TokenStream {
    let name = ident(&op.method_name);
    let request = ident(&op.request.type_name);
    let bound = ident(&op.request.auth_trait);
    let docs = doc(&method_doc(api, op));
    let deprecation = deprecated(op.deprecated.as_ref());
    let (query_fields, body_fields) = input_fields(api, op);
    let params = op.request.args.iter().map(|a| {
        let arg = ident(&a.name);
        let ty = input_type(api, op, &a.source);
        quote!(#arg: impl Into<#ty>)
    });
    let arg_of = |source: ir::InputSource| {
        op.request
            .args
            .iter()
            .find(|a| a.source == source)
            .map(|a| ident(&a.name))
    };
    let mut fields = vec![quote!(ctx: self.ctx)];
    for (i, p) in op.path_params.iter().enumerate() {
        let field = path_field(p);
        let arg = arg_of(ir::InputSource::Path(i));
        fields.push(quote!(#field: #arg.into()));
    }
    if let Some(q) = &op.query {
        let ty = ident(&q.name);
        let required = (0..query_fields.len()).filter_map(|i| arg_of(ir::InputSource::Query(i)));
        fields.push(quote!(query: crate::models::#ty::new(#(#required),*)));
    }
    match (&op.request.body, &op.body) {
        (Some(ir::RequestBody::Object(_)), Some(ty)) => {
            let ty = rust_type(api, ty, true);
            let required =
                (0..body_fields.len()).filter_map(|i| arg_of(ir::InputSource::BodyField(i)));
            fields.push(quote!(body: #ty::new(#(#required),*)));
        }
        (Some(ir::RequestBody::Whole { defaultable: true }), _) => {
            fields.push(quote!(body: Default::default()));
        }
        (Some(ir::RequestBody::Whole { defaultable: false }), _) => {
            let arg = arg_of(ir::InputSource::Body);
            fields.push(quote!(body: #arg.into()));
        }
        _ => {}
    }
    let with_body = op.request.with_body.as_ref().and_then(|(method, arg)| {
        let ty = rust_type(api, op.body.as_ref()?, true);
        let (method, arg) = (ident(method), ident(arg));
        let params = op
            .request
            .args
            .iter()
            .filter(|a| !a.source.in_body())
            .map(|a| {
                let name = ident(&a.name);
                let ty = input_type(api, op, &a.source);
                quote!(#name: impl Into<#ty>)
            });
        let mut fields = fields.clone();
        fields.pop();
        let body_field = if arg == "body" {
            quote!(body)
        } else {
            quote!(body: #arg)
        };
        let docs = doc(&format!(
            "[`{}`](Self::{}) with the body prepared: `{arg}` holds the required fields that \
             are arguments there. The request's setters still change single fields.",
            op.method_name.trim_start_matches("r#"),
            op.method_name.trim_start_matches("r#"),
        ));
        Some(quote! {
            #docs
            #deprecation
            pub fn #method(&self, #(#params,)* #arg: #ty) -> #request<'a>
            where
                K: #bound,
            {
                #request { #(#fields,)* #body_field }
            }
        })
    });
    quote! {
        #docs
        #deprecation
        pub fn #name(&self, #(#params),*) -> #request<'a>
        where
            K: #bound,
        {
            #request { #(#fields),* }
        }
        #with_body
    }
}

/// The request builder of `op`: its inputs, a setter per optional one, `send` and, for a
/// paginated operation, `into_pages`.
fn builder(api: &ir::Api, resource: &ir::Resource, op: &ir::Operation) -> TokenStream {
    let request = ident(&op.request.type_name);
    let descriptor = ident(&op.constant);
    let (query_fields, body_fields) = input_fields(api, op);
    let mut fields = vec![quote!(ctx: Ctx<'a>,)];
    for p in &op.path_params {
        let field = path_field(p);
        fields.push(quote!(#field: String,));
    }
    if let Some(q) = &op.query {
        let ty = ident(&q.name);
        fields.push(quote!(query: crate::models::#ty,));
    }
    if let Some(ty) = &op.body {
        let ty = rust_type(api, ty, true);
        fields.push(quote!(body: #ty,));
    }
    let setters = op.request.setters.iter().map(|s| {
        let setter = ident(&s.name);
        let ty = input_type(api, op, &s.source);
        let (target, field) = match s.source {
            ir::InputSource::Query(i) => (quote!(query), query_fields.get(i)),
            _ => (
                quote!(body),
                match s.source {
                    ir::InputSource::BodyField(i) => body_fields.get(i),
                    _ => None,
                },
            ),
        };
        let Some(field) = field else {
            return TokenStream::new();
        };
        let member = ident(&field.rust);
        let mut text = field.description.clone();
        if let Some(default) = field.default_text() {
            text.push_str(&format!("\n\nUnset, `{default}` is sent."));
        }
        let docs = doc(&text);
        quote! {
            #docs
            pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
                self.#target.#member = Some(value.into());
                self
            }
        }
    });
    let whole_body = match (&op.request.body, &op.body) {
        (
            Some(ir::RequestBody::Object(_) | ir::RequestBody::Whole { defaultable: true }),
            Some(ty),
        ) => {
            let ty = rust_type(api, ty, true);
            let text = match (&op.request.body, &op.request.with_body) {
                (Some(ir::RequestBody::Object(_)), Some((method, _))) => format!(
                    "Replaces the whole body with a prepared one, required fields included (what \
                     the setters and arguments set before is dropped); `{method}` takes it in \
                     place of the required fields."
                ),
                (Some(ir::RequestBody::Object(_)), None) => "Replaces the whole body with a prepared one (what the setters set before is dropped).".to_owned(),
                _ => "Sets the body.".to_owned(),
            };
            let docs = doc(&text);
            Some(quote! {
                #docs
                pub fn body(mut self, body: #ty) -> Self {
                    self.body = body;
                    self
                }
            })
        }
        _ => None,
    };

    let whole_query = op.query.as_ref().map(|q| {
        let ty = ident(&q.name);
        quote! {
            /// Replaces all query parameters with a prepared set, required ones included (what
            /// the setters and arguments set before is dropped).
            pub fn query(mut self, query: crate::models::#ty) -> Self {
                self.query = query;
                self
            }
        }
    });
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
        args = quote!(#args.query(&self.query)?);
    }
    if op.body.is_some() {
        args = quote!(#args.body(&self.body)?);
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
    let send_doc = doc(&format!(
        "Sends the request: `{} {}`. Checks first, without sending anything, that the client's \
         token kind is accepted{}.",
        op.http_method,
        op.path_template,
        if check.is_some() || !op.path_params.is_empty() {
            " and the inputs are complete"
        } else {
            ""
        }
    ));
    let pages = op.pagination.as_ref().map(|p| {
        let paging = ident(&p.constant);
        let item = rust_type(api, &p.item, true);
        let docs = doc(&format!(
            "Every item of the list, page by page, as a [`Pages`](crate::Pages) stream: requests page \
             after page (from this request's `{}`, or 1) while `{} × {}` is below `{}`, and stops at \
             an empty page. Nothing is sent until the first item is asked for. The stream owns a clone \
             of the client: it can be returned, spawned and used with `StreamExt`/`TryStreamExt`.",
            p.page, p.page, p.limit, p.total
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
                Some(checked) => quote!(#checked.and_then(|()| to_json(&self.#name)).map(Some)),
                None => quote!(to_json(&self.#name).map(Some)),
            }
        };
        let query = input(op.query.is_some(), quote!(query));
        let body = input(op.body.is_some(), quote!(body));
        quote! {
            #docs
            pub fn into_pages(self) -> crate::Pages<#item> {
                crate::Pages::new(self.ctx, (&#descriptor, &#paging), #pages_path, #query, #body)
            }
        }
    });
    let docs = doc(&format!(
        "A `{}` request, from [`{}`]({}::{}): set optional inputs with its methods, then \
         [`send`](Self::send) it{}.",
        op.id,
        op.id.replace('.', "().").to_string() + "()",
        resource.type_name,
        op.method_name.trim_start_matches("r#"),
        if op.pagination.is_some() {
            " (one page) or walk every page with [`into_pages`](Self::into_pages)"
        } else {
            ""
        }
    ));
    quote! {
        #docs
        #[derive(Debug, Clone)]
        #[must_use = "a request is sent by `send()`"]
        pub struct #request<'a> {
            #(#fields)*
        }

        impl #request<'_> {
            #(#setters)*
            #whole_query
            #whole_body

            #send_doc
            pub async fn send(self) -> Result<#output, Error> {
                #check_first
                #call
            }
            #pages
        }
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
        TypeRef::Map(_) => Some(quote!(self.body.contains_key(#field))),
        TypeRef::Named(i) => match api.models.get(*i).map(|m| &m.kind) {
            Some(ir::ModelKind::Object { extra: true, .. }) => {
                Some(quote!(self.body.extra.contains_key(#field)))
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
            tests.push(quote!(self.query.#field.given()));
        }
        if let Some(f) = body.iter().find(|f| &f.wire == name) {
            let field = ident(&f.rust);
            tests.push(quote!(self.body.#field.given()));
        } else if open_body {
            tests.push(quote!(self.body.get(#name).given()));
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
        let (name, field) = (p.rust.trim_start_matches("r#"), path_field(p));
        quote!((#name, self.#field.as_str()))
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
        "{}\n\n`{} {}` · accepts {} · {hook}.\n\n\
         Returns the request: its optional inputs are its methods, [`send`]({}::send) sends it{}. \
         The method is there when the client's token kind may call the operation (see [`{}`]).",
        op.description,
        op.http_method,
        op.path_template,
        modes_phrase(api, &op.accepts),
        op.request.type_name,
        if op.pagination.is_some() {
            format!(
                " and [`into_pages`]({}::into_pages) walks every page",
                op.request.type_name
            )
        } else {
            String::new()
        },
        op.request.auth_trait,
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

/// Arguments for a call of `op` in a doc example (path parameters named after themselves), or
/// `None` when it has other required inputs.
pub(super) fn default_args(op: &ir::Operation) -> Option<String> {
    op.request
        .args
        .iter()
        .map(|a| match a.source {
            ir::InputSource::Path(i) => op.path_params.get(i).map(|p| format!("\"{}\"", p.wire)),
            _ => None,
        })
        .collect::<Option<Vec<String>>>()
        .map(|args| args.join(", "))
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
                "{}({}).send()",
                ident(&op.method_name),
                default_args(op)?
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
