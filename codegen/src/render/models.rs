//! `src/models.rs`: serde structs and enums for the spec's types and each operation's query.

use super::{doc, rust_type};
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use serde_json::Value;

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
    let items = part.iter().map(|item| match item {
        Item::Model(m) => match &m.kind {
            ir::ModelKind::Object { fields, extra } => object(
                api,
                &Struct {
                    name: &m.name,
                    description: &m.description,
                    fields,
                    extra: *extra,
                    defaultable: m.defaultable,
                    sends_defaults: true,
                },
            ),
            ir::ModelKind::Enum { values, open } => enumeration(m, values, *open),
        },
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
        let mut serde = Vec::new();
        if f.wire != f.rust.trim_start_matches("r#") {
            let wire = &f.wire;
            serde.push(quote!(rename = #wire));
        }
        let ty = if defaulted.iter().any(|d| d.rust == f.rust) {
            let serializer = format!("{}::{}", m.name, f.default_serializer());
            serde.push(quote!(default, serialize_with = #serializer));
            quote!(Option<#ty>)
        } else if f.optional {
            serde.push(quote!(default, skip_serializing_if = "Option::is_none"));
            quote!(Option<#ty>)
        } else {
            ty
        };
        let serde = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
        quote! {
            #docs
            #serde
            pub #field: #ty,
        }
    });
    let serializers = (!defaulted.is_empty()).then(|| {
        let functions = defaulted.iter().map(|f| default_serializer(api, f));
        quote! {
            impl #name {
                #(#functions)*
            }
        }
    });
    let extra = m.extra.then(|| {
        quote! {
            /// Fields this version of the SDK does not know, kept as sent (and sent back as given).
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default serde::Serialize, serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #extra
        }

        #serializers
    }
}

/// The function that serializes an optional field, or its default when it is `None`.
fn default_serializer(api: &ir::Api, f: &ir::Field) -> TokenStream {
    let name = ident(&f.default_serializer());
    let ty = rust_type(api, &f.ty, false);
    let default = f
        .default
        .as_ref()
        .map_or_else(TokenStream::new, |d| typed_value(api, &f.ty, d));
    let docs = doc(&format!(
        "Serializes `{}`, or `{}` when it is `None`.",
        f.rust.trim_start_matches("r#"),
        f.default_text().unwrap_or_default()
    ));
    quote! {
        #docs
        fn #name<S: serde::Serializer>(value: &Option<#ty>, serializer: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serde::Serialize::serialize(value, serializer),
                None => serde::Serialize::serialize(&#default, serializer),
            }
        }
    }
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
    if !open {
        return quote! {
            #docs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
            pub enum #name {
                #(#variant_docs #[serde(rename = #wires)] #variants,)*
            }

            #as_str
        };
    }
    quote! {
        #docs
        ///
        /// Values the API adds later arrive as [`Unknown`](Self::Unknown) instead of failing.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value this version of the SDK does not know, as sent.
            Unknown(String),
        }

        #as_str

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(match value.as_str() {
                    #(#wires => #name::#variants,)*
                    _ => #name::Unknown(value),
                })
            }
        }
    }
}
