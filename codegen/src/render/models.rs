//! `src/models.rs`: structs and enums for the spec's types and each operation's query. Their
//! serde impls are not derived: the runtime's `serde_object!` writes them from the wire names
//! listed here (one pass over an object's keys, unknown fields kept without
//! `#[serde(flatten)]`'s buffering, about half the `cargo check` time of serde's derive).

use super::{doc, rust_type};
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use serde_json::Value;
use std::collections::BTreeSet;

/// Models per rendering job: the file is printed in parts, in parallel, then joined.
const PER_PART: usize = 8;

/// One item of the file: a spec type, or an operation's query struct.
#[derive(Clone, Copy)]
pub(super) enum Item<'a> {
    Model(&'a ir::Model),
    Query(&'a ir::Query),
}

/// The file's parts, in order: its docs, then the spec's types and each operation's query struct.
pub(super) fn parts(api: &ir::Api) -> Vec<Vec<Item<'_>>> {
    let queries = api
        .resources
        .iter()
        .flat_map(|r| &r.operations)
        .filter_map(|op| op.query.as_ref())
        .map(Item::Query);
    let all: Vec<Item> = api.models.iter().map(Item::Model).chain(queries).collect();
    let mut parts = vec![Vec::new()];
    parts.extend(all.chunks(PER_PART).map(<[Item]>::to_vec));
    parts
}

/// One part of the file: the module docs for the empty first part, else its items.
pub(super) fn render(api: &ir::Api, part: &[Item]) -> TokenStream {
    if part.is_empty() {
        return quote!(
            //! The API's data types. Optional fields are left out of requests when `None`,
            //! unless the spec gives them a default, which is sent instead.
        );
    }
    let uses = Uses {
        checked: checked_models(api),
        decoded: decoded_models(api),
    };
    let items = part.iter().map(|item| match item {
        Item::Model(m) => {
            let model = match &m.kind {
                ir::ModelKind::Object { fields, extra } => object(
                    api,
                    &Struct {
                        name: &m.name,
                        description: &m.description,
                        fields,
                        extra: *extra,
                        defaultable: m.defaultable,
                        sends_defaults: true,
                        decoded: uses.decoded.contains(m.name.as_str()),
                    },
                ),
                ir::ModelKind::Enum { values, open } => enumeration(m, values, *open),
            };
            let given = uses.checked.contains(m.name.as_str()).then(|| given(m));
            quote!(#model #given)
        }
        // The operation sends a query's defaults, so its struct leaves them out.
        Item::Query(q) => object(
            api,
            &Struct {
                name: &q.name,
                description: &q.description,
                fields: &q.fields,
                extra: false,
                defaultable: q.defaultable,
                sends_defaults: false,
                decoded: false,
            },
        ),
    });
    quote!(#(#items)*)
}

/// What a struct is rendered from.
struct Struct<'a> {
    name: &'a str,
    description: &'a str,
    fields: &'a [ir::Field],
    /// Keeps unknown fields in an `extra` map.
    extra: bool,
    /// Derives `Default`.
    defaultable: bool,
    /// Its serialization sends a field's default when the field is `None`.
    sends_defaults: bool,
    /// Arrives in a response, so it implements `Deserialize`.
    decoded: bool,
}

/// How the operations use the models, by name.
struct Uses<'a> {
    /// Named by a precondition: they implement `Given`.
    checked: BTreeSet<&'a str>,
    /// In a response: they implement `Deserialize`. (Every model implements `Serialize`: requests
    /// go out, and what came in can be stored or sent back, unknown fields included.)
    decoded: BTreeSet<&'a str>,
}

