//! Types: type expressions, models, fields, defaults, recursion and which models derive `Default`.

use super::{Validator, RESERVED_TYPES};
use crate::diagnostic::{suggest, Diagnostic};
use crate::ir::{self, TypeRef};
use crate::naming::{pascal, snake};
use crate::spec;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::BTreeSet;

impl Validator {
    /// Parses a type expression: `string`, `integer`, `number`, `boolean`, `json`, `list<T>`,
    /// `map<T>` or a declared type name, with a trailing `?` for optional where `allow_optional`.
    pub(super) fn type_expr(
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
            self.error_help(
                path,
                format!("`{expr}` cannot be optional here"),
                format!("write `{inner}`"),
            );
            return None;
        }
        self.type_ref(path, inner, types).map(|t| (t, optional))
    }

    fn type_ref(
        &mut self,
        path: &str,
        expr: &str,
        types: &IndexMap<&str, usize>,
    ) -> Option<TypeRef> {
        let expr = expr.trim();
        let generic = |name: &str| {
            expr.strip_prefix(name)
                .and_then(|r| r.strip_prefix('<'))
                .and_then(|r| r.strip_suffix('>'))
        };
        if let Some(inner) = generic("list") {
            return self
                .type_ref(path, inner, types)
                .map(|t| TypeRef::List(Box::new(t)));
        }
        if let Some(inner) = generic("map") {
            return self
                .type_ref(path, inner, types)
                .map(|t| TypeRef::Map(Box::new(t)));
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
                    self.diags
                        .push(Diagnostic::new(path, format!("unknown type `{name}`")).help(help));
                    return None;
                }
            },
        })
    }

    pub(super) fn models(
        &mut self,
        types: &IndexMap<String, spec::TypeDef>,
        index: &IndexMap<&str, usize>,
    ) -> Vec<ir::Model> {
        let names = self.unique_names("type", "types", types.keys(), pascal, RESERVED_TYPES);
        let mut models = Vec::new();
        for ((name, t), rust) in types.iter().zip(names) {
            let path = format!("types.{name}");
            let description = t
                .description
                .clone()
                .unwrap_or_else(|| format!("The `{name}` type."));
            let kind = match (&t.fields, &t.values) {
                (Some(fields), None) => {
                    if t.open.is_some() {
                        self.error_help(
                            format!("{path}.open"),
                            "`open` applies to enums (`values`), not objects",
                            "remove it",
                        );
                    }
                    let extra = t.extra.unwrap_or(false);
                    let fields = self.fields(&format!("{path}.fields"), fields, index, extra);
                    ir::ModelKind::Object { fields, extra }
                }
                (None, Some(values)) => {
                    if t.extra.is_some() {
                        self.error_help(
                            format!("{path}.extra"),
                            "`extra` applies to objects (`fields`), not enums",
                            "remove it",
                        );
                    }
                    if values.is_empty() {
                        self.error(format!("{path}.values"), "an enum needs at least one value");
                    }
                    let open = t.open.unwrap_or(false);
                    let reserved: &[&str] = if open { &["Unknown"] } else { &[] };
                    let wire: Vec<&String> = values.keys().collect();
                    let variants = self.unique_names(
                        "enum value",
                        &format!("{path}.values"),
                        wire.iter().copied(),
                        pascal,
                        reserved,
                    );
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
                    self.error_help(
                        &path,
                        format!("type `{name}` must have exactly one of `fields` and `values`"),
                        "use `fields:` for an object, `values:` for a string enum",
                    );
                    ir::ModelKind::Object {
                        fields: Vec::new(),
                        extra: false,
                    }
                }
            };
            models.push(ir::Model {
                name: rust,
                description,
                kind,
                defaultable: false,
            });
        }
        self.check_recursion(types, &models);
        mark_defaultable(&mut models);
        models
    }

    pub(super) fn fields(
        &mut self,
        path: &str,
        fields: &IndexMap<String, spec::Field>,
        index: &IndexMap<&str, usize>,
        extra: bool,
    ) -> Vec<ir::Field> {
        let reserved: &[&str] = if extra { &["extra"] } else { &[] };
        let rust_names = self.unique_names("field", path, fields.keys(), snake, reserved);
        let mut wires: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        for ((name, f), rust) in fields.iter().zip(rust_names) {
            let wire = f.wire.clone().unwrap_or_else(|| name.clone());
            if !wires.insert(f.wire.as_deref().unwrap_or(name)) {
                self.error_help(
                    format!("{path}.{name}"),
                    format!("two fields use the wire name `{wire}`"),
                    "give each field its own `wire` name",
                );
            }
            let Some((ty, optional)) =
                self.type_expr(&format!("{path}.{name}"), &f.ty, index, true)
            else {
                continue;
            };
            let default = f.default.as_ref().and_then(|value| {
                let path = format!("{path}.{name}.default");
                if optional {
                    self.defaults.push(DefaultCheck {
                        path,
                        value: value.clone(),
                        ty: ty.clone(),
                        written: f.ty.trim().trim_end_matches('?').to_owned(),
                    });
                    Some(value.clone())
                } else {
                    self.error_help(
                        path,
                        format!("`{name}` has a default, so it should be optional"),
                        format!("write its type as `{}?`", f.ty.trim()),
                    );
                    None
                }
            });
            out.push(ir::Field {
                rust,
                wire,
                ty,
                optional,
                description: f
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("The `{name}` field.")),
                default,
            });
        }
        out
    }

    /// Reports a default that does not fit its field's type.
    pub(super) fn check_default(&mut self, check: DefaultCheck, models: &[ir::Model]) {
        let DefaultCheck {
            path,
            value,
            ty,
            written,
        } = check;
        if fits(&value, &ty, models) {
            return;
        }
        let kind = match ty {
            TypeRef::Named(i) => models.get(i).map(|m| (&m.name, &m.kind)),
            _ => None,
        };
        let (message, help) = match (kind, &value) {
            (Some((name, ir::ModelKind::Object { .. })), _) => (
                format!("a default for `{name}`, an object type, is not supported"),
                format!("leave it unset, or give the fields of `{name}` their own defaults"),
            ),
            (Some((name, ir::ModelKind::Enum { values, .. })), Value::String(text)) => (
                format!("`{text}` is not a value of `{name}`"),
                suggest(text, values.iter().map(|v| v.wire.as_str())),
            ),
            _ => {
                let example = match ty {
                    TypeRef::String => "text, e.g. `latest`",
                    TypeRef::Integer => "a whole number, e.g. `10`",
                    TypeRef::Number => "a number, e.g. `0.5`",
                    TypeRef::Boolean => "`true` or `false`",
                    TypeRef::List(_) => "a list of items of that type, e.g. `[]`",
                    TypeRef::Map(_) => "a map of values of that type, e.g. `{}`",
                    TypeRef::Named(_) | TypeRef::Json => "one of the enum's values",
                };
                (
                    format!("the default does not match the type `{written}`"),
                    format!("write {example}"),
                )
            }
        };
        self.error_help(path, message, help);
    }

    /// A required field whose type contains its own struct without a list or map in between
    /// would make an infinitely large type.
    fn check_recursion(&mut self, types: &IndexMap<String, spec::TypeDef>, models: &[ir::Model]) {
        let direct = |m: &ir::Model| -> Vec<usize> {
            match &m.kind {
                ir::ModelKind::Object { fields, .. } => fields
                    .iter()
                    .filter_map(|f| {
                        if let TypeRef::Named(i) = f.ty {
                            Some(i)
                        } else {
                            None
                        }
                    })
                    .collect(),
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
}

/// A field's default, checked once every model is known.
pub(super) struct DefaultCheck {
    /// Spec path of the `default` key.
    path: String,
    value: Value,
    ty: TypeRef,
    /// The type as written, without `?`.
    written: String,
}

/// Whether a default is a value of the type: JSON of its shape, an enum's value (any text for an
/// open enum); never an object of a declared type.
fn fits(value: &Value, ty: &TypeRef, models: &[ir::Model]) -> bool {
    match (ty, value) {
        (TypeRef::Json, _) | (TypeRef::String, Value::String(_)) => true,
        (TypeRef::Integer, Value::Number(n)) => n.is_i64(),
        (TypeRef::Number, Value::Number(_)) | (TypeRef::Boolean, Value::Bool(_)) => true,
        (TypeRef::List(item), Value::Array(items)) => items.iter().all(|v| fits(v, item, models)),
        (TypeRef::Map(item), Value::Object(entries)) => {
            entries.values().all(|v| fits(v, item, models))
        }
        (TypeRef::Named(i), Value::String(text)) => match models.get(*i).map(|m| &m.kind) {
            Some(ir::ModelKind::Enum { values, open }) => {
                *open || values.iter().any(|v| &v.wire == text)
            }
            _ => false,
        },
        _ => false,
    }
}

fn type_defaultable(t: &TypeRef, models: &[ir::Model]) -> bool {
    match t {
        TypeRef::Named(i) => models.get(*i).is_some_and(|m| m.defaultable),
        _ => true,
    }
}

/// Whether a struct of these fields can derive `Default`: every required field's type can.
pub(super) fn fields_defaultable(fields: &[ir::Field], models: &[ir::Model]) -> bool {
    fields
        .iter()
        .all(|f| f.optional || type_defaultable(&f.ty, models))
}

/// Fixpoint: an object is defaultable when all its required fields are.
fn mark_defaultable(models: &mut [ir::Model]) {
    loop {
        let mut changed = false;
        for i in 0..models.len() {
            let defaultable = match &models[i].kind {
                ir::ModelKind::Object { fields, .. } => fields_defaultable(fields, models),
                ir::ModelKind::Enum { .. } => false,
            };
            if !models[i].defaultable && defaultable {
                models[i].defaultable = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
