//! [`Nullable`]: a property that can be left out, set to a value, or set to `null`.

/// A property that Auth0's API description allows to be `null`: left out of the body, set to a
/// value, or set to `null`, and serialized as exactly that.
///
/// On an update these are three different requests: a property left out is left unchanged,
/// `null` clears it (or, for some properties, switches a setting off), and a value replaces it.
/// `Option` can say only two of them, so every request field that accepts `null` has this type,
/// with a `with_*` method that sets a value and a `clear_*` method that sends `null`:
///
/// ```
/// use auth0_m2m_management::Nullable;
/// # #[cfg(feature = "clients")]
/// # {
/// use auth0_m2m_management::clients::UpdateClientRequestContent;
///
/// // Switch a client to the credentials registered in `client_authentication_methods`: Auth0
/// // requires `token_endpoint_auth_method` to be sent as `null` alongside.
/// let body = UpdateClientRequestContent::new().clear_token_endpoint_auth_method();
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json, serde_json::json!({ "token_endpoint_auth_method": null }));
///
/// // Left out: the property is not sent at all.
/// let json = serde_json::to_value(UpdateClientRequestContent::new()).unwrap();
/// assert_eq!(json, serde_json::json!({}));
/// # }
///
/// // Read back: an absent property and a `null` one are told apart.
/// let read: Nullable<String> = serde_json::from_str("null").unwrap();
/// assert!(read.is_null());
/// assert_eq!(Nullable::Value(3).value(), Some(&3));
/// ```
///
/// In a model read from an answer, a property the answer did not hold is
/// [`Absent`](Nullable::Absent) and one it held as `null` is [`Null`](Nullable::Null).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Nullable<T> {
    /// Not sent (the default); on an update, the property is left unchanged.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent as this value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether the property is left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// Whether the property is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// Whether the property holds a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Self::Value(_))
    }

    /// The value, if the property holds one (`None` when it is absent or `null`).
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// The value, if the property holds one, by value.
    pub fn into_value(self) -> Option<T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// A mutable reference to the value, if the property holds one.
    pub fn value_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Value(value) => Some(value),
            Self::Absent | Self::Null => None,
        }
    }

    /// A property that holds `value` when it is `Some`, and is `null` when it is `None`: the
    /// shape of "set it, or clear it" read from an `Option`.
    pub fn or_null(value: Option<T>) -> Self {
        match value {
            Some(value) => Self::Value(value),
            None => Self::Null,
        }
    }

    /// The same property holding a reference to the value.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(value) => Nullable::Value(value),
        }
    }

    /// The same property with `f` applied to its value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Self::Absent => Nullable::Absent,
            Self::Null => Nullable::Null,
            Self::Value(value) => Nullable::Value(f(value)),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Self::Value(value)
    }
}

impl<T: serde::Serialize> serde::Serialize for Nullable<T> {
    /// A value as itself; `null` and an absent property (when it is serialized at all: fields
    /// skip it) as `null`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Value(value) => value.serialize(serializer),
            Self::Absent | Self::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Nullable<T> {
    /// `null` as [`Null`](Nullable::Null), anything else as a value; a field that is not there
    /// at all is [`Absent`](Nullable::Absent) through its `#[serde(default)]`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::or_null(Option::<T>::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;
    use serde_json::json;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Body {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        method: Nullable<String>,
    }

    #[test]
    fn the_three_states_serialize_as_absent_null_and_value() {
        let absent = Body {
            method: Nullable::Absent,
        };
        let null = Body {
            method: Nullable::Null,
        };
        let value = Body {
            method: Nullable::Value("none".to_owned()),
        };
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
        assert_eq!(
            serde_json::to_value(&null).unwrap(),
            json!({ "method": null })
        );
        assert_eq!(
            serde_json::to_value(&value).unwrap(),
            json!({ "method": "none" })
        );
    }

    #[test]
    fn the_three_states_read_back_as_they_were_sent() {
        for (text, expected) in [
            ("{}", Nullable::Absent),
            (r#"{"method":null}"#, Nullable::Null),
            (
                r#"{"method":"client_secret_post"}"#,
                Nullable::Value("client_secret_post".to_owned()),
            ),
        ] {
            let body: Body = serde_json::from_str(text).unwrap();
            assert_eq!(body.method, expected, "{text}");
            let again = serde_json::to_string(&body).unwrap();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&again).unwrap(),
                serde_json::from_str::<serde_json::Value>(text).unwrap()
            );
        }
    }

    #[test]
    fn accessors_tell_the_states_apart() {
        let value = Nullable::Value(2);
        assert!(value.is_value() && !value.is_null() && !value.is_absent());
        assert_eq!(value.value(), Some(&2));
        assert_eq!(value.map(|v| v * 2).into_value(), Some(4));
        assert!(Nullable::<u8>::Null.is_null());
        assert_eq!(Nullable::<u8>::Null.value(), None);
        assert!(Nullable::<u8>::default().is_absent());
        assert_eq!(Nullable::or_null(None::<u8>), Nullable::Null);
        assert_eq!(Nullable::or_null(Some(1)), Nullable::Value(1));
        assert_eq!(Nullable::from(5), Nullable::Value(5));
        let mut m = Nullable::Value(1);
        if let Some(v) = m.value_mut() {
            *v = 7;
        }
        assert_eq!(m.as_ref(), Nullable::Value(&7));
    }
}
