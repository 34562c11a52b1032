//! Words and masking: English phrasing for messages, and the masking of secrets in any text that
//! leaves the client. The lowest layer of the runtime: it imports nothing from the crate.

use std::borrow::Cow;
use std::collections::VecDeque;

/// "a token", "an API token".
pub(crate) fn with_article(noun: &str) -> String {
    let lower = noun.to_ascii_lowercase();
    // By sound: "a user key", "a unique id", "an hour" is rare enough to leave out.
    let vowel = lower.starts_with(['a', 'e', 'i', 'o', 'u'])
        && !["us", "uni", "eu", "one"]
            .iter()
            .any(|p| lower.starts_with(p));
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
/// Only what it keeps is read: a large body costs no more than a small one.
pub(crate) fn snippet(body: &str, limit: usize) -> String {
    let mut kept = String::new();
    let mut count = 0;
    for (i, word) in body.split_whitespace().enumerate() {
        let space = (i > 0).then_some(' ');
        for c in space.into_iter().chain(word.chars()) {
            if count == limit {
                kept.push('…');
                return kept;
            }
            kept.push(c);
            count += 1;
        }
    }
    kept
}

/// Any run of this many characters of a secret is masked wherever it shows.
const RUN: usize = 8;
/// A secret cut off where a text starts or ends is masked from this many characters on (past
/// its mode prefix, where the text ends with the secret's start). Three, so that with one
/// delimiter more (`{:?}`'s closing quote) a shown part stays shorter than [`RUN`].
const EDGE: usize = 3;

/// A secret and the masked form that replaces it in text. Secrets are visible ASCII (the
/// credentials layer checks it).
#[derive(Clone, Copy)]
pub struct Secret<'a> {
    pub(crate) secret: &'a str,
    pub(crate) masked: &'a str,
    /// The length of the mode prefix (`pat_`), which tells nothing about the secret.
    pub(crate) prefix: usize,
}

impl Secret<'_> {
    /// The text with the secret masked wherever it shows: whole or in part (any eight
    /// characters of it in a row; its last three where the text starts, or its prefix and
    /// three more where the text ends, as when a server cut it short), as is or escaped as JSON, Rust's `{:?}`, HTML or URLs
    /// escape characters (`\"`, `\u0026`, `&amp;`, `%2F`). Borrowed when there was nothing to
    /// mask.
    ///
    /// Redact text after it is unescaped (a message parsed from JSON) and before it is cut.
    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut spans = Vec::new();
        let raw = text.bytes().enumerate().map(|(i, byte)| (byte, i, i + 1));
        self.find(raw, &mut spans);
        if text.contains(['\\', '&', '%']) {
            self.find(Unescaped { text, at: 0 }, &mut spans);
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        spans.sort_unstable();
        let mut redacted = String::with_capacity(text.len());
        let mut copied = 0;
        let mut spans = spans.into_iter().peekable();
        while let Some((start, mut end)) = spans.next() {
            while let Some((_, next_end)) = spans.next_if(|(next, _)| *next <= end) {
                end = end.max(next_end);
            }
            redacted.push_str(text.get(copied..start).unwrap_or_default());
            redacted.push_str(self.masked);
            copied = end;
        }
        redacted.push_str(text.get(copied..).unwrap_or_default());
        Cow::Owned(redacted)
    }

    /// [`redact`](Self::redact) for text the caller owns: the same string when there was
    /// nothing to mask.
    pub fn redact_owned(&self, text: String) -> String {
        if let Cow::Owned(redacted) = self.redact(&text) {
            return redacted;
        }
        text
    }

    /// At most `limit` characters of a response body for an error message, masked before
    /// it is cut.
    pub(crate) fn snippet(&self, body: &str, limit: usize) -> String {
        snippet(&self.redact(body), limit)
    }

    /// Adds to `spans` the byte ranges of the text that show the secret, reading the text as
    /// `units`: each byte it stands for, with the range of the text that says it.
    fn find(&self, units: impl Iterator<Item = Unit>, spans: &mut Vec<(usize, usize)>) {
        let secret = self.secret.as_bytes();
        let run = secret.len().min(RUN);
        if run == 0 {
            return;
        }
        // Runs of up to eight bytes, each packed into a u64 and compared as one.
        let mut runs: Vec<u64> = secret
            .windows(run)
            .map(|w| w.iter().fold(0, |packed, b| packed << 8 | u64::from(*b)))
            .collect();
        runs.sort_unstable();
        let keep = u64::MAX >> (64 - 8 * run);
        let mut packed = 0u64;
        // The first and the latest units, as long as the secret, for its cut-off ends.
        let mut first = Vec::with_capacity(secret.len());
        let mut latest = VecDeque::with_capacity(secret.len());
        for unit in units {
            if first.len() < secret.len() {
                first.push(unit);
            }
            if latest.len() == secret.len() {
                latest.pop_front();
            }
            latest.push_back(unit);
            packed = (packed << 8 | u64::from(unit.0)) & keep;
            if latest.len() >= run && runs.binary_search(&packed).is_ok() {
                let start = latest.get(latest.len() - run).map_or(unit.1, |u| u.1);
                spans.push((start, unit.2));
            }
        }
        // The text starts with the secret's end (no prefix in it), or ends with its start.
        let tail_edge = EDGE.min(secret.len());
        let head_edge = (self.prefix + EDGE).min(secret.len());
        let starts = (tail_edge..=first.len()).rev().find(|&n| {
            first[..n]
                .iter()
                .map(|u| u.0)
                .eq(secret[secret.len() - n..].iter().copied())
        });
        if let Some(n) = starts {
            spans.push((first[0].1, first[n - 1].2));
        }
        let ends = (head_edge..=latest.len()).rev().find(|&n| {
            latest
                .range(latest.len() - n..)
                .map(|u| u.0)
                .eq(secret[..n].iter().copied())
        });
        if let (Some(n), Some(last)) = (ends, latest.back()) {
            spans.push((latest[latest.len() - n].1, last.2));
        }
    }
}

