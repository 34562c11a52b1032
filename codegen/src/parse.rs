//! Spec text → raw model → IR, collecting every problem: unknown keys (all of them, via
//! `serde_ignored`), YAML syntax and shape errors (with yaml_serde's position), and the
//! validator's checks, each located in the source.

use crate::diagnostic::{self, Diagnostic, Diagnostics};
use crate::{ir, spec, validate};

/// Parses and validates a spec into the IR, or returns every problem found.
pub fn parse(spec_text: &str, spec_file: &str) -> Result<ir::Api, Diagnostics> {
    let mut unknown = Vec::new();
    let deserializer = yaml_serde::Deserializer::from_str(spec_text);
    let raw: Result<spec::Spec, _> = serde_ignored::deserialize(deserializer, |path| {
        unknown.push(spec_path(&path.to_string()))
    });
    // The format's schema is only needed to explain problems, so only built then, and once.
    let schema = std::cell::OnceCell::new();
    let schema = || schema.get_or_init(spec::json_schema);
    let mut items: Vec<Diagnostic> = unknown
        .iter()
        .map(|path| unknown_key(schema(), path))
        .collect();
    let api = match raw {
        Ok(raw) => validate::validate(&raw, spec_file).map_err(|problems| items.extend(problems)),
        Err(e) => {
            let first = yaml_diagnostic(&e, spec_text);
            let more = more_shape_errors(schema(), spec_text, &first.path);
            items.push(first);
            items.extend(more);
            Err(())
        }
    };
    match api {
        Ok(api) if items.is_empty() => Ok(api),
        _ => Err(located(spec_text, spec_file, items)),
    }
}

/// Problems found in a spec, each given its position in the source (where it has none yet)
/// and sorted in source order, like a compiler; problems without a position last.
pub(crate) fn located(spec_text: &str, spec_file: &str, mut items: Vec<Diagnostic>) -> Diagnostics {
    for d in items.iter_mut().filter(|d| d.position.is_none()) {
        // Point at the named value: serde quotes it in backticks or double quotes.
        let needle = d
            .message
            .split('`')
            .nth(1)
            .or_else(|| d.message.split('"').nth(1));
        d.position = diagnostic::locate(spec_text, &d.path, needle);
    }
    items.sort_by_key(|d| d.position.unwrap_or((usize::MAX, usize::MAX)));
    Diagnostics::new(spec_file, spec_text, items)
}

/// serde stops at the first value of the wrong shape. To report the others in the same run, the
/// offending entry (or optional key) is left out and the rest is read again, until it reads or an
/// error sits in a key the format requires.
fn more_shape_errors(schema: &schemars::Schema, spec_text: &str, first: &str) -> Vec<Diagnostic> {
    let Ok(mut value) = yaml_serde::from_str::<yaml_serde::Value>(spec_text) else {
        return Vec::new(); // a syntax error: there is nothing more to read
    };
    let mut path = first.to_owned();
    let mut found = Vec::new();
    // Each round removes one key, so the loop ends; the bound only caps the report's length.
    for _ in 0..50 {
        if path.is_empty() || !remove_entry(&mut value, schema, &path) {
            break;
        }
        match serde_path_to_error::deserialize::<_, spec::Spec>(value.clone()) {
            Ok(_) => break,
            Err(e) => {
                path = spec_path(&e.path().to_string());
                let d = Diagnostic::new(path.clone(), e.into_inner().to_string());
                if found.iter().any(|f: &Diagnostic| f.path == d.path) {
                    break;
                }
                found.push(d);
            }
        }
    }
    found
}

/// Removes the deepest removable key on `path` from the parsed spec; false if there is none.
fn remove_entry(value: &mut yaml_serde::Value, schema: &schemars::Schema, path: &str) -> bool {
    let segments: Vec<&str> = path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .collect();
    for end in (1..=segments.len()).rev() {
        if !diagnostic::removable(schema, &segments[..end].join(".")) {
            continue;
        }
        let mut node = &mut *value;
        for segment in &segments[..end - 1] {
            match node.get_mut(*segment) {
                Some(child) => node = child,
                None => return false,
            }
        }
        return node
            .as_mapping_mut()
            .is_some_and(|m| m.remove(segments[end - 1]).is_some());
    }
    false
}