/// Names of the models a response may hold, however deeply.
fn decoded_models(api: &ir::Api) -> BTreeSet<&str> {
    fn visit<'a>(api: &'a ir::Api, ty: &ir::TypeRef, names: &mut BTreeSet<&'a str>) {
        match ty {
            ir::TypeRef::List(inner) | ir::TypeRef::Map(inner) => visit(api, inner, names),
            ir::TypeRef::Named(i) => {
                let Some(m) = api.models.get(*i) else { return };
                if names.insert(m.name.as_str()) {
                    if let ir::ModelKind::Object { fields, .. } = &m.kind {
                        for f in fields {
                            visit(api, &f.ty, names);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    for op in api.resources.iter().flat_map(|r| &r.operations) {
        if let Some(response) = &op.response {
            visit(api, response, &mut names);
        }
    }
    names
}

/// Names of the models a precondition names a field of that type (they implement `Given`).
fn checked_models(api: &ir::Api) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for op in api.resources.iter().flat_map(|r| &r.operations) {
        let query: &[ir::Field] = op.query.as_ref().map_or(&[], |q| &q.fields);
        let body: &[ir::Field] = match &op.body {
            Some(ir::TypeRef::Named(i)) => match api.models.get(*i).map(|m| &m.kind) {
                Some(ir::ModelKind::Object { fields, .. }) => fields,
                _ => &[],
            },
            _ => &[],
        };
        for f in query.iter().chain(body) {
            let named = op
                .requires_any
                .iter()
                .chain(&op.non_empty)
                .any(|n| n == &f.wire);
            if let (true, ir::TypeRef::Named(i)) = (named, &f.ty) {
                names.extend(api.models.get(*i).map(|m| m.name.as_str()));
            }
        }
    }
    names
}

/// `Given` for a model a precondition names: set when its JSON would not be empty.
fn given(m: &ir::Model) -> TokenStream {
    let name = ident(&m.name);
    let test = match &m.kind {
        ir::ModelKind::Enum { .. } => quote!(!self.as_str().is_empty()),
        ir::ModelKind::Object { fields, .. } if fields.iter().any(|f| !f.optional) => quote!(true),
        ir::ModelKind::Object { fields, extra } => {
            let set = fields.iter().map(|f| {
                let field = ident(&f.rust);
                quote!(self.#field.is_some())
            });
            let extra = extra.then(|| quote!(!self.extra.is_empty()));
            let tests: Vec<TokenStream> = set.chain(extra).collect();
            if tests.is_empty() {
                quote!(false)
            } else {
                quote!(#(#tests)||*)
            }
        }
    };
    quote! {
        impl crate::operation::Given for #name {
            fn given(&self) -> bool {
                #test
            }
        }
    }
}

fn object(api: &ir::Api, m: &Struct) -> TokenStream {
    let name = ident(m.name);
    let docs = doc(m.description);
    let default = m.defaultable.then(|| quote!(Default,));
    let defaulted: Vec<&ir::Field> = m
        .fields
        .iter()
        .filter(|f| m.sends_defaults && f.default.is_some())
        .collect();
    let fields = m.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let docs = match f.default_text() {
            Some(default) => doc(&format!(
                "{}\n\nWhen `None`, `{default}` is sent.",
                f.description
            )),
            None => doc(&f.description),
        };
        let ty = rust_type(api, &f.ty, false);
        let ty = if f.optional || defaulted.iter().any(|d| d.rust == f.rust) {
            quote!(Option<#ty>)
        } else {
            ty
        };
        quote! {
            #docs
            pub #field: #ty,
        }
    });
    // `#[non_exhaustive]` keeps a new optional field a minor change; `new` and the setters are how
    // other crates build one.
    let constructor = constructor(api, m);
    let setters = m.fields.iter().map(|f| setter(api, f));
    let extra_setter = m.extra.then(|| {
        quote! {
            /// Sets a field this version of the SDK does not know, sent as given.
            #[must_use]
            pub fn with_extra(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
                self.extra.insert(name.into(), value.into());
                self
            }
        }
    });
    let functions: Vec<TokenStream> = defaulted
        .iter()
        .map(|f| default_serializer(api, f))
        .collect();
    let functions = quote! {
        impl #name {
            #constructor
            #(#setters)*
            #extra_setter
            #(#functions)*
        }
    };
    let extra = m.extra.then(|| {
        let docs = if m.decoded {
            doc("Fields this version of the SDK does not know, kept as sent (and sent back as given).")
        } else {
            doc("Fields this version of the SDK does not know, sent as given.")
        };
        quote! {
            #docs
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    });
    let serde = serde_impls(m, &defaulted);
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #extra
        }

        #functions
        #serde
    }
}

/// The serde impls, written by the runtime's `serde_object!` from each field's kind and wire
/// name (a few lines here instead of serde's derive: faster to generate and to check).
/// `Deserialize` only for a struct that arrives in a response.
fn serde_impls(m: &Struct, defaulted: &[&ir::Field]) -> TokenStream {
    let name = ident(m.name);
    let flags = [
        m.decoded.then(|| quote!(decode)),
        m.extra.then(|| quote!(extra)),
    ];
    let flags = flags.iter().flatten();
    let fields = m.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let wire = &f.wire;
        if defaulted.iter().any(|d| d.rust == f.rust) {
            let default = default_fn(f);
            quote!(defaulted #field = #wire => #default)
        } else if f.optional {
            quote!(optional #field = #wire)
        } else {
            quote!(required #field = #wire)
        }
    });
    let fields: Vec<TokenStream> = fields.collect();
    // Test doubles read requests back into their types.
    let test_util = (!m.decoded).then(|| {
        let extra = m.extra.then(|| quote!(extra));
        quote! {
            #[cfg(feature = "test-util")]
            crate::json::serde_object!(@deserialize #name [#extra] { #(#fields),* });
        }
    });
    quote! {
        crate::json::serde_object!(#name [#(#flags)*] { #(#fields),* });
        #test_util
    }
}

/// `new`: the struct from its required fields, in spec order; the optional ones start empty.
fn constructor(api: &ir::Api, m: &Struct) -> TokenStream {
    let required: Vec<&ir::Field> = m.fields.iter().filter(|f| !f.optional).collect();
    let params = required.iter().map(|f| {
        let field = ident(&f.rust);
        let ty = rust_type(api, &f.ty, false);
        quote!(#field: impl Into<#ty>)
    });
    let values = m.fields.iter().map(|f| {
        let field = ident(&f.rust);
        if f.optional {
            quote!(#field: None)
        } else {
            quote!(#field: #field.into())
        }
    });
    let extra = m.extra.then(|| quote!(extra: serde_json::Map::new(),));
    let name = m.name;
    let start = match (required.len() < m.fields.len(), m.extra) {
        (true, true) => "; the optional ones start as `None` and `extra` empty",
        (true, false) => "; the optional ones start as `None`",
        (false, true) => "; `extra` starts empty",
        (false, false) => "",
    };
    let docs = doc(&format!(
        "A new `{name}` from its required fields, in the spec's order{start}.\n\n\
         Set the others with the `with_…` methods: the type is `#[non_exhaustive]`, so that the \
         fields the API adds later are not a breaking change."
    ));
    // Clippy's limit is seven; a spec decides how many required fields a type has.
    let allow = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        #docs
        #allow
        pub fn new(#(#params),*) -> Self {
            Self { #(#values,)* #extra }
        }
    }
}

/// `with_<field>`: the value with one field set (an optional one to `Some`), for chaining after `new`.
fn setter(api: &ir::Api, f: &ir::Field) -> TokenStream {
    let field = ident(&f.rust);
    let bare = f.rust.trim_start_matches("r#");
    let name = quote::format_ident!("with_{}", bare);
    let ty = rust_type(api, &f.ty, false);
    let (docs, value) = if f.optional {
        (
            format!("Sets `{bare}` (to `Some`)."),
            quote!(Some(value.into())),
        )
    } else {
        (format!("Sets `{bare}`."), quote!(value.into()))
    };
    let docs = doc(&docs);
    quote! {
        #docs
        #[must_use]
        pub fn #name(mut self, value: impl Into<#ty>) -> Self {
            self.#field = #value;
            self
        }
    }
}

/// The function giving an optional field's default, which its serialization sends for `None`.
fn default_serializer(api: &ir::Api, f: &ir::Field) -> TokenStream {
    let name = default_fn(f);
    let ty = rust_type(api, &f.ty, false);
    let default = f
        .default
        .as_ref()
        .map_or_else(TokenStream::new, |d| typed_value(api, &f.ty, d));
    let docs = doc(&format!(
        "The default of `{}`, `{}`, sent when it is `None`.",
        f.rust.trim_start_matches("r#"),
        f.default_text().unwrap_or_default()
    ));
    quote! {
        #docs
        fn #name() -> #ty {
            #default
        }
    }
}

/// The name of the function giving a field's default.
fn default_fn(f: &ir::Field) -> proc_macro2::Ident {
    quote::format_ident!("default_{}", f.rust.trim_start_matches("r#"))
}

/// An expression of the Rust type of `ty` holding `value`, which the validator found to fit it.
fn typed_value(api: &ir::Api, ty: &ir::TypeRef, value: &Value) -> TokenStream {
    match (ty, value) {
        (ir::TypeRef::String, Value::String(text)) => quote!(String::from(#text)),
        (ir::TypeRef::Boolean, Value::Bool(b)) => quote!(#b),
        (ir::TypeRef::Integer, Value::Number(n)) => match n.as_i64() {
            Some(int) => proc_macro2::Literal::i64_suffixed(int).into_token_stream(),
            None => json_value(value),
        },
        (ir::TypeRef::Number, Value::Number(n)) => {
            proc_macro2::Literal::f64_suffixed(n.as_f64().unwrap_or_default()).into_token_stream()
        }
        (ir::TypeRef::Named(i), Value::String(text)) => {
            let model = api.models.get(*i);
            let name = ident(model.map_or("invalid_name", |m| m.name.as_str()));
            let variant = model.and_then(|m| match &m.kind {
                ir::ModelKind::Enum { values, .. } => values.iter().find(|v| &v.wire == text),
                ir::ModelKind::Object { .. } => None,
            });
            match variant {
                Some(v) => {
                    let variant = ident(&v.variant);
                    quote!(#name::#variant)
                }
                None => quote!(#name::Unknown(String::from(#text))),
            }
        }
        (ir::TypeRef::List(item), Value::Array(items)) => {
            let item_ty = rust_type(api, item, false);
            if items.is_empty() {
                return quote!(Vec::<#item_ty>::new());
            }
            let items = items.iter().map(|v| typed_value(api, item, v));
            quote!(Vec::<#item_ty>::from([#(#items),*]))
        }
        (ir::TypeRef::Map(item), Value::Object(entries)) => {
            let item_ty = rust_type(api, item, false);
            if entries.is_empty() {
                return quote!(std::collections::BTreeMap::<String, #item_ty>::new());
            }
            let (keys, values): (Vec<&String>, Vec<TokenStream>) = entries
                .iter()
                .map(|(k, v)| (k, typed_value(api, item, v)))
                .unzip();
            quote!(std::collections::BTreeMap::<String, #item_ty>::from([#((String::from(#keys), #values)),*]))
        }
        // `json`, and nothing else: the validator lets no other pair through.
        _ => json_value(value),
    }
}

/// A `serde_json::Value` expression of `value`.
fn json_value(value: &Value) -> TokenStream {
    match value {
        Value::Null => quote!(serde_json::Value::Null),
        Value::Bool(b) => quote!(serde_json::Value::Bool(#b)),
        Value::Number(n) => {
            let literal = match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(int), _, _) => proc_macro2::Literal::i64_suffixed(int),
                (None, Some(int), _) => proc_macro2::Literal::u64_suffixed(int),
                (None, None, float) => {
                    proc_macro2::Literal::f64_suffixed(float.unwrap_or_default())
                }
            };
            quote!(serde_json::Value::from(#literal))
        }
        Value::String(text) => quote!(serde_json::Value::from(#text)),
        Value::Array(items) => {
            let items = items.iter().map(json_value);
            quote!(serde_json::Value::Array(Vec::from([#(#items),*])))
        }
        Value::Object(entries) => {
            let (keys, values): (Vec<&String>, Vec<TokenStream>) =
                entries.iter().map(|(k, v)| (k, json_value(v))).unzip();
            quote!(serde_json::Value::Object(serde_json::Map::from_iter([#((String::from(#keys), #values)),*])))
        }
    }
}

fn enumeration(m: &ir::Model, values: &[ir::EnumValue], open: bool) -> TokenStream {
    let name = ident(&m.name);
    let docs = doc(&m.description);
    let variants: Vec<_> = values.iter().map(|v| ident(&v.variant)).collect();
    let wires: Vec<&String> = values.iter().map(|v| &v.wire).collect();
    let variant_docs = values.iter().map(|v| doc(&v.description));
    let open_arm = open.then(|| quote!(#name::Unknown(value) => value,));
    let as_str = quote! {
        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#name::#variants => #wires,)*
                    #open_arm
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    let (derives, variants_doc, unknown, fallback) = if open {
        (
            // Non-exhaustive: a value the spec adds later becomes a variant without breaking a
            // caller's `match`.
            quote!(#[derive(Debug, Clone, PartialEq, Eq, Hash)] #[non_exhaustive]),
            doc("\nValues the API adds later arrive as [`Unknown`](Self::Unknown) instead of failing; a `match` needs a `_` arm, so it keeps compiling when the SDK learns them."),
            quote! {
                /// A value this version of the SDK does not know, as sent.
                Unknown(String),
            },
            quote!(_ => Ok(#name::Unknown(value.into_owned())),),
        )
    } else {
        (
            quote!(#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]),
            TokenStream::new(),
            TokenStream::new(),
            quote!(other => Err(serde::de::Error::unknown_variant(other, &[#(#wires),*])),),
        )
    };
    quote! {
        #docs
        #variants_doc
        #derives
        pub enum #name {
            #(#variant_docs #variants,)*
            #unknown
        }

        #as_str

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value: crate::json::Key<'de> = serde::Deserialize::deserialize(deserializer)?;
                match value.as_str() {
                    #(#wires => Ok(#name::#variants),)*
                    #fallback
                }
            }
        }
    }
}
