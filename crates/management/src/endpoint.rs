//! The [`Endpoint`] trait and the pieces of a request description.

use std::marker::PhantomData;

use http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The header that names the custom domain of a request's links and emails, on the
/// operations whose description accepts it (see [`Endpoint::accepts_custom_domain`]).
pub const CUSTOM_DOMAIN_HEADER: &str = "auth0-custom-domain";

/// One Management API operation, described as a value.
///
/// An executor (such as the `auth0-m2m` facade, or any HTTP stack) sends
/// `method()` to `https://{domain}{path()}?{query()}` with `body()` and a token holding
/// `scopes()`, then hands the response bytes of a successful status to
/// [`parse_response`](Endpoint::parse_response).
///
/// Implement it in your own code for an operation this crate does not model; use
/// [`returning`](Endpoint::returning) to read any endpoint's response as another type, such as
/// `serde_json::Value`.
pub trait Endpoint {
    /// The type a successful response body deserializes into.
    type Response: DeserializeOwned;

    /// The HTTP method.
    fn method(&self) -> Method;

    /// The path, starting with `/api/v2/`, with every segment already percent-encoded
    /// (see [`crate::path::build`]).
    fn path(&self) -> String;

    /// The query parameters (not yet encoded). Defaults to none.
    fn query(&self) -> QueryPairs {
        QueryPairs::new()
    }

    /// The request body. Defaults to none.
    fn body(&self) -> Result<Option<Body>, Error> {
        Ok(None)
    }

    /// The scopes the access token needs for this operation. Defaults to none listed.
    fn scopes(&self) -> &[&'static str] {
        &[]
    }

    /// Whether Auth0's API description accepts the [`CUSTOM_DOMAIN_HEADER`] header on this
    /// operation, so that an executor configured with a custom domain sends it (Auth0 then
    /// writes that domain into the links and emails the operation makes). Defaults to whether
    /// the method and path fit an operation of
    /// [`CUSTOM_DOMAIN_OPERATIONS`](crate::CUSTOM_DOMAIN_OPERATIONS); the generated
    /// endpoints of those operations answer `true` themselves.
    ///
    /// ```
    /// use auth0_m2m_management::{Endpoint, users::{CreateUser, CreateUserRequestContent, GetUser}};
    /// assert!(CreateUser::new(CreateUserRequestContent::new("Username-Password-Authentication")).accepts_custom_domain());
    /// assert!(!GetUser::new("auth0|1").accepts_custom_domain());
    /// ```
    fn accepts_custom_domain(&self) -> bool {
        let (method, path) = (self.method(), self.path());
        crate::CUSTOM_DOMAIN_OPERATIONS.iter().any(|(m, template)| {
            *m == method.as_str() && crate::path::match_template(template, &path).is_some()
        })
    }

    /// The path, checked: an empty or whitespace-only segment (an empty id) is an
    /// [`Error::EmptyPathParameter`], so that `GetUser::new("")` never becomes
    /// `GET /api/v2/users/`. Executors call this instead of [`path`](Self::path).
    ///
    /// ```
    /// use auth0_m2m_management::{Endpoint, users::DeleteUser};
    /// assert!(DeleteUser::new("auth0|1").checked_path().is_ok());
    /// assert!(DeleteUser::new("").checked_path().is_err());
    /// assert!(DeleteUser::new("  ").checked_path().is_err());
    /// ```
    fn checked_path(&self) -> Result<String, Error> {
        let path = self.path();
        check_path_parameters(&path)?;
        Ok(path)
    }

    /// Deserializes the body of a successful response. An empty body reads as JSON `null`.
    fn parse_response(&self, body: &[u8]) -> Result<Self::Response, Error> {
        parse_json(body)
    }

    /// Wraps this endpoint so that its response is read as `R` instead.
    ///
    /// ```
    /// use auth0_m2m_management::{Endpoint, clients::GetClient};
    /// let raw = GetClient::new("abc").returning::<serde_json::Value>();
    /// let value = raw.parse_response(br#"{"client_id":"abc","brand_new":1}"#).unwrap();
    /// assert_eq!(value["brand_new"], 1);
    /// ```
    fn returning<R: DeserializeOwned>(self) -> Returning<Self, R>
    where
        Self: Sized,
    {
        Returning {
            inner: self,
            response: PhantomData,
        }
    }
}

impl<E: Endpoint + ?Sized> Endpoint for &E {
    type Response = E::Response;

    fn method(&self) -> Method {
        (**self).method()
    }
    fn path(&self) -> String {
        (**self).path()
    }
    fn query(&self) -> QueryPairs {
        (**self).query()
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        (**self).body()
    }
    fn scopes(&self) -> &[&'static str] {
        (**self).scopes()
    }
    fn accepts_custom_domain(&self) -> bool {
        (**self).accepts_custom_domain()
    }
    fn parse_response(&self, body: &[u8]) -> Result<Self::Response, Error> {
        (**self).parse_response(body)
    }
}

