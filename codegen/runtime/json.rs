//! What the generated models' serde impls and the response decoding share: object keys read
//! without allocating. It does not depend on the spec.

use std::borrow::Cow;

/// A JSON object key: borrowed from the response bytes when it has no escapes, owned otherwise.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string, for a map of fields the SDK does not know.
    pub fn into_owned(self) -> String {
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
    pub fn into_seed<S, E>(self, seed: S) -> Result<S::Value, E>
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

/// The serde impls of a generated struct, from its fields' kinds and wire names:
///
/// ```text
/// serde_object!(Name [decode extra] {
///     required id = "_id", optional email = "email", defaulted page = "page" => default_page
/// });
/// ```
///
/// `Serialize` writes the fields in order: optional ones only when set, defaulted ones always
/// (`Name::default_page()` for `None`: the spec's default), and with `extra` the unknown
/// fields last. With `decode`, `Deserialize` reads the object in one pass, its keys without
/// allocating; unknown fields are kept in `extra` (with `extra`) or skipped. Unlike serde's derive
/// with `#[serde(flatten)]`, nothing is buffered, and there is about half as much code to check
/// (BENCHMARKS.md).
// Exported for the SDK crate's models (the core crate's api_error uses it too), not for users.
#[doc(hidden)]
#[macro_export]
macro_rules! serde_object {
    ($name:ident [] $fields:tt) => {
        $crate::json::serde_object!(@serialize $name [] $fields);
    };
    ($name:ident [extra] $fields:tt) => {
        $crate::json::serde_object!(@serialize $name [extra] $fields);
    };
    ($name:ident [decode] $fields:tt) => {
        $crate::json::serde_object!(@serialize $name [] $fields);
        $crate::json::serde_object!(@deserialize $name [] $fields);
    };
    ($name:ident [decode extra] $fields:tt) => {
        $crate::json::serde_object!(@serialize $name [extra] $fields);
        $crate::json::serde_object!(@deserialize $name [extra] $fields);
    };
    // A struct of known fields: serde's struct form, with its length.
    (@serialize $name:ident [] {
        $($kind:ident $field:ident = $wire:literal $(=> $or_default:ident)?),* $(,)?
    }) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let len = 0 $(+ $crate::json::serde_object!(@len $kind self.$field))*;
                let mut object = serializer.serialize_struct(stringify!($name), len)?;
                $($crate::json::serde_object!(
                    @put $kind object serialize_field $wire self.$field $(, $name::$or_default)?
                );)*
                object.end()
            }
        }
    };
    // With unknown fields, a map (as serde's derive writes a struct with a flattened map).
    (@serialize $name:ident [extra] {
        $($kind:ident $field:ident = $wire:literal $(=> $or_default:ident)?),* $(,)?
    }) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut object = serializer.serialize_map(None)?;
                $($crate::json::serde_object!(
                    @put $kind object serialize_entry $wire self.$field $(, $name::$or_default)?
                );)*
                for (key, value) in &self.extra {
                    object.serialize_entry(key, value)?;
                }
                object.end()
            }
        }
    };
    (@deserialize $name:ident [$($extra:ident)?] {
        $($kind:ident $field:ident = $wire:literal $(=> $or_default:ident)?),* $(,)?
    }) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Named so that no model (UpperCamelCase, no underscores) can clash with it.
                struct __Visitor;

                impl<'de> serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$name, A::Error> {
                        // Each field in a local of its own name: the macro's own names
                        // (`map`, `key`) cannot clash with them.
                        $($crate::json::serde_object!(@local $kind $name $field);)*
                        $(let mut $extra = serde_json::Map::new();)?
                        while let Some(key) = map.next_key::<$crate::json::Key<'de>>()? {
                            match key.as_str() {
                                $($wire => $crate::json::serde_object!(@set $kind $field map),)*
                                _ => $crate::json::serde_object!(@unknown map key $($extra)?),
                            }?
                        }
                        Ok($name {
                            $($field: $crate::json::serde_object!(@take $kind $field $wire),)*
                            $($extra,)?
                        })
                    }
                }

                deserializer.deserialize_map(__Visitor)
            }
        }
    };
    (@len required $value:expr) => {
        1
    };
    (@len optional $value:expr) => {
        usize::from($value.is_some())
    };
    (@len defaulted $value:expr) => {
        1
    };
    (@put required $object:ident $put:ident $wire:literal $value:expr) => {
        $object.$put($wire, &$value)?
    };
    (@put optional $object:ident $put:ident $wire:literal $value:expr) => {
        if let Some(value) = &$value {
            $object.$put($wire, value)?;
        }
    };
    // Sent even when `None`: as the spec's default, which the named function gives.
    (@put defaulted $object:ident $put:ident $wire:literal $value:expr, $default:path) => {
        match &$value {
            Some(value) => $object.$put($wire, value)?,
            None => $object.$put($wire, &$default())?,
        }
    };
    // Typed like the field from the start, which spares the compiler inferring it late.
    (@local required $name:ident $field:ident) => {
        let mut $field = $crate::json::unset(|object: &$name| &object.$field);
    };
    (@local $optional:ident $name:ident $field:ident) => {
        let mut $field = $crate::json::unset(|object: &$name| &object.$field).flatten();
    };
    // Each arm is a `Result<(), _>`, so that one `?` after the `match` serves every field.
    (@set required $field:ident $map:ident) => {
        $map.next_value().map(|value| $field = Some(value))
    };
    (@set $optional:ident $field:ident $map:ident) => {
        $map.next_value().map(|value| $field = value)
    };
    (@take required $field:ident $wire:literal) => {
        $crate::json::required($field, $wire)?
    };
    (@take $optional:ident $field:ident $wire:literal) => {
        $field
    };
    (@unknown $map:ident $key:ident) => {
        $map.next_value::<serde::de::IgnoredAny>().map(drop)
    };
    (@unknown $map:ident $key:ident $extra:ident) => {
        $map.next_value().map(|value| drop($extra.insert($key.into_owned(), value)))
    };
}
pub use crate::serde_object;

/// `None`, typed as an `Option` of the field `field` picks out.
pub fn unset<S, T>(_field: fn(&S) -> &T) -> Option<T> {
    None
}

/// A required field's value, or serde's "missing field" error naming its wire name.
pub fn required<T, E: serde::de::Error>(value: Option<T>, wire: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(wire))
}
