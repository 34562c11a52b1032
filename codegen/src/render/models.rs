//! `src/models.rs`: structs and enums for the spec's types and each operation's query. Their
//! serde impls are not derived: the runtime's `serde_object!` writes them from the wire names
//! listed here (one pass over an object's keys, unknown fields kept without
//! `#[serde(flatten)]`'s buffering, about half the `cargo check` time of serde's derive).

use super::{doc, rust_type};
use crate::ir;
use crate::naming::ident;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

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
    let uses = Uses {
        checked: checked_models(api),
        decoded: decoded_models(api),
    };
    let models = part.iter().map(|m| model(api, m, &uses));
    quote!(#(#models)*)
}

/// How the operations use the models, by name.
struct Uses<'a> {
    /// Named by a precondition: they implement `Given`.
    checked: BTreeSet<&'a str>,
    /// In a response: they implement `Deserialize`. (Every model implements `Serialize`: requests
    /// go out, and what came in can be stored or sent back, unknown fields included.)
    decoded: BTreeSet<&'a str>,
}

fn model(api: &ir::Api, m: &ir::Model, uses: &Uses) -> TokenStream {
    let given = uses.checked.contains(m.name.as_str()).then(|| given(m));
    let model = match &m.kind {
        ir::ModelKind::Object { fields, extra } => {
            let decoded = uses.decoded.contains(m.name.as_str());
            object(api, m, fields, *extra, decoded)
        }
        ir::ModelKind::Enum { values, open } => enumeration(m, values, *open),
    };
    quote!(#model #given)
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
        let body = match &op.body {
            Some(ir::TypeRef::Named(i)) => api.models.get(*i),
            _ => None,
        };
        let fields = [op.query.as_ref(), body]
            .into_iter()
            .flatten()
            .flat_map(|m| match &m.kind {
                ir::ModelKind::Object { fields, .. } => fields.as_slice(),
                ir::ModelKind::Enum { .. } => &[],
            });
        for f in fields {
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

/// A struct with `Serialize`, and `Deserialize` if it is `decoded` (arrives in a response).
fn object(
    api: &ir::Api,
    m: &ir::Model,
    fields: &[ir::Field],
    extra: bool,
    decoded: bool,
) -> TokenStream {
    let name = ident(&m.name);
    let docs = doc(&m.description);
    let default = m.defaultable.then(|| quote!(Default,));
    let members = fields.iter().map(|f| {
        let field = ident(&f.rust);
        let docs = match &f.default {
            Some(default) => doc(&format!(
                "{}\n\nWhen `None`, `{default}` is sent.",
                f.description
            )),
            None => doc(&f.description),
        };
        let ty = rust_type(api, &f.ty, false);
        let ty = if f.optional { quote!(Option<#ty>) } else { ty };
        quote! {
            #docs
            pub #field: #ty,
        }
    });
    let extra_member = extra.then(|| {
        let docs = if decoded {
            doc("Fields this version of the SDK does not know, kept as sent (and sent back as given).")
        } else {
            doc("Fields this version of the SDK does not know, sent as given.")
        };
        quote! {
            #docs
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    });
    let serde = serde_impls(m, fields, extra, decoded);
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default)]
        pub struct #name {
            #(#members)*
            #extra_member
        }

        #serde
    }
}

/// The serde impls, written by the runtime's `serde_object!` from each field's kind and wire
/// name (a few lines here instead of serde's derive: faster to generate and to check).
fn serde_impls(m: &ir::Model, fields: &[ir::Field], extra: bool, decoded: bool) -> TokenStream {
    let name = ident(&m.name);
    let flags = [
        decoded.then(|| quote!(decode)),
        extra.then(|| quote!(extra)),
    ];
    let flags = flags.iter().flatten();
    let fields = fields.iter().map(|f| {
        let field = ident(&f.rust);
        let wire = &f.wire;
        if f.optional {
            quote!(optional #field = #wire)
        } else {
            quote!(required #field = #wire)
        }
    });
    quote! {
        crate::json::serde_object!(#name [#(#flags)*] { #(#fields),* });
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
            quote!(#[derive(Debug, Clone, PartialEq, Eq, Hash)]),
            doc("\nValues the API adds later arrive as [`Unknown`](Self::Unknown) instead of failing."),
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
