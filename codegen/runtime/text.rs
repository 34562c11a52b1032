//! Words and masking: English phrasing for messages, and the masking of secrets in any text that
//! leaves the client. The lowest layer of the runtime: it imports nothing from the crate.

/// "a token", "an API token".
pub(crate) fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(|c: char| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

/// "a", "a or b", "a, b or c".
pub(crate) fn or_list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// An error and its causes, joined, for messages that should say why.
pub(crate) fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The first characters of a secret followed by `…`: never more than a quarter of it,
/// at most eight characters after its mode prefix.
pub(crate) fn mask(secret: &str, prefix: Option<&str>) -> String {
    let prefix = prefix.filter(|p| secret.starts_with(p)).unwrap_or("");
    let rest = secret.get(prefix.len()..).unwrap_or("");
    let shown = (rest.len() / 4).min(8);
    format!("{prefix}{}…", rest.get(..shown).unwrap_or(""))
}

/// At most `limit` characters of a response body, whitespace collapsed, for error messages.
pub(crate) fn snippet(body: &str, limit: usize) -> String {
    let collapsed: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

/// A secret and the masked form that replaces it in text.
#[derive(Clone, Copy)]
pub(crate) struct Secret<'a> {
    pub(crate) secret: &'a str,
    pub(crate) masked: &'a str,
}

impl Secret<'_> {
    /// The text with every occurrence of the secret replaced by its masked form.
    pub(crate) fn redact(&self, text: &str) -> String {
        text.replace(self.secret, self.masked)
    }
}
