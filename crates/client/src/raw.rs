//! [`RawRequest`]: the escape hatch for endpoints this crate does not model.

use auth0_m2m_management::{Body, Endpoint, Error as ModelError, RawEndpoint};
use http::Method;
use serde::de::DeserializeOwned;

use crate::client::ManagementClient;
use crate::error::Error;

/// A Management API call described by hand; created by [`ManagementClient::request`].
///
/// It gets the same token handling, retries and errors as every other call.
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
/// use http::Method;
/// let blocks: serde_json::Value = client
///     .request(Method::GET, "/api/v2/user-blocks/auth0%7C123")
///     .query("consider_brute_force_enablement", true)
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
}

impl ManagementClient {
    /// Starts a call to `path`, which must start with `/api/v2/` and be percent-encoded
    /// already (encode ids with
    /// [`management::path::encode_segment`](auth0_m2m_management::path::encode_segment)); put
    /// query parameters in [`RawRequest::query`], not in the path.
    pub fn request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        let path = path.into();
        RawRequest {
            client: self.clone(),
            endpoint: RawEndpoint::from_encoded_path(method, path.clone()),
            path,
            body_error: None,
        }
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

    /// The endpoint this request describes.
    pub fn endpoint(&self) -> &RawEndpoint {
        &self.endpoint
    }

    /// Sends the request and reads the answer as `T` (such as `serde_json::Value`; an empty
    /// body reads as JSON `null`).
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        check_path(&self.path)?;
        if self.body_error.is_some() {
            // Re-serialize to get the typed error.
            return Err(Error::Request(ModelError::Body(serde_json::Error::io(
                std::io::Error::other(self.body_error.unwrap_or_default()),
            ))));
        }
        self.client.execute(&self.endpoint.returning::<T>()).await
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
        for bad in [
            "/api/v1/users",
            "api/v2/users",
            "/api/v2/users?q=1",
            "/api/v2/users#x",
            "/api/v2/a b",
            "/api/v2/../oauth/token",
            "/api/v2/%2e%2e/x",
            "/api/v2/é",
        ] {
            let e = check_path(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidPath { .. }), "{bad}");
        }
    }
}
