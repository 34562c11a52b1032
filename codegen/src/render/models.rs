//! `src/models.rs`: serde structs and enums for the spec's types and each operation's query.

use super::{doc, rust_type};
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;

/// Models per rendering job: the file is printed in parts, in parallel, then joined.
const PER_PART: usize = 8;

/// The file's parts, in order: its docs, then the spec's types and each operation's query struct.
pub(super) fn parts(api: &ir::Api) -> Vec<Vec<&ir::Model>> {
    let queries = api
        .resources
        .iter()
        .flat_map(|r| &r.operations)
        .filter_map(|op| op.query.as_ref());
    let all: Vec<&ir::Model> = api.models.iter().chain(queries).collect();
    let mut parts = vec![Vec::new()];
    parts.extend(all.chunks(PER_PART).map(<[&ir::Model]>::to_vec));
    parts
}

/// One part of the file: the module docs for the empty first part, else its models.
pub(super) fn render(api: &ir::Api, part: &[&ir::Model]) -> TokenStream {
    if part.is_empty() {
        return quote!(
            //! The API's data types. Optional fields are left out of requests when `None`.
        );
    }
    let models = part.iter().map(|m| model(api, m));
    quote!(#(#models)*)
}

fn model(api: &ir::Api, m: &ir::Model) -> TokenStream {
    match &m.kind {
        ir::ModelKind::Object { fields, extra } => object(api, m, fields, *extra),
        ir::ModelKind::Enum { values, open } => enumeration(m, values, *open),
    }
}

fn object(api: &ir::Api, m: &ir::Model, fields: &[ir::Field], extra: bool) -> TokenStream {
    let name = ident(&m.name);
    let docs = doc(&m.description);
    let default = m.defaultable.then(|| quote!(Default,));
    let fields = fields.iter().map(|f| {
        let field = ident(&f.rust);
        let docs = match &f.default {
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
        let ty = if f.optional {
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
    let extra = extra.then(|| {
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