/// Fails when a segment of `path` after the first `/` is empty or decodes to whitespace only.
pub fn check_path_parameters(path: &str) -> Result<(), Error> {
    let empty = path.split('/').skip(1).any(|segment| {
        segment.is_empty()
            || crate::path::decode_segment(segment).is_some_and(|s| s.trim().is_empty())
    });
    if empty {
        Err(Error::EmptyPathParameter {
            path: path.chars().take(200).collect(),
        })
    } else {
        Ok(())
    }
}

/// Deserializes a JSON response body; an empty (or all-whitespace) body reads as `null`.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::from_value(serde_json::Value::Null).map_err(Error::Response)
    } else {
        serde_json::from_slice(body).map_err(Error::Response)
    }
}

/// An endpoint whose response is read as `R`; built by [`Endpoint::returning`].
#[derive(Debug, Clone)]
pub struct Returning<E, R> {
    inner: E,
    response: PhantomData<fn() -> R>,
}

impl<E, R> Returning<E, R> {
    /// The wrapped endpoint.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// Unwraps the endpoint.
    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: Endpoint, R: DeserializeOwned> Endpoint for Returning<E, R> {
    type Response = R;

    fn method(&self) -> Method {
        self.inner.method()
    }
    fn path(&self) -> String {
        self.inner.path()
    }
    fn query(&self) -> QueryPairs {
        self.inner.query()
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        self.inner.body()
    }
    fn scopes(&self) -> &[&'static str] {
        self.inner.scopes()
    }
    fn accepts_custom_domain(&self) -> bool {
        self.inner.accepts_custom_domain()
    }
}

/// A response type that ignores the body (for `204 No Content`, or `{}` acknowledgements).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoContent;

impl<'de> Deserialize<'de> for NoContent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| NoContent)
    }
}

/// Query parameters in order, not yet percent-encoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPairs(Vec<(String, String)>);

/// Characters encoded in a query key or value (everything but unreserved characters).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl QueryPairs {
    /// No parameters.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a parameter.
    pub fn push(&mut self, key: impl Into<String>, value: impl ToString) -> &mut Self {
        self.0.push((key.into(), value.to_string()));
        self
    }

    /// Appends a parameter when `value` is `Some`.
    pub fn push_opt<V: ToString>(&mut self, key: &str, value: Option<V>) -> &mut Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }

    /// Appends every pair of `other`.
    pub fn extend(&mut self, other: QueryPairs) -> &mut Self {
        self.0.extend(other.0);
        self
    }

    /// The pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The value of the first parameter named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The percent-encoded query string without the leading `?` (`a=1&b=x%20y`).
    pub fn to_query_string(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, QUERY),
                    utf8_percent_encode(v, QUERY)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for QueryPairs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// A request body.
///
/// `Debug` redacts what may be secret: the values of secret-bearing keys of a JSON body
/// ([`is_secret_key`](crate::secret::is_secret_key): passwords, client secrets…) and the data
/// of multipart parts.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// A JSON body, sent with `Content-Type: application/json`.
    Json(serde_json::Value),
    /// A `multipart/form-data` body; the executor chooses the boundary.
    Multipart(Vec<Part>),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Json(value) => f
                .debug_tuple("Json")
                .field(&crate::secret::redact_json(value))
                .finish(),
            Body::Multipart(parts) => f.debug_tuple("Multipart").field(parts).finish(),
        }
    }
}

impl Body {
    /// The JSON body of a request type of this crate.
    #[cfg_attr(not(feature = "full"), allow(dead_code))]
    pub(crate) fn of<T: crate::json::ToJson + ?Sized>(value: &T) -> Self {
        Body::Json(value.to_json())
    }

    /// Serializes `value` into a JSON body.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        serde_json::to_value(value)
            .map(Body::Json)
            .map_err(Error::Body)
    }

    /// A `multipart/form-data` body from the fields of `value` (which must serialize to a JSON
    /// object): each field that is set becomes a part, ordered by field name; a string
    /// is sent as it is, any other value as its JSON text. The fields named in `files`
    /// (field, file name, media type) are sent as files.
    ///
    /// ```
    /// use auth0_m2m_management::{Body, Part};
    ///
    /// let body = Body::multipart_from(
    ///     &serde_json::json!({"connection_id": "con_1", "upsert": true, "users": "[]"}),
    ///     &[("users", "users.json", "application/json")],
    /// )?;
    /// let Body::Multipart(parts) = body else { unreachable!() };
    /// assert_eq!(parts[0], Part::text("connection_id", "con_1"));
    /// assert_eq!(parts[1], Part::text("upsert", "true"));
    /// assert_eq!(parts[2], Part::file("users", "users.json", "application/json", b"[]".to_vec()));
    /// # Ok::<(), auth0_m2m_management::Error>(())
    /// ```
    pub fn multipart_from<T: Serialize + ?Sized>(
        value: &T,
        files: &[(&str, &str, &str)],
    ) -> Result<Self, Error> {
        let serde_json::Value::Object(fields) = serde_json::to_value(value).map_err(Error::Body)?
        else {
            return Err(Error::Body(serde::ser::Error::custom(
                "a multipart body must be an object of fields",
            )));
        };
        let mut parts: Vec<Part> = fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(name, v)| {
                let data = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                match files.iter().find(|(field, ..)| *field == name) {
                    Some((_, file, media)) => Part::file(name, *file, *media, data.into_bytes()),
                    None => Part::text(name, data),
                }
            })
            .collect();
        parts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Body::Multipart(parts))
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, for file parts.
    pub file_name: Option<String>,
    /// The part's content type, for file parts.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

