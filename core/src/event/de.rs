//! The serde deserializers behind [`decode`](super::decode).
//!
//! * [`EventDeserializer`] presents one client event as an externally tagged
//!   enum: the variant is the event name, the content is the (decoded) value.
//! * [`Lenient`] deserializes a JSON value the way browser payloads need:
//!   strings are accepted for numbers and booleans, `""` is `None`, numbers
//!   and booleans are accepted for strings.
//!
//! Error messages name the path of the offending field and the expected type,
//! but never repeat a value the client sent (form fields may be passwords).

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, Expected, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde_json::Value;
use std::fmt;

/// Longest client-supplied name (event, field, variant) quoted in an error message.
const MAX_QUOTED: usize = 64;

/// A client-supplied string shortened for an error message.
pub(crate) fn quote(s: &str) -> String {
    if s.chars().count() <= MAX_QUOTED {
        format!("{s:?}")
    } else {
        let short: String = s.chars().take(MAX_QUOTED).collect();
        format!("{short:?}…")
    }
}

/// A decoding error: a message and the path (field names, list indexes) where it happened.
#[derive(Debug)]
pub(crate) struct Error {
    path: Vec<String>,
    msg: String,
}

impl Error {
    fn at(mut self, segment: &str) -> Error {
        let segment = if segment.chars().count() <= MAX_QUOTED {
            segment.to_owned()
        } else {
            let mut short: String = segment.chars().take(MAX_QUOTED).collect();
            short.push('…');
            short
        };
        self.path.insert(0, segment);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.msg)
        } else {
            write!(f, "at `{}`: {}", self.path.join("."), self.msg)
        }
    }
}

impl std::error::Error for Error {}

/// What a value was, without the value itself.
fn describe(u: &Unexpected<'_>) -> &'static str {
    match u {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number",
        Unexpected::Char(_) => "a character",
        Unexpected::Str("") => "an empty string",
        Unexpected::Str(_) => "a string",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit => "null",
        Unexpected::Option => "an optional value",
        Unexpected::NewtypeStruct => "a newtype struct",
        Unexpected::Seq => "a list",
        Unexpected::Map => "a map",
        Unexpected::Enum => "an enum",
        Unexpected::UnitVariant
        | Unexpected::NewtypeVariant
        | Unexpected::TupleVariant
        | Unexpected::StructVariant => "an enum variant",
        Unexpected::Other(_) => "another kind of value",
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error {
            path: Vec::new(),
            msg: msg.to_string(),
        }
    }
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Error {
        Error::custom(format_args!("expected {exp}, found {}", describe(&unexp)))
    }
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Error {
        Error::custom(format_args!(
            "invalid value: expected {exp}, found {}",
            describe(&unexp)
        ))
    }
    fn invalid_length(len: usize, exp: &dyn Expected) -> Error {
        Error::custom(format_args!("expected {exp}, found {len} elements"))
    }
    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Error {
        Error::custom(format_args!(
            "unknown variant, expected one of {expected:?}"
        ))
    }
    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Error {
        Error::custom(format_args!("unknown field {}", quote(field)))
    }
    fn missing_field(field: &'static str) -> Error {
        Error::custom(format_args!("missing field `{field}`"))
    }
    fn duplicate_field(field: &'static str) -> Error {
        Error::custom(format_args!("duplicate field `{field}`"))
    }
}

fn bad_type(v: &Value, exp: &dyn Expected) -> Error {
    let found = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    };
    Error::custom(format_args!("expected {exp}, found {found}"))
}

/// The whole event as an externally tagged enum `{name: value}`.
pub(crate) struct EventDeserializer<'de> {
    pub(crate) name: &'de str,
    pub(crate) value: &'de Value,
}

impl<'de> Deserializer<'de> for EventDeserializer<'de> {
    type Error = Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(EventEnum {
            name: self.name,
            value: self.value,
        })
    }

    /// A non-enum target sees the single-entry map `{name: value}`.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(SingleEntry {
            name: Some(self.name),
            value: self.value,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct EventEnum<'de> {
    name: &'de str,
    value: &'de Value,
}

impl<'de> EnumAccess<'de> for EventEnum<'de> {
    type Error = Error;
    type Variant = Content<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Content<'de>), Error> {
        let name = de::value::BorrowedStrDeserializer::<Error>::new(self.name);
        match seed.deserialize(name) {
            Ok(v) => Ok((v, Content(self.value))),
            Err(_) => Err(Error::custom(
                "unknown event: the view's Event type has no variant with this name",
            )),
        }
    }
}

struct SingleEntry<'de> {
    name: Option<&'de str>,
    value: &'de Value,
}

