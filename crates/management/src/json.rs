//! How the generated models read and write JSON.
//!
//! Every model, request body and union converts to and from a [`serde_json::Value`] through
//! [`FromJson`] and [`ToJson`]: plain functions, one per type, that the compiler builds once.
//! Their `serde` implementations go through that value, so a model still works with any
//! serde format (`serde_json::from_str`, `to_string`, a user's own types that embed one), but
//! no model's code is built again for each format it meets, as derived implementations are:
//! the generated crate compiles in a fraction of the time.
//!
//! What reads and writes is what `#[derive(Serialize, Deserialize)]` with `#[serde(default,
//! skip_serializing_if = …)]` fields and a `#[serde(flatten)]` map of the other fields did:
//! an absent or `null` optional field reads as `None` (a [`Nullable`] one tells the two
//! apart), a field that is not set is not written, and a field no model names is kept.

use std::fmt;

use serde_json::{Map, Number, Value};

use crate::Nullable;

/// Why a JSON value could not be read as a model: what was expected, what was found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    /// The path of the value, outermost key first (`["options", "2", "name"]`).
    path: Vec<String>,
    message: String,
}

impl JsonError {
    /// An error with no path yet.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// A value of the wrong kind.
    pub(crate) fn expected(expected: &str, found: &Value) -> Self {
        Self::new(format!(
            "invalid type: {}, expected {expected}",
            kind(found)
        ))
    }

    /// The same error, one level deeper: the value was under `key`.
    pub(crate) fn at(mut self, key: impl Into<String>) -> Self {
        self.path.insert(0, key.into());
        self
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} at `{}`", self.message, self.path.join("."))
        }
    }
}

/// What kind of JSON value `value` is, for an error message (the value of a string is not
/// shown: it may be a secret).
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number `{n}`"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A type read from a JSON value.
pub(crate) trait FromJson: Sized {
    /// Reads `value`, taking its strings, arrays and maps without copying them.
    fn from_json(value: Value) -> Result<Self, JsonError>;
}

/// A type written as a JSON value.
pub(crate) trait ToJson {
    /// The value, as it is sent.
    fn to_json(&self) -> Value;
}

/// Reads the field `key` of a model, naming it in an error.
pub(crate) fn field<T: FromJson>(value: Value, key: &str) -> Result<T, JsonError> {
    T::from_json(value).map_err(|e| e.at(key))
}

/// Reads `value` into `slot`, the field `key` of a model; an error names `key`.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) fn set<T: FromJson>(slot: &mut T, value: Value, key: &str) -> Result<(), JsonError> {
    *slot = field(value, key)?;
    Ok(())
}

/// The map of a JSON object, or the error that names `what` was expected.
pub(crate) fn object(value: Value, what: &str) -> Result<Map<String, Value>, JsonError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(JsonError::expected(what, &other)),
    }
}

/// An optional field of a model or request body: written only when it is set.
pub(crate) trait OptionalField {
    /// Adds the field to `map` under `key`, unless it is not set.
    fn put(&self, map: &mut Map<String, Value>, key: &str);
}

impl<T: ToJson> OptionalField for Option<T> {
    fn put(&self, map: &mut Map<String, Value>, key: &str) {
        if let Some(value) = self {
            map.insert(key.to_owned(), value.to_json());
        }
    }
}

