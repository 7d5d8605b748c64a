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

/// The JSON the tenant answers to `GET path` (a path of the tenant's, not of the Management
/// API: no token).
async fn get_json<T: serde::de::DeserializeOwned>(
    tenant: &FakeTenant,
    http: &reqwest::Client,
    path: &str,
) -> T {
    http.get(format!("{}{path}", tenant.base_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {path} is not the JSON expected: {e}"))
}

/// The tenant's routes listing (`GET /__fake/routes`).
pub async fn routes(tenant: &FakeTenant, http: &reqwest::Client) -> Vec<Value> {
    get_json(tenant, http, "/__fake/routes").await
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

/// A started tenant, a client trusting it and a token of its default client (every scope).
pub type Session = (FakeTenant, reqwest::Client, String);

/// A fresh [`Session`].
pub async fn setup() -> Session {
    let t = tenant().await;
    let http = http_client(&t);
    let token = token(&t, &http).await;
    (t, http, token)
}

/// Sends one Management API request with the session's token: `(status, JSON body or null)`.
pub async fn call(
    s: &Session,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    call_as(s, &s.2, method, path, body).await
}

/// [`call`] with `token` instead of the session's.
pub async fn call_as(
    s: &Session,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, _, v) = api(&s.0, &s.1, token, method, path, body).await;
    (status, v)
}

/// `s` percent-encoded for a path segment (everything but RFC 3986's unreserved characters).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `POST /jobs/users-imports` as multipart form data: the connection's id, `upsert`, and the
/// users file (`users`, JSON), with `token`. Answers `(status, JSON body or null)`.
pub async fn import_users(
    tenant: &FakeTenant,
    http: &reqwest::Client,
    token: &str,
    connection_id: &str,
    users: &Value,
    upsert: Option<bool>,
) -> (u16, Value) {
    let boundary = "import-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\n{connection_id}\r\n"
    );
    if let Some(upsert) = upsert {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"upsert\"\r\n\r\n{upsert}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n\
         Content-Type: application/json\r\n\r\n{users}\r\n--{boundary}--\r\n"
    ));
    let r = http
        .post(format!("{}/api/v2/jobs/users-imports", tenant.base_url()))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("send the import");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The tenant's JSON Web Key Set (`/.well-known/jwks.json`).
pub async fn jwks(tenant: &FakeTenant, http: &reqwest::Client) -> Value {
    get_json(tenant, http, "/.well-known/jwks.json").await
}

/// The state of each signing key of a `GET /keys/signing` answer, in order:
/// `(previous, current, next)`.
pub fn signing_key_states(keys: &Value) -> Vec<(bool, bool, bool)> {
    keys.as_array()
        .expect("a list of signing keys")
        .iter()
        .map(|k| {
            (
                k["previous"] == true,
                k["current"] == true,
                k["next"] == true,
            )
        })
        .collect()
}
