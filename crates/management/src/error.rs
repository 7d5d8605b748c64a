//! Errors of this crate and the Management API error body.

use std::fmt;

use crate::pagination::PaginationStyle;

/// An error while describing a request or reading a response.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A page size (`per_page` or `take`) outside `1..=100`.
    InvalidPageSize {
        /// The rejected value.
        value: u64,
        /// The largest accepted value.
        max: u8,
    },
    /// The endpoint does not support the requested pagination style.
    UnsupportedPagination(PaginationStyle),
    /// A request body could not be serialized to JSON.
    Body(serde_json::Error),
    /// A response body could not be deserialized into the response type.
    Response(serde_json::Error),
    /// A path parameter (an id, a name…) is empty or only whitespace: the request would
    /// reach another resource (`DELETE /api/v2/users/` instead of one user), so it is refused
    /// before it is sent.
    EmptyPathParameter {
        /// The path as it would have been sent.
        path: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidPageSize { value, max } => {
                write!(f, "page size must be between 1 and {max}, got {value}")
            }
            Error::UnsupportedPagination(style) => {
                write!(f, "this endpoint does not support {style} pagination")
            }
            Error::Body(_) => f.write_str("could not serialize the request body"),
            Error::Response(_) => f.write_str("could not deserialize the response body"),
            Error::EmptyPathParameter { path } => {
                write!(f, "empty path parameter in {path:?}: pass a non-empty id")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Body(e) | Error::Response(e) => Some(e),
            _ => None,
        }
    }
}

impl Error {
    /// Whether the error comes from invalid input given by the caller (as opposed to an
    /// unexpected response from the server).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::InvalidPageSize { .. }
                | Self::UnsupportedPagination(_)
                | Self::Body(_)
                | Self::EmptyPathParameter { .. }
        )
    }
}

/// The JSON body of a Management API error response:
/// `{"statusCode": 404, "error": "Not Found", "message": "…", "errorCode": "inexistent_user"}`.
///
/// Every field is optional, so a partial or unusual body still parses; fields the type does not
/// name are kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// The HTTP status code repeated in the body (`statusCode`).
    pub status_code: Option<u16>,
    /// The HTTP reason phrase, e.g. `"Bad Request"`.
    pub error: Option<String>,
    /// A human-readable description of the problem.
    pub message: Option<String>,
    /// A machine-readable error code (`errorCode`), e.g. `"invalid_body"` or
    /// `"inexistent_user"`.
    pub error_code: Option<String>,
    /// Fields not named above.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl crate::json::FromJson for ApiErrorBody {
    fn from_json(value: serde_json::Value) -> Result<Self, crate::json::JsonError> {
        use crate::json::field;
        let mut out = Self::default();
        for (key, value) in crate::json::object(value, "an object (an error body)")? {
            match key.as_str() {
                "statusCode" => out.status_code = field(value, "statusCode")?,
                "error" => out.error = field(value, "error")?,
                "message" => out.message = field(value, "message")?,
                "errorCode" => out.error_code = field(value, "errorCode")?,
                _ => {
                    out.extra.insert(key, value);
                }
            }
        }
        Ok(out)
    }
}

impl crate::json::ToJson for ApiErrorBody {
    fn to_json(&self) -> serde_json::Value {
        use crate::json::OptionalField;
        let mut map = serde_json::Map::new();
        self.status_code.map(i64::from).put(&mut map, "statusCode");
        self.error.put(&mut map, "error");
        self.message.put(&mut map, "message");
        self.error_code.put(&mut map, "errorCode");
        for (key, value) in &self.extra {
            map.insert(key.clone(), value.clone());
        }
        serde_json::Value::Object(map)
    }
}

crate::json::json_serde!(ApiErrorBody);

impl ApiErrorBody {
    /// Parses an error body; returns `None` when the bytes are not a JSON object.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(status) = self.status_code {
            write!(f, "{status} ")?;
        }
        f.write_str(self.error.as_deref().unwrap_or("error"))?;
        if let Some(code) = &self.error_code {
            write!(f, " ({code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_body() {
        let body = br#"{"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"}"#;
        let parsed = ApiErrorBody::parse(body).unwrap();
        assert_eq!(parsed.status_code, Some(404));
        assert_eq!(parsed.error_code.as_deref(), Some("inexistent_user"));
        assert_eq!(
            parsed.to_string(),
            "404 Not Found (inexistent_user): The user does not exist."
        );
    }

    #[test]
    fn tolerates_missing_and_null_fields() {
        let parsed = ApiErrorBody::parse(br#"{"message":null,"other":1}"#).unwrap();
        assert_eq!(parsed.status_code, None);
        assert_eq!(parsed.message, None);
        assert_eq!(parsed.extra["other"], 1);
        assert_eq!(parsed.to_string(), "error");
        assert!(ApiErrorBody::parse(b"not json").is_none());
        assert!(ApiErrorBody::parse(b"[1]").is_none());
    }

    #[test]
    fn invalid_input_classification() {
        let err = Error::InvalidPageSize { value: 0, max: 100 };
        assert!(err.is_invalid_input());
        assert_eq!(
            err.to_string(),
            "page size must be between 1 and 100, got 0"
        );
    }
}
