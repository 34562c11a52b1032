//! What the generated models' serde impls and the response decoding share: object keys read
//! without allocating. It does not depend on the spec.

use std::borrow::Cow;

/// A JSON object key: borrowed from the response bytes when it has no escapes, owned otherwise.
pub(crate) struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string, for a map of fields the SDK does not know.
    // A spec may have no type that keeps unknown fields.
    #[allow(dead_code)]
    pub(crate) fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> serde::de::Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(text)))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(text)))
    }
}

impl<'de> Key<'de> {
    /// Hands the key to `seed` (a field identifier, say), borrowed if it was.
    pub(crate) fn into_seed<S, E>(self, seed: S) -> Result<S::Value, E>
    where
        S: serde::de::DeserializeSeed<'de>,
        E: serde::de::Error,
    {
        use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
        match self.0 {
            Cow::Borrowed(text) => seed.deserialize(BorrowedStrDeserializer::new(text)),
            Cow::Owned(text) => seed.deserialize(StringDeserializer::new(text)),
        }
    }
}
