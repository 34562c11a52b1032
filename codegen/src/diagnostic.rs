//! Problems found in a spec, with where they are and how to fix them, rendered like compiler errors.

use std::fmt;

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Dotted spec path of the offending key, e.g. `resources.contacts.operations.create.body`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, where a fix is known.
    pub help: Option<String>,
    /// 1-based line and column, where the source position is known.
    pub position: Option<(usize, usize)>,
}

impl Diagnostic {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            message: message.into(),
            help: None,
            position: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// All problems found in one spec file; renders with source lines like a compiler.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file: String,
    source: String,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub(crate) fn new(file: &str, source: &str, items: Vec<Diagnostic>) -> Self {
        Diagnostics {
            file: file.to_owned(),
            source: source.to_owned(),
            items,
        }
    }

    /// The individual problems, in the order they were found.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<&str> = self.source.lines().collect();
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "error: {}", d.message)?;
            let at = if d.path.is_empty() {
                String::new()
            } else {
                format!(" ({})", d.path)
            };
            match d.position {
                Some((line, column)) => {
                    writeln!(f, "  --> {}:{line}:{column}{at}", self.file)?;
                    if let Some(text) = lines.get(line.saturating_sub(1)) {
                        let gutter = " ".repeat(line.to_string().len());
                        writeln!(f, "{gutter} |")?;
                        writeln!(f, "{line} | {text}")?;
                        writeln!(f, "{gutter} | {}^", " ".repeat(column.saturating_sub(1)))?;
                    }
                }
                None => writeln!(f, "  --> {}{at}", self.file)?,
            }
            if let Some(help) = &d.help {
                writeln!(f, "  = help: {help}")?;
            }
        }
        let n = self.items.len();
        write!(
            f,
            "{n} error{} in {}",
            if n == 1 { "" } else { "s" },
            self.file
        )
    }
}

impl std::error::Error for Diagnostics {}

/// The candidate closest to `wrong` by edit distance, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(2);
    let wrong = wrong.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let lower = c.to_lowercase();
            // A truncated name (`timeout` for `timeout_secs`) is as likely a typo as a misspelt one.
            let truncated = wrong.len() >= 4 && lower.starts_with(&wrong);
            (
                if truncated {
                    1
                } else {
                    strsim::levenshtein(&wrong, &lower)
                },
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// "did you mean `X`?" for a misspelt name, or the list of valid names.
pub(crate) fn suggest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match closest(wrong, candidates.clone()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            if all.is_empty() {
                "nothing of that kind is declared yet".to_owned()
            } else {
                format!("expected one of {}", all.join(", "))
            }
        }
    }
}

/// Finds the line and column of a dotted spec path in YAML text written in block style,
/// with flow mappings (`{ a: b }`) allowed at the leaves. A best effort: a path it cannot
/// follow to the end yields the deepest key it found.
pub(crate) fn locate(source: &str, path: &str, needle: Option<&str>) -> Option<(usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found: Option<(usize, usize)> = None;
    let (mut from, mut parent_indent) = (0usize, -1isize);
    let mut in_flow: Option<usize> = None;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        if let Some(line) = in_flow {
            let text = lines.get(line)?;
            let start = found.map_or(0, |(_, c)| c);
            match find_key(&text[start.min(text.len())..], segment) {
                Some(col) => found = Some((line + 1, start + col + 1)),
                None => break,
            }
            continue;
        }
        let Some((i, indent, _)) =
            block_keys(&lines, from, parent_indent).find(|(_, _, key)| *key == segment)
        else {
            break;
        };
        found = Some((i + 1, indent as usize + 1));
        from = i + 1;
        parent_indent = indent;
        if lines[i].contains('{') {
            in_flow = Some(i);
        }
    }
    let (line, column) = found?;
    if let Some(needle) = needle.filter(|n| !n.is_empty()) {
        let text = lines.get(line - 1)?;
        if let Some(col) = text[column - 1..].find(needle) {
            return Some((line, column + col));
        }
    }
    Some((line, column))
}

/// The keys the spec format allows at a dotted path, read from its JSON Schema, so that the
/// suggestions can never drift from the parser.
pub(crate) fn allowed_keys(schema: &schemars::Schema, path: &str) -> Vec<String> {
    schema_node(schema, path)
        .and_then(|node| node.get("properties"))
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Whether the key at the end of a dotted path may be left out of the spec: an entry of a named
/// map (a type, an operation, …) or an optional key.
pub(crate) fn removable(schema: &schemars::Schema, path: &str) -> bool {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let Some(node) = schema_node(schema, parent) else {
        return false;
    };
    let named_map = node
        .get("additionalProperties")
        .is_some_and(|a| a.is_object());
    let required = node
        .get("required")
        .and_then(|r| r.as_array())
        .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(key)));
    named_map || !required
}

