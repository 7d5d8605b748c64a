//! Internal macros that keep the models uniform. A build of a few operation groups may use
//! only some of them (the shared schemas are built only for the groups that use them), so the
//! ones such a build can leave unused are allowed to be unused outside `full`.

/// A string enum whose unknown values are kept in an `Unknown(String)` variant.
#[cfg_attr(not(feature = "full"), allow(unused_macros))]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $value:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this crate does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::json::FromJson for $name {
            fn from_json(value: serde_json::Value) -> Result<Self, crate::json::JsonError> {
                match value {
                    serde_json::Value::String(s) => Ok(Self::from(s.as_str())),
                    other => Err(crate::json::JsonError::expected(
                        concat!("a string (", stringify!($name), ")"),
                        &other,
                    )),
                }
            }
        }

        impl crate::json::ToJson for $name {
            fn to_json(&self) -> serde_json::Value {
                serde_json::Value::String(self.as_str().to_owned())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    };
}

/// `&str` accessors for the fields of a model that identify a resource, by one rule: every
/// string field named `id`, `name`, `identifier`, `email`, or ending in `_id` or `_name`. Each
/// returns the value, or `""` when the field is absent (as go-auth0's `GetX()` getters do), so
/// `user.user_id()` replaces `user.user_id.as_deref().unwrap_or("")`.
#[cfg_attr(not(feature = "full"), allow(unused_macros))]
macro_rules! str_accessors {
    ($name:ident: $($field:ident),+ $(,)?) => {
        impl $name {
            $(
                #[doc = concat!("`", stringify!($field), "`, or `\"\"` when it is absent.")]
                pub fn $field(&self) -> &str {
                    self.$field.as_deref().unwrap_or("")
                }
            )+
        }
    };
}