impl<'de> MapAccess<'de> for SingleEntry<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.name {
            Some(name) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(name))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let name = self.name.take().unwrap_or_default();
        seed.deserialize(Lenient(self.value))
            .map_err(|e| e.at(name))
    }
}

/// The content of a variant: a unit variant accepts any value.
pub(crate) struct Content<'de>(&'de Value);

impl<'de> VariantAccess<'de> for Content<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(Lenient(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        Lenient(self.0).deserialize_tuple(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        Lenient(self.0).deserialize_struct("", fields, visitor)
    }
}

/// A JSON value deserialized leniently (see the module docs).
pub(crate) struct Lenient<'de>(pub(crate) &'de Value);

macro_rules! lenient_number {
    ($($method:ident => $ty:ty, $visit:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Number(_) => self.deserialize_any(visitor),
                Value::String(s) => match s.trim().parse::<$ty>() {
                    Ok(n) => visitor.$visit(n),
                    Err(_) if s.trim().is_empty() => Err(Error::custom(format_args!(
                        "expected {}, found an empty string", stringify!($ty)
                    ))),
                    Err(_) => Err(Error::custom(format_args!(
                        "expected {}, found a string that is not one", stringify!($ty)
                    ))),
                },
                other => Err(bad_type(other, &stringify!($ty))),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for Lenient<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
            }),
            Value::Object(map) => visitor.visit_map(Map {
                entries: map.iter(),
                pending: None,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::String(s) => match s.trim() {
                "true" | "on" => visitor.visit_bool(true),
                "false" | "off" => visitor.visit_bool(false),
                _ => Err(Error::custom(
                    "expected a boolean (true, false, on or off), found a string that is not one",
                )),
            },
            other => Err(bad_type(other, &"a boolean")),
        }
    }

    lenient_number! {
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_i128 => i128, visit_i128;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
        deserialize_u128 => u128, visit_u128;
        deserialize_f32 => f32, visit_f32;
        deserialize_f64 => f64, visit_f64;
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(Error::custom(
                        "expected a single character, found a longer or empty string",
                    )),
                }
            }
            other => Err(bad_type(other, &"a character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Number(n) => visitor.visit_string(n.to_string()),
            Value::Bool(b) => visitor.visit_string(b.to_string()),
            other => Err(bad_type(other, &"a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            Value::String(s) if s.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::String(s) if s.is_empty() => visitor.visit_unit(),
            Value::Object(m) if m.is_empty() => visitor.visit_unit(),
            other => Err(bad_type(other, &"nothing (null, \"\" or {})")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A list; a single scalar is a one-element list (`tags=a` into `Vec<String>`).
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
            }),
            Value::String(_) | Value::Number(_) | Value::Bool(_) => visitor.visit_seq(Seq {
                items: std::slice::from_ref(self.0).iter(),
                index: 0,
            }),
            other => Err(bad_type(other, &"a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Map {
                entries: map.iter(),
                pending: None,
            }),
            other => Err(bad_type(other, &"a map")),
        }
    }

    /// A struct from a map; `null` is an empty map (so all-default structs accept it).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Map {
                entries: map.iter(),
                pending: None,
            }),
            Value::Null => visitor.visit_map(de::value::MapDeserializer::new(std::iter::empty::<(
                &str,
                &str,
            )>())),
            other => Err(bad_type(other, &"a map")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(EventEnumNested {
                name: s,
                value: &Value::Null,
            }),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((name, value)) => visitor.visit_enum(EventEnumNested { name, value }),
                None => Err(bad_type(self.0, &"an enum")),
            },
            other => Err(bad_type(
                other,
                &"an enum (a string or a map with one entry)",
            )),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// An enum nested inside an event value (not the event itself).
struct EventEnumNested<'de> {
    name: &'de str,
    value: &'de Value,
}

impl<'de> EnumAccess<'de> for EventEnumNested<'de> {
    type Error = Error;
    type Variant = Content<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Content<'de>), Error> {
        let v = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(self.name))?;
        Ok((v, Content(self.value)))
    }
}

struct Seq<'de> {
    items: std::slice::Iter<'de, Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        match self.items.next() {
            Some(v) => {
                let i = self.index;
                self.index += 1;
                seed.deserialize(Lenient(v))
                    .map(Some)
                    .map_err(|e| e.at(&i.to_string()))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'de> {
    entries: serde_json::map::Iter<'de>,
    pending: Option<(&'de str, &'de Value)>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((k, v)) => {
                self.pending = Some((k, v));
                let key = seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(k))?;
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.pending.take() {
            Some((k, v)) => seed.deserialize(Lenient(v)).map_err(|e| e.at(k)),
            None => Err(Error::custom("a map value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
