//! Shared helpers for the integration tests.
#![allow(dead_code, unreachable_pub)]

use auth0_m2m_fake::FakeTenant;
use serde_json::Value;

/// A reqwest client trusting the tenant's CA (or plain for HTTP tenants).
pub fn http_client(tenant: &FakeTenant) -> reqwest::Client {
    let mut b = reqwest::Client::builder();
    let pem = tenant.ca_cert_pem();
    if !pem.is_empty() {
        let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA certificate");
        b = b.add_root_certificate(cert);
    }
    b.build().expect("client")
}

/// Fetches a token of the tenant's default client with client_secret_post (form body).
pub async fn token(tenant: &FakeTenant, http: &reqwest::Client) -> String {
    token_for(tenant, http, &tenant.client_id(), &tenant.client_secret()).await
}

/// Fetches a token of client `id` with client_secret_post (form body) and returns it.
pub async fn token_for(
    tenant: &FakeTenant,
    http: &reqwest::Client,
    id: &str,
    secret: &str,
) -> String {
    let r = http
        .post(tenant.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("audience", tenant.audience().as_str()),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("token json");
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// The tenant's routes listing (`GET /__fake/routes`).
pub async fn routes(tenant: &FakeTenant, http: &reqwest::Client) -> Vec<Value> {
    http.get(format!("{}/__fake/routes", tenant.base_url()))
        .send()
        .await
        .expect("routes")
        .json()
        .await
        .expect("routes json")
}

/// Sends a Management API request and returns (status, headers, JSON body or Null).
pub async fn api(
    tenant: &FakeTenant,
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    path_and_query: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let url = format!("{}/api/v2/{}", tenant.base_url(), path_and_query);
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("api request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json body")
    };
    (status, headers, v)
}

/// A started TLS tenant with all scopes.
pub async fn tenant() -> FakeTenant {
    FakeTenant::builder().start().await.expect("start tenant")
}