/// One getter per field of a model read from answers, named after the field: each item gives
/// the getter, the field, the return type and what follows `self.field` in the body
/// (`alg(alg) -> Option<&SigningAlgorithmEnum> {.as_ref()};`). `#[inline]`, so that a build
/// generates code only for the getters it calls.
#[allow(unused_macros)] // used by the generated modules of the tags whose features are enabled
macro_rules! getters {
    ($name:ident { $($(#[$meta:meta])* $getter:ident($field:ident) -> $ret:ty { $($body:tt)* };)* }) => {
        #[allow(deprecated)]
        impl $name {
            $(
                $(#[$meta])*
                #[inline]
                pub fn $getter(&self) -> $ret {
                    self.$field $($body)*
                }
            )*
        }
    };
}

/// The `parse_response` of a list endpoint: its pages are read with its own items key.
// Used by the generated group modules; a build may enable none of them.
#[allow(unused_macros)]
macro_rules! page_response {
    () => {
        fn parse_response(&self, body: &[u8]) -> Result<Self::Response, $crate::error::Error> {
            $crate::pagination::parse_page(body, $crate::pagination::Paginated::items_key(self))
        }
    };
}

/// Implements [`crate::Paginated`] for a list endpoint that stores its request in `page`.
// Used by the generated group modules; a build may enable none of them.
#[allow(unused_macros)]
macro_rules! paginated {
    ($ty:ty, $item:ty, $support:expr, $key:literal $(, $extra:item)* $(,)?) => {
        impl $crate::pagination::Paginated for $ty {
            type Item = $item;

            fn pagination(&self) -> $crate::pagination::PaginationSupport {
                $support
            }

            fn items_key(&self) -> &'static str {
                $key
            }

            fn page_request(&self) -> Option<&$crate::pagination::PageRequest> {
                self.page.as_ref()
            }

            fn store_page_request(&mut self, request: $crate::pagination::PageRequest) {
                self.page = Some(request);
            }

            $($extra)*
        }
    };
}

/// `as_*` and `is_*` accessors for each variant of a union, and `From` for the variants whose
/// type no other variant has.
#[allow(unused_macros)] // used by the generated modules of the tags whose features are enabled
macro_rules! union_accessors {
    ($name:ident {
        $($variant:ident($ty:ty) => $as_fn:ident, $is_fn:ident;)*
    } from { $($from_variant:ident($from_ty:ty);)* }) => {
        impl $name {
            $(
                #[doc = concat!("The value, when this is the [`", stringify!($variant), "`](Self::", stringify!($variant), ") variant.")]
                pub fn $as_fn(&self) -> Option<&$ty> {
                    match self {
                        Self::$variant(value) => Some(value),
                        _ => None,
                    }
                }
                #[doc = concat!("Whether this is the [`", stringify!($variant), "`](Self::", stringify!($variant), ") variant.")]
                pub fn $is_fn(&self) -> bool {
                    matches!(self, Self::$variant(_))
                }
            )*
        }
        $(
            impl From<$from_ty> for $name {
                fn from(value: $from_ty) -> Self {
                    Self::$from_variant(value)
                }
            }
        )*
    };
}

/// One `with_*` method per optional field of a model or request body: sets the field (an
/// `Option`) and returns the value, so values are built in one expression.
#[allow(unused_macros)] // used by the generated modules of the tags whose features are enabled
macro_rules! setters {
    ($name:ident { $($(#[$meta:meta])* $with:ident($field:ident): $ty:ty;)* }) => {
        #[allow(deprecated)]
        impl $name {
            $(
                $(#[$meta])*
                pub fn $with(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}

/// One `with_*` and one `clear_*` method per optional field that accepts `null` (a
/// [`crate::Nullable`]): the first sends a value, the second sends `null`; a field neither
/// touches is left out.
#[allow(unused_macros)] // used by the generated modules of the tags whose features are enabled
macro_rules! nullable_setters {
    ($name:ident { $($(#[$meta:meta])* $with:ident, $clear:ident($field:ident): $ty:ty;)* }) => {
        #[allow(deprecated)]
        impl $name {
            $(
                #[doc = concat!("Sets `", stringify!($field), "` to a value (see [`", stringify!($clear), "`](Self::", stringify!($clear), ") to send `null`).")]
                $(#[$meta])*
                pub fn $with(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = $crate::Nullable::Value(value.into());
                    self
                }
                #[doc = concat!("Sends `", stringify!($field), "` as `null` (see [`", stringify!($with), "`](Self::", stringify!($with), ") to send a value).")]
                $(#[$meta])*
                pub fn $clear(mut self) -> Self {
                    self.$field = $crate::Nullable::Null;
                    self
                }
            )*
        }
    };
}

/// One `with_*` method per optional list field: takes any iterable of values that convert into
/// the item type (an array of `&str`, a `Vec`, an iterator), so lists are built in one
/// expression.
#[allow(unused_macros)] // used by the generated modules of the tags whose features are enabled
macro_rules! list_setters {
    ($name:ident { $($(#[$meta:meta])* $with:ident($field:ident): $item:ty;)* }) => {
        #[allow(deprecated)]
        impl $name {
            $(
                $(#[$meta])*
                pub fn $with<I>(mut self, values: I) -> Self
                where
                    I: IntoIterator,
                    I::Item: Into<$item>,
                {
                    self.$field = Some(values.into_iter().map(Into::into).collect());
                    self
                }
            )*
        }
    };
}

/// The JSON conversions of a model (every field an `Option` or a `Nullable`, each named with
/// its JSON key; the keys no field names go to `extra`), and its `serde` implementations
/// through them.
#[cfg_attr(not(feature = "full"), allow(unused_macros))]
macro_rules! json_model {
    ($name:ident { $($field:ident: $json:literal),* $(,)? }) => {
        #[allow(deprecated)]
        impl crate::json::FromJson for $name {
            fn from_json(value: serde_json::Value) -> Result<Self, crate::json::JsonError> {
                let map = crate::json::object(value, concat!("an object (", stringify!($name), ")"))?;
                #[allow(unused_mut)]
                let mut out = Self::default();
                let mut extra = serde_json::Map::new();
                for (key, value) in map {
                    // Each known key is one call to a helper shared by every field of the same
                    // type, and one `?` for them all: the function stays small for a model
                    // with a hundred fields.
                    let read = match key.as_str() {
                        $($json => crate::json::set(&mut out.$field, value, $json),)*
                        _ => {
                            extra.insert(key, value);
                            Ok(())
                        }
                    };
                    read?;
                }
                out.extra = crate::secret::ExtraFields::received(extra);
                Ok(out)
            }
        }

        #[allow(deprecated)]
        impl crate::json::ToJson for $name {
            fn to_json(&self) -> serde_json::Value {
                #[allow(unused_mut)]
                let mut map = serde_json::Map::new();
                $(crate::json::OptionalField::put(&self.$field, &mut map, $json);)*
                for (key, value) in self.extra.iter() {
                    map.insert(key.clone(), value.clone());
                }
                serde_json::Value::Object(map)
            }
        }

        crate::json::json_serde!($name);
    };
}

/// The JSON form of a request body (its required fields, then after `;` its optional ones,
/// each named with its JSON key, then the fields added by `with_field`), and its `Serialize`
/// implementation through it.
#[cfg_attr(not(feature = "full"), allow(unused_macros))]
macro_rules! json_request {
    ($name:ident { $($req:ident: $rjson:literal),* ; $($opt:ident: $ojson:literal),* $(,)? }) => {
        #[allow(deprecated)]
        impl crate::json::ToJson for $name {
            fn to_json(&self) -> serde_json::Value {
                #[allow(unused_mut)]
                let mut map = serde_json::Map::new();
                $(map.insert($rjson.to_owned(), crate::json::ToJson::to_json(&self.$req));)*
                $(crate::json::OptionalField::put(&self.$opt, &mut map, $ojson);)*
                for (key, value) in self.extra.iter() {
                    map.insert(key.clone(), value.clone());
                }
                serde_json::Value::Object(map)
            }
        }

        crate::json::json_serde!($name, ser);
    };
}
