//! Spec text → raw model → IR, collecting every problem: unknown keys (all of them, via
//! `serde_ignored`), YAML syntax and shape errors (with serde_yaml's position), and the
//! validator's checks, each located in the source.

use crate::diagnostic::{self, Diagnostic, Diagnostics};
use crate::{ir, spec, validate};

/// Parses and validates a spec into the IR, or returns every problem found.
pub fn parse(spec_text: &str, spec_file: &str) -> Result<ir::Api, Diagnostics> {
    let mut unknown = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(spec_text);
    let raw: Result<spec::Spec, _> = serde_ignored::deserialize(deserializer, |path| {
        // Custom deserializers (a field given as a map) show up as a `?` level; drop it.
        unknown.push(path.to_string().replace(".?.", "."))
    });
    let mut items: Vec<Diagnostic> = unknown.iter().map(|path| unknown_key(path)).collect();
    let api = match raw {
        Ok(raw) => validate::validate(&raw, spec_file).map_err(|problems| items.extend(problems)),
        Err(e) => {
            items.push(yaml_diagnostic(&e));
            Err(())
        }
    };
    match api {
        Ok(api) if items.is_empty() => Ok(api),
        _ => {
            for d in items.iter_mut().filter(|d| d.position.is_none()) {
                let needle = d.message.split('`').nth(1);
                d.position = diagnostic::locate(spec_text, &d.path, needle);
            }
            // In source order, like a compiler; problems without a position last.
            items.sort_by_key(|d| d.position.unwrap_or((usize::MAX, usize::MAX)));
            Err(Diagnostics::new(spec_file, spec_text, items))
        }
    }
}

/// A key the spec format does not have, with the keys that are allowed at that place.
fn unknown_key(path: &str) -> Diagnostic {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let allowed = diagnostic::allowed_keys(&spec::json_schema(), parent);
    let d = Diagnostic::new(path, format!("unknown key `{key}`"));
    let help = if key.contains(' ') {
        "an unquoted `,` inside `{ … }` ends the value; put text with commas in quotes".to_owned()
    } else {
        diagnostic::suggest(key, allowed.iter().map(String::as_str))
    };
    d.help(help)
}

/// A YAML syntax or shape error, with serde_yaml's position and a suggestion for unknown keys.
fn yaml_diagnostic(error: &serde_yaml::Error) -> Diagnostic {
    // serde_yaml writes positions into the text (" at line L column C"); they are shown as the
    // caret instead. A "while parsing X at line L" context marks where the broken construct
    // starts (an unclosed `{`, say), which is where the caret should point.
    let full = error.to_string();
    let context = full.split_once(", while parsing ").map(|(_, c)| c);
    let context_position = context.and_then(position_in);
    let text = strip_positions(full.split_once(", while parsing ").map_or(full.as_str(), |(m, _)| m));
    let (path, message) = match text.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path, message),
        _ => ("", text.as_str()),
    };
    let mut d = Diagnostic::new(path, message);
    d.position = context_position.or_else(|| error.location().map(|l| (l.line(), l.column())));
    if let (Some(context), Some(_)) = (context, context_position) {
        d = d.help(format!("{} that starts here is not closed properly", construct(&strip_positions(context))));
        return d;
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (wrong, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        d = d.help(diagnostic::suggest(wrong, candidates.iter().copied()));
    } else if message.starts_with("missing field") {
        d = d.help("add the key; the spec format's JSON Schema (`cargo xtask schema`) lists every key");
    }
    d
}

/// The first "line L column C" in serde_yaml's text.
fn position_in(text: &str) -> Option<(usize, usize)> {
    let rest = &text[text.find("line ")? + 5..];
    let (line, rest) = rest.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, column.parse().ok()?))
}

/// serde_yaml's text without its " at line L column C" positions.
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
