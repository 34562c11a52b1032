//! How tokens and hookIds are checked, stored and printed. It does not depend on the spec: the
//! spec's header names, prefixes and modes come from `crate::auth`.

use crate::auth::kind::TokenKind;
use crate::auth::{AuthMode, HookId, Token};
use crate::error::Error;
use crate::text::{mask, with_article, Secret};
use reqwest::header::HeaderValue;

impl Token {
    /// A token of the given kind, checked for that kind.
    pub(crate) fn with_mode(secret: String, mode: AuthMode) -> Result<Self, Error> {
        check_token(&secret, mode)?;
        let mut header = HeaderValue::from_str(&format!("{}{secret}", Self::SCHEME_PREFIX))
            .map_err(|_| {
                Error::InvalidCredential("the token cannot be sent in an HTTP header".to_owned())
            })?;
        header.set_sensitive(true);
        let masked = mask(&secret, mode.prefix());
        Ok(Token {
            secret,
            header,
            masked,
            mode,
            kind: std::marker::PhantomData,
        })
    }

    /// This token with its kind in its type, so that a client built from it offers only the
    /// operations of that kind; an [`Error::InvalidCredential`] naming both kinds if it is of
    /// another kind. `Token::typed::<kind::Dynamic>()` always succeeds.
    pub fn typed<K: TokenKind>(self) -> Result<Token<K>, Error> {
        match K::MODE {
            Some(mode) if mode != self.mode => Err(Error::InvalidCredential(format!(
                "the token is {}, not {}; build the client for its kind, or keep it untyped \
                 (operations then check the kind before sending)",
                with_article(self.mode.name()),
                with_article(mode.name())
            ))),
            _ => Ok(self.assume_kind()),
        }
    }
}

impl<K> Token<K> {
    /// The same token with another kind in its type; callers have checked the kind.
    pub(crate) fn assume_kind<T>(self) -> Token<T> {
        let Token {
            secret,
            header,
            masked,
            mode,
            kind: _,
        } = self;
        Token {
            secret,
            header,
            masked,
            mode,
            kind: std::marker::PhantomData,
        }
    }

    /// The same token with its kind known only at run time (`Token<kind::Dynamic>`).
    pub fn into_dynamic(self) -> Token {
        self.assume_kind()
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

    /// The secret and its masked form, for masking text that may quote it.
    // Public for the SDK crate, not for its users.
    #[doc(hidden)]
    pub fn secret(&self) -> Secret<'_> {
        Secret {
            secret: &self.secret,
            masked: &self.masked,
            prefix: self.mode.prefix().map_or(0, str::len),
        }
    }
}

impl<K> Clone for Token<K> {
    fn clone(&self) -> Self {
        Token {
            secret: self.secret.clone(),
            header: self.header.clone(),
            masked: self.masked.clone(),
            mode: self.mode,
            kind: std::marker::PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for Token<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("mode", &self.mode)
            .field("secret", &self.masked)
            .finish()
    }
}

impl<K> std::fmt::Display for Token<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked)
    }
}

impl HookId {
    /// A hookId, checked: not empty, only visible ASCII.
    pub fn new(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        check_header_safe("hookId", &value).map_err(Error::InvalidCredential)?;
        let header = HeaderValue::from_str(&value).map_err(|_| {
            Error::InvalidCredential("the hookId cannot be sent in an HTTP header".to_owned())
        })?;
        Ok(HookId { value, header })
    }

    /// The hookId as given.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The masked form, for logs.
    pub(crate) fn masked(&self) -> String {
        mask(&self.value, None)
    }

    pub(crate) fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

impl std::fmt::Debug for HookId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("HookId").field(&self.masked()).finish()
    }
}

/// Checks that a credential or hookId can travel in an HTTP header: non-empty, visible ASCII.
fn check_header_safe(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_graphic()) {
        let kind = if bad.is_whitespace() {
            "whitespace"
        } else if bad.is_control() {
            "a control character"
        } else {
            "a non-ASCII character"
        };
        return Err(format!(
            "the {what} contains {kind} ({}), which cannot be sent in an HTTP header; copy it again without surrounding spaces or line breaks",
            bad.escape_unicode()
        ));
    }
    Ok(())
}

/// Checks a token for the mode it is declared as: header-safe, carrying the mode's prefix
/// and not another mode's.
fn check_token(secret: &str, mode: AuthMode) -> Result<(), Error> {
    check_header_safe("token", secret).map_err(Error::InvalidCredential)?;
    if let Some(prefix) = mode.prefix() {
        if !secret.starts_with(prefix) {
            return Err(Error::InvalidCredential(format!(
                "{} must start with `{prefix}`",
                with_article(mode.name())
            )));
        }
        if secret.len() == prefix.len() {
            return Err(Error::InvalidCredential(format!(
                "the {} has nothing after its `{prefix}` prefix",
                mode.name()
            )));
        }
    }
    for other in AuthMode::ALL.iter().filter(|other| **other != mode) {
        if let Some(prefix) = other.prefix().filter(|p| secret.starts_with(p)) {
            return Err(Error::InvalidCredential(format!(
                "the token starts with `{prefix}`, so it is {}, not {}; create it with `Token::new` or `Token::{}`",
                with_article(other.name()),
                with_article(mode.name()),
                other.id()
            )));
        }
    }
    Ok(())
}