impl<T: ToJson> OptionalField for Nullable<T> {
    fn put(&self, map: &mut Map<String, Value>, key: &str) {
        match self {
            Nullable::Absent => {}
            Nullable::Null => {
                map.insert(key.to_owned(), Value::Null);
            }
            Nullable::Value(value) => {
                map.insert(key.to_owned(), value.to_json());
            }
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    /// `null` reads as `None`.
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl<T: FromJson> FromJson for Nullable<T> {
    /// `null` reads as [`Nullable::Null`]; a field that is not there stays
    /// [`Nullable::Absent`], the default.
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Null => Ok(Nullable::Null),
            other => T::from_json(other).map(Nullable::Value),
        }
    }
}

impl<T: ToJson> ToJson for Nullable<T> {
    fn to_json(&self) -> Value {
        match self {
            Nullable::Value(value) => value.to_json(),
            Nullable::Absent | Nullable::Null => Value::Null,
        }
    }
}

impl FromJson for Value {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        Ok(value)
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl FromJson for String {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(JsonError::expected("a string", &other)),
        }
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromJson for bool {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(JsonError::expected("a boolean", &other)),
        }
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for i64 {
    /// A whole number that fits (as serde reads an `i64`: `1.0` is refused).
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match &value {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| JsonError::expected("an integer (i64)", &value)),
            _ => Err(JsonError::expected("an integer (i64)", &value)),
        }
    }
}

impl FromJson for u16 {
    /// A whole number from 0 to 65535.
    fn from_json(value: Value) -> Result<Self, JsonError> {
        value
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| JsonError::expected("an integer from 0 to 65535", &value))
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::Number((*self).into())
    }
}

impl FromJson for f64 {
    /// Any number.
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match &value {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| JsonError::expected("a number (f64)", &value)),
            _ => Err(JsonError::expected("a number (f64)", &value)),
        }
    }
}

impl ToJson for f64 {
    /// A finite number; NaN and the infinities (which JSON cannot hold) as `null`, as
    /// `serde_json` writes them.
    fn to_json(&self) -> Value {
        Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| T::from_json(item).map_err(|e| e.at(i.to_string())))
                .collect(),
            other => Err(JsonError::expected("an array", &other)),
        }
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        T::from_json(value).map(Box::new)
    }
}

impl<T: ToJson> ToJson for Box<T> {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

/// `serde` implementations of a type that has [`FromJson`] and [`ToJson`], through a
/// [`Value`]; `ser` alone for a type only sent.
macro_rules! json_serde {
    ($name:ty) => {
        $crate::json::json_serde!($name, ser);
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                <Self as $crate::json::FromJson>::from_json(value)
                    .map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    };
    ($name:ty, ser) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&$crate::json::ToJson::to_json(self), serializer)
            }
        }
    };
}
pub(crate) use json_serde;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn option_reads_null_and_values_and_is_left_out_when_unset() {
        assert_eq!(Option::<String>::from_json(Value::Null), Ok(None));
        assert_eq!(
            Option::<String>::from_json(json!("a")),
            Ok(Some("a".to_owned()))
        );
        let mut map = Map::new();
        None::<String>.put(&mut map, "a");
        Some(1_i64).put(&mut map, "b");
        assert_eq!(Value::Object(map), json!({"b": 1}));
    }

    #[test]
    fn nullable_tells_null_from_absent() {
        assert_eq!(
            Nullable::<String>::from_json(Value::Null),
            Ok(Nullable::Null)
        );
        let mut map = Map::new();
        Nullable::<String>::Absent.put(&mut map, "a");
        Nullable::<String>::Null.put(&mut map, "b");
        Nullable::Value("x".to_owned()).put(&mut map, "c");
        assert_eq!(Value::Object(map), json!({"b": null, "c": "x"}));
    }

    #[test]
    fn numbers_are_read_as_serde_reads_them() {
        assert_eq!(i64::from_json(json!(3)), Ok(3));
        assert!(i64::from_json(json!(1.5)).is_err());
        assert!(i64::from_json(json!(u64::MAX)).is_err());
        assert_eq!(f64::from_json(json!(3)), Ok(3.0));
        assert_eq!(f64::NAN.to_json(), Value::Null);
    }

    #[test]
    fn an_error_names_the_path_and_kind_but_not_a_string_value() {
        let err = Vec::<i64>::from_json(json!([1, "s3cr3t"]))
            .map_err(|e| e.at("ids"))
            .unwrap_err();
        let text = err.to_string();
        assert_eq!(
            text,
            "invalid type: a string, expected an integer (i64) at `ids.1`"
        );
        assert!(!text.contains("s3cr3t"));
    }
}
