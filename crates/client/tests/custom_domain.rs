//! A client-wide custom domain is sent as `auth0-custom-domain` on exactly the operations whose
//! Auth0 API description accepts that header parameter, and on no other: every operation of the
//! catalogue is called against the fake tenant through an HTTP layer that records the headers.

#![cfg(feature = "full")]

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use auth0_m2m::http::Method;
use auth0_m2m::management::{CUSTOM_DOMAIN_HEADER, catalogue};
use auth0_m2m::token::{Error as HttpError, HttpRequest, HttpResponse, ReqwestHttpClient};
use auth0_m2m::{CallOptions, HttpClient, ManagementClient, RetryPolicy};
use auth0_m2m_fake::FakeTenant;
use serde_json::{Value, json};

/// The Management API requests that pass through it, with their custom-domain header, on
/// their way to the default transport.
struct Recording {
    inner: ReqwestHttpClient,
    seen: Mutex<Vec<(Method, String, Option<String>)>>,
}

#[async_trait]
impl HttpClient for Recording {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        if let Some((_, path)) = request.url.split_once("/api/v2/") {
            let path = format!("/api/v2/{}", path.split('?').next().unwrap_or_default());
            let header = request
                .headers
                .get(CUSTOM_DOMAIN_HEADER)
                .map(|v| v.to_str().unwrap_or("(not text)").to_owned());
            self.seen
                .lock()
                .unwrap()
                .push((request.method.clone(), path, header));
        }
        self.inner.execute(request).await
    }
}

impl Recording {
    fn last(&self) -> (Method, String, Option<String>) {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request")
    }
}

/// A client of `tenant` whose requests `Recording` sees, without retries.
fn client(tenant: &FakeTenant, custom_domain: Option<&str>) -> (ManagementClient, Arc<Recording>) {
    let http = Arc::new(Recording {
        inner: ReqwestHttpClient::builder()
            .with_root_certificate_pem(tenant.ca_cert_pem())
            .build()
            .expect("transport"),
        seen: Mutex::new(Vec::new()),
    });
    let mut builder = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_http_client(http.clone())
        .with_retry_policy(RetryPolicy::default().with_max_retries(0));
    if let Some(domain) = custom_domain {
        builder = builder.with_custom_domain(domain);
    }
    (builder.build().expect("client"), http)
}

/// A concrete path of a template: each parameter becomes `p1`.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "p1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The operations whose description takes the `auth0-custom-domain` header parameter (inline,
/// on the path item, or through `#/components/parameters`), read from the description itself.
fn described() -> Option<BTreeSet<(String, String)>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/auth0/management-api-oas.json");
    let spec: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let resolve = |p: &Value| -> Value {
        match p["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
            Some(name) => spec["components"]["parameters"][name].clone(),
            None => p.clone(),
        }
    };
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object()? {
        for (method, op) in item.as_object()? {
            let params = item["parameters"]
                .as_array()
                .into_iter()
                .chain(op["parameters"].as_array())
                .flatten();
            if params
                .map(resolve)
                .any(|p| p["in"] == "header" && p["name"].as_str() == Some(CUSTOM_DOMAIN_HEADER))
            {
                out.insert((method.to_uppercase(), format!("/api/v2{path}")));
            }
        }
    }
    Some(out)
}

#[tokio::test]
async fn the_header_goes_to_exactly_the_operations_that_accept_it() {
    let tenant = FakeTenant::builder().start().await.expect("tenant");
    let (client, http) = client(&tenant, Some("login.example.com"));
    let entries = catalogue();
    assert_eq!(entries.len(), auth0_m2m::management::DESCRIBED_OPERATIONS);
    let mut sent = BTreeSet::new();
    for entry in entries {
        let path = concrete(entry.path);
        let mut request = client.request(entry.method.clone(), path.as_str());
        if matches!(entry.method, Method::POST | Method::PUT | Method::PATCH) {
            request = request.json(&json!({}));
        }
        // Whatever the answer, the request went out; its headers are what counts.
        let _ = request.send::<Value>().await;
        let (method, seen_path, header) = http.last();
        assert_eq!((&method, &seen_path), (&entry.method, &path));
        assert_eq!(
            header.is_some(),
            entry.custom_domain,
            "{} {}: {header:?}",
            entry.method,
            entry.path
        );
        if let Some(value) = header {
            assert_eq!(value, "login.example.com");
            sent.insert((entry.method.to_string(), entry.path.to_owned()));
        }
    }
    assert_eq!(sent.len(), 9, "{sent:?}");
    let listed: BTreeSet<(String, String)> = auth0_m2m::management::CUSTOM_DOMAIN_OPERATIONS
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(sent, listed);
    match described() {
        Some(described) => assert_eq!(sent, described, "as the description says"),
        None => println!("the description is not beside the workspace: compared to the list"),
    }
}

#[tokio::test]
async fn without_a_custom_domain_no_request_carries_the_header_and_a_call_may_set_its_own() {
    let tenant = FakeTenant::builder().start().await.expect("tenant");
    let (plain, http) = client(&tenant, None);
    let _ = plain
        .request(Method::POST, "/api/v2/tickets/password-change")
        .json(&json!({"user_id": "auth0|1"}))
        .send::<Value>()
        .await;
    assert_eq!(http.last().2, None);

    let (client, http) = client(&tenant, Some("login.example.com"));
    let _ = client
        .request(Method::POST, "/api/v2/tickets/password-change")
        .json(&json!({"user_id": "auth0|1"}))
        .options(CallOptions::new().header(CUSTOM_DOMAIN_HEADER, "other.example.com"))
        .send::<Value>()
        .await;
    assert_eq!(http.last().2.as_deref(), Some("other.example.com"));
    client.clients().list().send().await.expect("clients");
    assert_eq!(http.last().2, None, "a list of clients does not take it");
}
