//! How tokens and hookIds are checked, stored and printed. It does not depend on the spec: the
//! spec's header names, prefixes and modes come from `crate::auth`.

use crate::auth::{AuthMode, HookId, Token};
use crate::error::Error;
use reqwest::header::HeaderValue;

/// "a or b" for a list of modes.
pub(crate) fn modes_phrase(modes: &[AuthMode]) -> String {
    let names: Vec<String> = modes
        .iter()
        .map(|mode| crate::runtime::with_article(mode.name()))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{} or {last}", rest.join(", "))
        }
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

impl Token {
    pub(crate) fn with_mode(secret: String, mode: AuthMode) -> Result<Self, Error> {
        crate::runtime::check_token(&secret, mode)?;
        let mut header = HeaderValue::from_str(&format!("{}{secret}", Self::SCHEME_PREFIX))
            .map_err(|_| {
                Error::InvalidCredential("the token cannot be sent in an HTTP header".to_owned())
            })?;
        header.set_sensitive(true);
        let masked = crate::runtime::mask(&secret, mode.prefix());
        Ok(Token {
            secret,
            header,
            masked,
            mode,
        })
    }

    /// The kind of this token.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// The masked form, e.g. for logs: the mode prefix and a few characters, then `…`.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.header
    }

    /// The text with every occurrence of the secret replaced by its masked form.
    pub(crate) fn redact(&self, text: &str) -> String {
        text.replace(&self.secret, &self.masked)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("mode", &self.mode)
            .field("secret", &self.masked)
            .finish()
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked)
    }
}

impl HookId {
    /// A hookId, checked: not empty, only visible ASCII.
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        crate::runtime::check_header_safe("hookId", &value).map_err(Error::InvalidCredential)?;
        let header = HeaderValue::from_str(&value).map_err(|_| {
            Error::InvalidCredential("the hookId cannot be sent in an HTTP header".to_owned())
        })?;
        Ok(HookId { value, header })
    }

    /// The hookId as given.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

impl std::fmt::Debug for HookId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("HookId")
            .field(&crate::runtime::mask(&self.value, None))
            .finish()
    }
}