/// The schema of the value at a dotted spec path.
fn schema_node<'a>(schema: &'a schemars::Schema, path: &str) -> Option<&'a serde_json::Value> {
    let root = schema.as_value();
    let mut node = resolve(root, root);
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let child = node
            .get("properties")
            .and_then(|p| p.get(segment))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))?;
        node = resolve(root, child);
    }
    Some(node)
}

/// Follows `$ref`s and picks the object alternative of an `anyOf`.
fn resolve<'a>(
    root: &'a serde_json::Value,
    mut node: &'a serde_json::Value,
) -> &'a serde_json::Value {
    let kind = |n: &serde_json::Value| n.get("type").and_then(|t| t.as_str()).map(str::to_owned);
    for _ in 0..8 {
        let next = if let Some(target) = node.get("$ref").and_then(|r| r.as_str()) {
            target
                .strip_prefix("#/$defs/")
                .and_then(|name| root.get("$defs")?.get(name))
        } else if let Some(options) = node.get("anyOf").and_then(|a| a.as_array()) {
            options
                .iter()
                .find(|o| !matches!(kind(o).as_deref(), Some("string" | "null")))
        } else {
            None
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    node
}

/// Where `key` appears for the second time among the keys of the block at `parent` (block style).
pub(crate) fn locate_repeat(source: &str, parent: &str, key: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let (from, parent_indent) = match parent {
        "" => (0, -1),
        _ => {
            let (line, column) = locate(source, parent, None)?;
            (line, column as isize - 1)
        }
    };
    let second = block_keys(&lines, from, parent_indent)
        .filter(|(_, _, found)| *found == key)
        .nth(1);
    second.map(|(i, indent, _)| (i + 1, indent as usize + 1))
}

/// The keys of the block that starts after line `from` and is indented deeper than
/// `parent_indent`, as (line index, indent, key); keys of nested blocks are skipped.
fn block_keys<'a>(
    lines: &'a [&'a str],
    from: usize,
    parent_indent: isize,
) -> impl Iterator<Item = (usize, isize, &'a str)> + 'a {
    let mut child_indent = None;
    lines
        .iter()
        .enumerate()
        .skip(from)
        .filter_map(|(i, text)| {
            let content = text.trim_start();
            let indent = (text.len() - content.len()) as isize;
            (!content.is_empty() && !content.starts_with('#')).then_some((i, indent, content))
        })
        .take_while(move |(_, indent, _)| *indent > parent_indent)
        .filter(move |(_, indent, _)| *child_indent.get_or_insert(*indent) == *indent)
        .filter_map(|(i, indent, content)| {
            key_of(content.trim_start_matches("- ")).map(|key| (i, indent, key))
        })
}

fn key_of(content: &str) -> Option<&str> {
    let colon = content.find(':')?;
    Some(content[..colon].trim().trim_matches('"').trim_matches('\''))
}

fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    while let Some(pos) = text[offset..].find(key) {
        let at = offset + pos;
        let before = text[..at].chars().last();
        let after = text[at + key.len()..].trim_start().starts_with(':');
        if after && matches!(before, None | Some(' ' | '{' | ',')) {
            return Some(at);
        }
        offset = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "a:\n  b:\n    c: 1\n  d: { e: x, f: y }\nb:\n  c: 2\n";

    #[test]
    fn locates_block_and_flow_keys() {
        assert_eq!(locate(YAML, "a.b.c", None), Some((3, 5)));
        assert_eq!(locate(YAML, "a.d.f", None), Some((4, 14)));
        assert_eq!(locate(YAML, "b.c", None), Some((6, 3)));
        assert_eq!(locate(YAML, "a.d", Some("y")), Some((4, 17)));
        assert_eq!(locate(YAML, "a.zz", None), Some((1, 1)));
        assert_eq!(
            locate_repeat("a:\n  b: 1\n  c:\n    b: 2\n  b: 3\n", "a", "b"),
            Some((5, 3))
        );
    }

    #[test]
    fn suggests_the_closest_name() {
        assert_eq!(closest("Contct", ["Contact", "Peer"]), Some("Contact"));
        assert_eq!(closest("Zebra", ["Contact", "Peer"]), None);
        assert_eq!(
            closest("timeout", ["timeout_secs", "retry"]),
            Some("timeout_secs")
        );
        assert_eq!(suggest("Zebra", ["A", "B"]), "expected one of `A`, `B`");
    }
}
