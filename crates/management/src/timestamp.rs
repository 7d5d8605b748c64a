//! [`Timestamp`]: a date and time exactly as Auth0 wrote it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A date and time as the Management API sends it (RFC 3339, `2025-01-31T09:30:00.000Z`), kept
/// as the exact string received, so that a model read and written back is byte-identical
/// whatever precision or offset Auth0 used.
///
/// With the `time` feature, [`Timestamp::to_offset_date_time`] parses it into a
/// [`time::OffsetDateTime`], and an `OffsetDateTime` converts into a `Timestamp` for request
/// bodies.
///
/// ```
/// use auth0_m2m_management::Timestamp;
/// let t: Timestamp = serde_json::from_str(r#""2025-01-31T09:30:00.000Z""#).unwrap();
/// assert_eq!(t.as_str(), "2025-01-31T09:30:00.000Z");
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#""2025-01-31T09:30:00.000Z""#);
/// assert_eq!(t, Timestamp::from("2025-01-31T09:30:00.000Z"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp(String);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl Timestamp {
    /// A timestamp from its wire form (not checked: Auth0's own answers are taken as they are).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The string as received or given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string, owned.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// The timestamp as a [`time::OffsetDateTime`], parsed as RFC 3339; an error when the string
    /// is not one (which Auth0's answers always are).
    ///
    /// ```
    /// # #[cfg(feature = "time")] {
    /// use auth0_m2m_management::Timestamp;
    /// let t = Timestamp::from("2025-01-31T09:30:00.250+01:00");
    /// let parsed = t.to_offset_date_time().unwrap();
    /// assert_eq!(parsed.unix_timestamp(), 1_738_312_200);
    /// assert!(Timestamp::from("yesterday").to_offset_date_time().is_err());
    /// # }
    /// ```
    #[cfg(feature = "time")]
    pub fn to_offset_date_time(&self) -> Result<time::OffsetDateTime, time::error::Parse> {
        time::OffsetDateTime::parse(&self.0, &time::format_description::well_known::Rfc3339)
    }
}

#[cfg(feature = "time")]
impl From<time::OffsetDateTime> for Timestamp {
    /// The RFC 3339 form of the date and time, as Auth0 reads it.
    fn from(value: time::OffsetDateTime) -> Self {
        // Formatting RFC 3339 fails only for years outside 0..=9999, which no Auth0 value holds;
        // such a value keeps its ISO 8601 form instead.
        let text = value
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| {
                value
                    .format(&time::format_description::well_known::Iso8601::DEFAULT)
                    .unwrap_or_default()
            });
        Self(text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Timestamp {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Timestamp {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl AsRef<str> for Timestamp {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl crate::json::FromJson for Timestamp {
    fn from_json(value: serde_json::Value) -> Result<Self, crate::json::JsonError> {
        <String as crate::json::FromJson>::from_json(value).map(Self)
    }
}

impl crate::json::ToJson for Timestamp {
    fn to_json(&self) -> serde_json::Value {
        serde_json::Value::String(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_wire_string_exactly() {
        for wire in [
            r#""2025-01-31T09:30:00.000Z""#,
            r#""2025-01-31T09:30:00Z""#,
            r#""2025-01-31T09:30:00.123456+05:30""#,
        ] {
            let t: Timestamp = serde_json::from_str(wire).unwrap();
            assert_eq!(serde_json::to_string(&t).unwrap(), wire);
        }
        assert_eq!(format!("{}", Timestamp::new("x")), "x");
        assert_eq!(format!("{:?}", Timestamp::new("x")), "\"x\"");
    }

    #[cfg(feature = "time")]
    #[test]
    fn converts_to_and_from_time() {
        let t = Timestamp::from("2025-01-31T09:30:00Z");
        let parsed = t.to_offset_date_time().unwrap();
        assert_eq!(Timestamp::from(parsed), t);
        assert!(
            Timestamp::from("2025-13-01T00:00:00Z")
                .to_offset_date_time()
                .is_err()
        );
    }
}
