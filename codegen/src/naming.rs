//! Rust names for spec names: casing via `heck`, keywords made safe, identifiers built for `quote!`.

use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::{Ident, Span};

/// Words that cannot be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers; they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// `snake_case` name for fields, methods and modules, made safe for Rust.
pub fn snake(name: &str) -> String {
    safe(name.to_snake_case())
}

/// `PascalCase` name for types and variants, made safe for Rust (`Self` cannot be a type name,
/// and `Self_` would not be camel case, so it becomes `SelfType`).
pub fn pascal(name: &str) -> String {
    match name.to_pascal_case() {
        word if word == "Self" => "SelfType".to_owned(),
        word => word,
    }
}

/// `SHOUTY_SNAKE_CASE` name for constants, made safe for Rust.
pub fn shouty(name: &str) -> String {
    safe(name.to_shouty_snake_case())
}

/// Whether `name` is a usable identifier after casing (not empty, not starting with a digit).
pub fn is_valid(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    }
}

fn safe(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// An identifier for `quote!`; keywords become raw identifiers (`r#type`).
pub fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) && !NOT_RAW.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else if is_valid(name) {
        Ident::new(name, Span::call_site())
    } else {
        // Validation rejects such names before rendering; this keeps the renderer total anyway.
        Ident::new("invalid_name", Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_and_keywords() {
        assert_eq!(snake("integrationId"), "integration_id");
        assert_eq!(snake("_id"), "id");
        assert_eq!(pascal("api_token"), "ApiToken");
        assert_eq!(shouty("sendMessage"), "SEND_MESSAGE");
        assert_eq!(snake("self"), "self_");
        assert_eq!(pascal("self"), "SelfType");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self_").to_string(), "self_");
        assert!(!is_valid("9lives"));
        assert!(!is_valid(""));
    }
}