/// One byte a text stands for, and the byte range of the text that says it.
type Unit = (u8, usize, usize);

/// A text read through one level of escaping. A character outside ASCII, which no secret
/// holds, reads as 0xFF.
struct Unescaped<'t> {
    text: &'t str,
    at: usize,
}

impl Iterator for Unescaped<'_> {
    type Item = Unit;

    fn next(&mut self) -> Option<Unit> {
        let start = self.at;
        let rest = self.text.get(start..)?;
        let (byte, length) = match unescape(rest) {
            Some(escaped) => escaped,
            // The text ends inside an escape (a server cut it there): what it stood for is
            // unknown, so the units end before it, where a secret cut short can be found.
            None if cut_escape(rest) => return None,
            None => {
                let c = rest.chars().next()?;
                (u8::try_from(c).unwrap_or(0xFF), c.len_utf8())
            }
        };
        self.at += length;
        Some((byte, start, start + length))
    }
}

/// The byte an escape at the start of `text` stands for, and the escape's length: `\"`,
/// `\\`, `\/`, `\n`…, `\uXXXX`, `\u{X}` (JSON, Rust), `&quot;`…, `&#NN;`, `&#xHH;` (HTML),
/// `%HH` (URLs).
fn unescape(text: &str) -> Option<(u8, usize)> {
    let bytes = text.as_bytes();
    match *bytes.first()? {
        b'\\' => match *bytes.get(1)? {
            b'u' if bytes.get(2) == Some(&b'{') => {
                let close = bytes.iter().take(12).position(|b| *b == b'}')?;
                Some((code(text.get(3..close)?, 16)?, close + 1))
            }
            b'u' => Some((code(text.get(2..6)?, 16)?, 6)),
            b'n' => Some((b'\n', 2)),
            b'r' => Some((b'\r', 2)),
            b't' => Some((b'\t', 2)),
            b'b' => Some((0x08, 2)),
            b'f' => Some((0x0C, 2)),
            b'0' => Some((0, 2)),
            quoted @ (b'"' | b'\\' | b'/' | b'\'') => Some((quoted, 2)),
            _ => None,
        },
        b'&' => {
            let close = bytes.iter().take(12).position(|b| *b == b';')?;
            let byte = match text.get(1..close)? {
                "quot" => b'"',
                "amp" => b'&',
                "lt" => b'<',
                "gt" => b'>',
                "apos" => b'\'',
                name => match name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                    Some(hex) => code(hex, 16)?,
                    None => code(name.strip_prefix('#')?, 10)?,
                },
            };
            Some((byte, close + 1))
        }
        b'%' => Some((code(text.get(1..3)?, 16)?, 3)),
        _ => None,
    }
}

/// Whether `rest`, the end of a text, is an escape of [`unescape`]'s forms cut short: `\`,
/// `\u00`, `\u{1`, `&am`, `&#3`, `%2`.
fn cut_escape(rest: &str) -> bool {
    let tail = rest.get(1..).unwrap_or_default();
    let hex = |digits: &str, most: usize| {
        digits.len() <= most && digits.chars().all(|c| c.is_ascii_hexdigit())
    };
    match rest.as_bytes().first() {
        Some(b'\\') => match tail.strip_prefix('u') {
            None => tail.is_empty(),
            Some(code) => match code.strip_prefix('{') {
                Some(digits) => hex(digits, 8),
                None => hex(code, 3),
            },
        },
        Some(b'&') => {
            tail.len() < 11 && tail.chars().all(|c| c.is_ascii_alphanumeric() || c == '#')
        }
        Some(b'%') => hex(tail, 1),
        _ => false,
    }
}

/// A character code in this radix, as its byte if it is ASCII, else 0xFF.
fn code(digits: &str, radix: u32) -> Option<u8> {
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    Some(u8::try_from(code).ok().filter(u8::is_ascii).unwrap_or(0xFF))
}
