//! Internal macros that keep the models uniform.

/// The scopes of an endpoint, written as one scope (`"read:users"`) or as a list of scopes any
/// one of which is enough (`["read:users", "read:current_user"]`).
macro_rules! scope_list {
    ([$($scope:literal),+ $(,)?]) => {
        &[$($scope),+]
    };
    ($scope:literal) => {
        &[$scope]
    };
}

/// A string enum whose unknown values are kept in an `Unknown(String)` variant.
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
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

/// A response model: every field optional (absent or `null` reads as `None`, `None` is not
/// serialized) and unknown fields kept in `extra`. Field types are written without `Option`.
macro_rules! model {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Fields this crate does not name, kept as received.
            #[serde(flatten)]
            pub extra: $crate::secret::ExtraFields,
        }
    };
}

/// `&str` accessors for the fields of a model that identify a resource, by one rule: every
/// string field named `id`, `name`, `identifier`, `email`, or ending in `_id` or `_name`. Each
/// returns the value, or `""` when the field is absent (as go-auth0's `GetX()` getters do), so
/// `user.user_id()` replaces `user.user_id.as_deref().unwrap_or("")`.
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

/// A request body: required fields in `new`, optional ones set by methods named after the
/// field and sent only when set; `with_field` adds a field the type does not name.
macro_rules! request_body {
    (@common $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        impl $name {
            $(
                $(#[$fmeta])*
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*

            /// Adds a field this type does not name (it is sent as given and overrides nothing
            /// named above).
            pub fn with_field(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
                self.extra.insert(key.into(), value);
                self
            }
        }
    };
    ($(#[$meta:meta])* pub struct $name:ident {
        required {}
        optional { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
        pub struct $name {
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                $field: Option<$ty>,
            )*
            #[serde(flatten)]
            extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// An empty body; set the fields to send with the methods below.
            pub fn new() -> Self {
                Self::default()
            }
        }

        request_body!(@common $name { $($(#[$fmeta])* $field : $ty,)* });
    };
    ($(#[$meta:meta])* pub struct $name:ident {
        required { $($(#[$rmeta:meta])* $rfield:ident : $rty:ty,)+ }
        optional { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct $name {
            $($(#[$rmeta])* $rfield: $rty,)+
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                $field: Option<$ty>,
            )*
            #[serde(flatten)]
            extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// A body with the required fields.
            $(#[doc = concat!("- `", stringify!($rfield), "`")])+
            pub fn new($($rfield: impl Into<$rty>),+) -> Self {
                Self {
                    $($rfield: $rfield.into(),)+
                    $($field: None,)*
                    extra: serde_json::Map::new(),
                }
            }
        }

        request_body!(@common $name { $($(#[$fmeta])* $field : $ty,)* });
    };
}

/// The `parse_response` of a list endpoint: its pages are read with its own items key.
macro_rules! page_response {
    () => {
        fn parse_response(&self, body: &[u8]) -> Result<Self::Response, $crate::error::Error> {
            $crate::pagination::parse_page(body, $crate::pagination::Paginated::items_key(self))
        }
    };
}

/// Implements [`crate::Paginated`] for a list endpoint that stores its request in `page`.
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

/// Defines an endpoint struct whose path takes one id.
macro_rules! id_endpoint {
    ($(#[$meta:meta])* $name:ident, $method:ident, $resp:ty, [$($seg:expr),*], $scope:tt) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            id: String,
        }

        impl $name {
            /// The operation on the object with this id.
            pub fn new(id: impl Into<String>) -> Self {
                Self { id: id.into() }
            }
        }

        impl $crate::endpoint::Endpoint for $name {
            type Response = $resp;

            fn method(&self) -> http::Method {
                http::Method::$method
            }
            fn path(&self) -> String {
                let object_id = self.id.as_str();
                $crate::path::build(&[$($seg(object_id)),*])
            }
            fn scopes(&self) -> &[&'static str] {
                scope_list!($scope)
            }
        }
    };
}

/// Defines an endpoint struct whose path takes one id and which sends a JSON body.
macro_rules! id_body_endpoint {
    ($(#[$meta:meta])* $name:ident, $method:ident, $body:ty, $resp:ty, [$($seg:expr),*], $scope:tt) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            id: String,
            body: $body,
        }

        impl $name {
            /// The operation on the object with this id, sending `body`.
            pub fn new(id: impl Into<String>, body: $body) -> Self {
                Self { id: id.into(), body }
            }
        }

        impl $crate::endpoint::Endpoint for $name {
            type Response = $resp;

            fn method(&self) -> http::Method {
                http::Method::$method
            }
            fn path(&self) -> String {
                let object_id = self.id.as_str();
                $crate::path::build(&[$($seg(object_id)),*])
            }
            fn body(&self) -> Result<Option<$crate::endpoint::Body>, $crate::error::Error> {
                $crate::endpoint::Body::json(&self.body).map(Some)
            }
            fn scopes(&self) -> &[&'static str] {
                scope_list!($scope)
            }
        }
    };
}

/// Defines a paginated list endpoint under an id.
macro_rules! id_list_endpoint {
    ($(#[$meta:meta])* $name:ident, $item:ty, [$($seg:expr),*], $scope:tt, $support:expr, $key:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            id: String,
            page: Option<$crate::pagination::PageRequest>,
        }

        impl $name {
            /// The list under the object with this id.
            pub fn new(id: impl Into<String>) -> Self {
                Self { id: id.into(), page: None }
            }
        }

        impl $crate::endpoint::Endpoint for $name {
            type Response = $crate::pagination::Page<$item>;

            fn method(&self) -> http::Method {
                http::Method::GET
            }
            fn path(&self) -> String {
                let object_id = self.id.as_str();
                $crate::path::build(&[$($seg(object_id)),*])
            }
            fn query(&self) -> $crate::endpoint::QueryPairs {
                self.page.as_ref().map($crate::pagination::PageRequest::query).unwrap_or_default()
            }
            fn scopes(&self) -> &[&'static str] {
                scope_list!($scope)
            }
            page_response!();
        }

        paginated!($name, $item, $support, $key);
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