/// A serde path as a spec path. Custom deserializers (a field given as a map) show up as a `?`
/// level, which the spec does not have.
fn spec_path(serde_path: &str) -> String {
    serde_path.replace(".?.", ".")
}

/// A key the spec format does not have, with the keys that are allowed at that place.
fn unknown_key(schema: &schemars::Schema, path: &str) -> Diagnostic {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let allowed = diagnostic::allowed_keys(schema, parent);
    let d = Diagnostic::new(path, format!("unknown key `{key}`"));
    let help = if key.contains(' ') {
        "an unquoted `,` inside `{ … }` ends the value; put text with commas in quotes".to_owned()
    } else {
        diagnostic::suggest(key, allowed.iter().map(String::as_str))
    };
    d.help(help)
}

/// A YAML syntax or shape error, with yaml_serde's position and a suggestion for unknown keys.
fn yaml_diagnostic(error: &yaml_serde::Error, spec_text: &str) -> Diagnostic {
    // yaml_serde (libyaml) writes positions into the text (" at line L column C"); they are
    // shown as the caret instead. A "while parsing X at line L" context marks where the broken
    // construct starts (an unclosed `{`, say), which is where the caret should point. Its
    // `location()` alone would put the caret where libyaml gave up, often lines later.
    let full = error.to_string();
    let context = full.split_once(", while parsing ").map(|(_, c)| c);
    let context_position = context.and_then(position_in);
    let text = strip_positions(
        full.split_once(", while parsing ")
            .map_or(full.as_str(), |(m, _)| m),
    );
    let (path, message) = match text.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path, message),
        _ => ("", text.as_str()),
    };
    let mut d = Diagnostic::new(path, message);
    d.position = context_position.or_else(|| error.location().map(|l| (l.line(), l.column())));
    if let Some(name) = message
        .strip_suffix("` is declared twice")
        .and_then(|m| m.strip_prefix('`'))
    {
        // Point at the second declaration, not at the start of the map.
        d.position = diagnostic::locate_repeat(spec_text, path, name).or(d.position);
        d.path = format!("{path}.{name}");
        return d.help("give each its own name, or merge the two");
    }
    if let (Some(context), Some(_)) = (context, context_position) {
        d = d.help(format!(
            "{} that starts here is not closed properly",
            construct(&strip_positions(context))
        ));
        return d;
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (wrong, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        d = d.help(diagnostic::suggest(wrong, candidates.iter().copied()));
    } else if message.starts_with("missing field") {
        d = d.help(
            "add the key; the spec format's JSON Schema (`cargo xtask schema`) lists every key",
        );
    }
    d
}

/// The first "line L column C" in yaml_serde's text.
fn position_in(text: &str) -> Option<(usize, usize)> {
    let rest = &text[text.find("line ")? + 5..];
    let (line, rest) = rest.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// yaml_serde's text without its " at line L column C" positions.
fn strip_positions(text: &str) -> String {
    let mut out = text.to_owned();
    while let Some(at) = out.find(" at line ") {
        let end = out[at + 9..]
            .find(" column ")
            .map(|c| at + 9 + c + 8)
            .map(|c| c + out[c..].chars().take_while(char::is_ascii_digit).count())
            .unwrap_or(out.len());
        out.replace_range(at..end, "");
    }
    out
}

/// "the `{ … }` mapping" for libyaml's "a flow mapping".
fn construct(context: &str) -> String {
    let what = context.trim_start_matches("a ").trim_start_matches("an ");
    match what {
        "flow mapping" => "the `{ … }` mapping".to_owned(),
        "flow sequence" => "the `[ … ]` list".to_owned(),
        other => format!("the {other}"),
    }
}