impl Part {
    /// A plain text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            file_name: None,
            content_type: None,
            data: value.into().into_bytes(),
        }
    }

    /// A file field.
    pub fn file(
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: Vec<u8>,
    ) -> Self {
        Self {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
            data,
        }
    }
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // File content may hold user data (password hashes); print only its size.
        f.debug_struct("Part")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

/// The escape hatch: any Management API call, described by hand, read as `serde_json::Value`
/// (or another type through [`Endpoint::returning`]).
///
/// ```
/// use auth0_m2m_management::{Endpoint, RawEndpoint};
/// use http::Method;
/// let ep = RawEndpoint::new(Method::GET, &["users", "auth0|1", "logs"])
///     .with_query("per_page", "5")
///     .with_scopes(&["read:logs"]);
/// assert_eq!(ep.path(), "/api/v2/users/auth0%7C1/logs");
/// assert_eq!(ep.query().to_query_string(), "per_page=5");
/// ```
#[derive(Debug, Clone)]
pub struct RawEndpoint {
    method: Method,
    path: String,
    query: QueryPairs,
    body: Option<Body>,
    scopes: Vec<&'static str>,
}

impl RawEndpoint {
    /// An endpoint at `/api/v2/` followed by `segments`, each percent-encoded.
    pub fn new(method: Method, segments: &[&str]) -> Self {
        Self::from_encoded_path(method, crate::path::build(segments))
    }

    /// An endpoint at an already encoded path (which should start with `/api/v2/`).
    pub fn from_encoded_path(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: QueryPairs::new(),
            body: None,
            scopes: Vec::new(),
        }
    }

    /// Adds a query parameter.
    pub fn with_query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push(key, value);
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// Sets a JSON body.
    pub fn with_json(self, value: serde_json::Value) -> Self {
        self.with_body(Body::Json(value))
    }

    /// Declares the scopes the call needs.
    pub fn with_scopes(mut self, scopes: &[&'static str]) -> Self {
        self.scopes = scopes.to_vec();
        self
    }
}

impl Endpoint for RawEndpoint {
    type Response = serde_json::Value;

    fn method(&self) -> Method {
        self.method.clone()
    }
    fn path(&self) -> String {
        self.path.clone()
    }
    fn query(&self) -> QueryPairs {
        self.query.clone()
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Ok(self.body.clone())
    }
    fn scopes(&self) -> &[&'static str] {
        &self.scopes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_is_encoded() {
        let mut q = QueryPairs::new();
        q.push("q", "email:\"a b\"&x")
            .push_opt("n", Some(2))
            .push_opt::<u8>("m", None);
        assert_eq!(q.to_query_string(), "q=email%3A%22a%20b%22%26x&n=2");
        assert_eq!(q.get("n"), Some("2"));
        assert_eq!(q.get("m"), None);
    }

    #[test]
    fn no_content_accepts_anything() {
        assert_eq!(parse_json::<NoContent>(b"").unwrap(), NoContent);
        assert_eq!(parse_json::<NoContent>(b"{}").unwrap(), NoContent);
        assert_eq!(parse_json::<NoContent>(b"[1,{}]").unwrap(), NoContent);
        assert!(parse_json::<NoContent>(b"{").is_err());
    }

    #[test]
    fn raw_endpoint_and_returning() {
        let ep = RawEndpoint::new(Method::POST, &["roles", "rol 1", "users"])
            .with_json(serde_json::json!({"users": ["auth0|1"]}));
        assert_eq!(ep.path(), "/api/v2/roles/rol%201/users");
        assert!(matches!(ep.body().unwrap(), Some(Body::Json(_))));
        let typed = (&ep).returning::<NoContent>();
        assert_eq!(typed.method(), Method::POST);
        assert_eq!(typed.parse_response(b"").unwrap(), NoContent);
    }

    #[test]
    fn part_debug_hides_content() {
        let part = Part::file(
            "users",
            "users.json",
            "application/json",
            b"secret".to_vec(),
        );
        assert!(!format!("{part:?}").contains("secret"));
    }
}
