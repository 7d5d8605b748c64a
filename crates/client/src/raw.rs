//! [`RawRequest`]: the escape hatch for endpoints this crate does not model.

use auth0_m2m_management::{Body, Endpoint, Error as ModelError, RawEndpoint};
use http::Method;
use serde::de::DeserializeOwned;

use crate::client::ManagementClient;
use crate::error::Error;
use crate::response::{CallOptions, Response};

/// A Management API call described by hand; created by [`ManagementClient::request`].
///
/// It gets the same token handling, retries and errors as every other call.
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
/// use auth0_m2m::http::Method;
///
/// // A path given as segments: each one is percent-encoded (`auth0|123` → `auth0%7C123`).
/// let blocks: serde_json::Value = client
///     .request_segments(Method::GET, &["user-blocks", "auth0|123"])
///     .query("consider_brute_force_enablement", true)
///     .send()
///     .await?;
/// // The same path, encoded by hand.
/// let same: serde_json::Value = client
///     .request(Method::GET, "/api/v2/user-blocks/auth0%7C123")
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct RawRequest {
    client: ManagementClient,
    endpoint: RawEndpoint,
    path: String,
    body_error: Option<String>,
    options: CallOptions,
}

impl ManagementClient {
    /// Starts a call to `path`, which must start with `/api/v2/` and be percent-encoded
    /// already (encode ids with
    /// [`management::path::encode_segment`](auth0_m2m_management::path::encode_segment), or
    /// use [`request_segments`](Self::request_segments)); put query parameters in
    /// [`RawRequest::query`], not in the path.
    ///
    /// The path is checked when the request is sent: it must start with `/api/v2/`, hold only
    /// unreserved characters, `/`, `%XX` escapes and the sub-delimiters allowed in a path
    /// (`!$&'()*+,;=:@`), and no `.`/`..` segment or empty segment; anything else (a space, a
    /// `|`, a `?`) is an [`Error::InvalidPath`].
    pub fn request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        let path = path.into();
        RawRequest {
            client: self.clone(),
            endpoint: RawEndpoint::from_encoded_path(method, path.clone()),
            path,
            body_error: None,
            options: CallOptions::default(),
        }
    }

    /// Starts a call to `/api/v2/` followed by `segments`, each one percent-encoded (so an id
    /// such as `auth0|123` or `google-oauth2|1/2` stays one segment).
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// let roles: serde_json::Value = client
    ///     .request_segments(auth0_m2m::http::Method::GET, &["users", "auth0|123", "roles"])
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request_segments(&self, method: Method, segments: &[&str]) -> RawRequest {
        self.request(method, auth0_m2m_management::path::build(segments))
    }
}

impl RawRequest {
    /// Adds a query parameter (encoded when sent).
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.endpoint = self.endpoint.with_query(key, value);
        self
    }

    /// Sends `value` as the JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match Body::json(value) {
            Ok(body) => self.endpoint = self.endpoint.with_body(body),
            Err(e) => self.body_error = Some(e.to_string()),
        }
        self
    }

    /// Sends `body` (JSON or multipart).
    pub fn body(mut self, body: Body) -> Self {
        self.endpoint = self.endpoint.with_body(body);
        self
    }

    /// Sets per-call options (timeout, extra headers, retry budget, application name).
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// The endpoint this request describes.
    pub fn endpoint(&self) -> &RawEndpoint {
        &self.endpoint
    }

    /// Sends the request and reads the answer as `T` (such as `serde_json::Value`; an empty
    /// body reads as JSON `null`).
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send_with_response().await.map(Response::into_body)
    }

    /// Sends the request and returns the answer read as `T` with its metadata (status,
    /// headers, request id, rate limit, quotas).
    pub async fn send_with_response<T: DeserializeOwned>(self) -> Result<Response<T>, Error> {
        check_path(&self.path)?;
        if let Some(reason) = self.body_error {
            return Err(Error::Request(ModelError::Body(serde_json::Error::io(
                std::io::Error::other(reason),
            ))));
        }
        self.client
            .execute_with(&self.endpoint.returning::<T>(), &self.options)
            .await
    }
}

/// Checks that a raw path is a Management API path that cannot escape `/api/v2/`.
pub(crate) fn check_path(path: &str) -> Result<(), Error> {
    let invalid = |reason: &'static str| {
        Err(Error::InvalidPath {
            path: path.chars().take(200).collect(),
            reason,
        })
    };
    if !path.starts_with("/api/v2/") {
        return invalid("it must start with /api/v2/");
    }
    if path.contains(['?', '#']) {
        return invalid("pass query parameters with `query()`, not in the path");
    }
    if path
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || !c.is_ascii())
    {
        return invalid("it must be percent-encoded (no spaces, control or non-ASCII characters)");
    }
    // RFC 3986 `pchar`s and `/`; everything else must be percent-encoded.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(c);
    if let Some(c) = path.chars().find(|c| !allowed(*c)) {
        return Err(Error::InvalidPath {
            path: path.chars().take(200).collect(),
            reason: match c {
                '|' => "it must be percent-encoded: write `|` as %7C (or use `request_segments`)",
                _ => {
                    "it must be percent-encoded (use `request_segments`, or encode each id with `management::path::encode_segment`)"
                }
            },
        });
    }
    let bytes = path.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return invalid("a `%` must start an escape such as %7C");
        }
    }
    if auth0_m2m_management::endpoint::check_path_parameters(path).is_err() {
        return invalid("it must not contain an empty or blank segment (an empty id?)");
    }
    if path.split('/').any(|s| {
        let lower = s.to_ascii_lowercase();
        s == "." || s == ".." || lower.contains("%2e%2e") || lower == "%2e"
    }) {
        return invalid("it must not contain `.` or `..` segments");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rules() {
        assert!(check_path("/api/v2/users/auth0%7C1").is_ok());
        assert!(check_path("/api/v2/stats/active-users").is_ok());
        assert!(check_path("/api/v2/users/google-oauth2%7C1/roles").is_ok());
        assert!(check_path("/api/v2/x/a:b@c!$&'()*+,;=").is_ok());
        let e = check_path("/api/v2/users/auth0|123").unwrap_err();
        assert!(e.to_string().contains("%7C"), "{e}");
        for bad in [
            "/api/v1/users",
            "api/v2/users",
            "/api/v2/users?q=1",
            "/api/v2/users#x",
            "/api/v2/a b",
            "/api/v2/../oauth/token",
            "/api/v2/%2e%2e/x",
            "/api/v2/é",
            "/api/v2/users/auth0|123",
            "/api/v2/users/a%zz",
            "/api/v2/users/%7",
            "/api/v2/users/",
            "/api/v2/users//roles",
            "/api/v2/users/%20/roles",
            "/api/v2/a\\b",
            "/api/v2/a\"b",
            "/api/v2/<x>",
        ] {
            let e = check_path(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidPath { .. }), "{bad}");
        }
    }
}
