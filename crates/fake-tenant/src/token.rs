//! `POST /oauth/token`: the client-credentials grant.

use crate::FaultTarget;
use crate::resp::{
    Echo, apply_fault, json, rate_headers, retry_after_header, set_header, token_error,
};
use crate::server::ConnCtx;
use crate::state::{App, bump, lock};
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The only client assertion type Auth0 accepts.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A token endpoint failure: status, `error`, `error_description`.
struct Failure(StatusCode, &'static str, String);

fn unauthorized() -> Failure {
    Failure(
        StatusCode::UNAUTHORIZED,
        "access_denied",
        "Unauthorized".into(),
    )
}

fn invalid_request(msg: &str) -> Failure {
    Failure(StatusCode::BAD_REQUEST, "invalid_request", msg.into())
}

/// Handles `POST /oauth/token`.
pub(crate) async fn handle(
    State(app): State<Arc<App>>,
    conn: Option<Extension<ConnCtx>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bump(&app.counters.token_requests);
    if let Some(fault) = app.take_fault(FaultTarget::Token) {
        let conn = conn.as_ref().map(|Extension(c)| c);
        let echo = Echo {
            token: None,
            secret: match basic_credentials(&headers) {
                Ok(Some((_, secret))) => Some(secret),
                _ => parse_params(&headers, &body)
                    .ok()
                    .and_then(|p| p.get("client_secret").cloned()),
            },
        };
        if let Some(r) = apply_fault(&app, fault, conn, FaultTarget::Token, &echo).await {
            return r;
        }
    }
    let latency = app.token_latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let info = app.hit_token_window();
    let mut r = if !info.allowed {
        bump(&app.counters.token_429);
        let mut r = token_error(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Global limit has been reached",
        );
        retry_after_header(&mut r, info, app.rate_clock.now());
        r
    } else {
        match exchange(&app, &headers, &body) {
            Ok(r) => r,
            Err(Failure(status, error, description)) => {
                if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                    lock(&app.store).log(
                        "feccft",
                        &description,
                        json!({"client_id": client_hint(&headers, &body)}),
                    );
                }
                token_error(status, error, &description)
            }
        }
    };
    set_header(&mut r, "cache-control", "no-store");
    set_header(&mut r, "pragma", "no-cache");
    rate_headers(&mut r, info);
    r
}

/// The client id a request names, for failure logs.
fn client_hint(headers: &HeaderMap, body: &Bytes) -> Value {
    parse_params(headers, body)
        .ok()
        .and_then(|p| p.get("client_id").cloned())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// Reads the request parameters from a JSON or form-urlencoded body.
fn parse_params(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, Failure> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("application/json") {
        let v: Value =
            serde_json::from_slice(body).map_err(|_| invalid_request("Invalid JSON body"))?;
        let obj = v
            .as_object()
            .ok_or_else(|| invalid_request("Invalid JSON body"))?;
        Ok(obj
            .iter()
            .filter_map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((k.clone(), s))
            })
            .collect())
    } else {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| invalid_request("Invalid form body"))?;
        Ok(pairs.into_iter().collect())
    }
}

/// Decodes an RFC 6749 2.3.1 `Authorization: Basic` header.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, Failure> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| unauthorized())?;
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Ok(None);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (id, secret) = text.split_once(':').ok_or_else(unauthorized)?;
    let dec = |s: &str| -> Result<String, Failure> {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| unauthorized())
    };
    Ok(Some((dec(id)?, dec(secret)?)))
}

fn exchange(app: &App, headers: &HeaderMap, body: &[u8]) -> Result<Response, Failure> {
    let params = parse_params(headers, body)?;
    let grant_type = params.get("grant_type").map(String::as_str).unwrap_or("");
    if grant_type.is_empty() {
        return Err(Failure(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Missing required parameter: grant_type".into(),
        ));
    }
    if grant_type != "client_credentials" {
        return Err(Failure(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Grant type not supported".into(),
        ));
    }
    let client_id = authenticate(app, headers, &params)?;
    let audience = params
        .get("audience")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            Failure(
                StatusCode::FORBIDDEN,
                "access_denied",
                "No audience parameter was provided, and no default audience has been configured"
                    .into(),
            )
        })?;

    let mut store = lock(&app.store);
    if !store
        .resource_servers
        .iter()
        .any(|rs| rs["identifier"].as_str() == Some(audience))
    {
        return Err(Failure(
            StatusCode::FORBIDDEN,
            "access_denied",
            format!("Service not found: {audience}"),
        ));
    }
    let grant = store
        .grants
        .iter()
        .find(|g| {
            g["client_id"].as_str() == Some(client_id.as_str())
                && g["audience"].as_str() == Some(audience)
        })
        .ok_or_else(|| {
            Failure(
                StatusCode::FORBIDDEN,
                "access_denied",
                format!(
                    "Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
                ),
            )
        })?;
    let granted: Vec<String> = grant["scope"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let scopes = match params
        .get("scope")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => granted,
        Some(requested) => {
            let requested: Vec<String> = requested.split_whitespace().map(String::from).collect();
            let missing: Vec<&str> = requested
                .iter()
                .filter(|s| !granted.contains(s))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(Failure(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    format!("Client has not been granted scopes: {}", missing.join(", ")),
                ));
            }
            let mut out: Vec<String> = Vec::new();
            for s in requested {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            out
        }
    };

    let quota_header = match app.quota {
        None => None,
        Some(q) => {
            let used = app.quota_used.load(Ordering::SeqCst);
            let elapsed = crate::util::now_secs().saturating_sub(app.quota_started) % 3600;
            let left = 3600 - elapsed;
            if used >= q {
                drop(store);
                bump(&app.counters.token_429);
                let mut r = token_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    &format!(
                        "Quota exceeded for client {client_id}: the limit of {q} tokens per hour has been reached"
                    ),
                );
                set_header(
                    &mut r,
                    "auth0-client-quota-limit",
                    &format!("b=per_hour;q={q};r=0;t={left}"),
                );
                set_header(&mut r, "retry-after", &left.to_string());
                return Ok(r);
            }
            app.quota_used.fetch_add(1, Ordering::SeqCst);
            Some(format!(
                "b=per_hour;q={q};r={};t={left}",
                q.saturating_sub(used + 1)
            ))
        }
    };

    let now = crate::util::now_secs();
    let scope = scopes.join(" ");
    let jti = uuid::Uuid::new_v4().simple().to_string();
    let claims = json!({
        "iss": app.issuer,
        "sub": format!("{client_id}@clients"),
        "aud": audience,
        "iat": now,
        "exp": now + app.token_lifetime_secs,
        "scope": scope,
        "gty": "client-credentials",
        "azp": client_id,
        "jti": jti,
    });
    let token = app.key.sign(&claims).map_err(|_| {
        Failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Token signing failed".into(),
        )
    })?;
    lock(&app.registry).issue(jti, now + app.token_lifetime_secs, now);
    bump(&app.counters.tokens_issued);
    let client_name = store
        .clients
        .iter()
        .find(|c| c["client_id"].as_str() == Some(client_id.as_str()))
        .and_then(|c| c["name"].as_str())
        .unwrap_or("")
        .to_string();
    store.log(
        "seccft",
        "Client Credentials for Access Token",
        json!({"client_id": client_id, "client_name": client_name, "audience": audience,
               "scope": scope, "hostname": app.domain}),
    );
    drop(store);
    let mut r = json(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "expires_in": app.token_lifetime_secs,
            "scope": scope,
            "token_type": "Bearer",
        }),
    );
    if let Some(h) = quota_header {
        set_header(&mut r, "auth0-client-quota-limit", &h);
    }
    Ok(r)
}

/// Authenticates the client and returns its id.
fn authenticate(
    app: &App,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<String, Failure> {
    if let Some(assertion) = params.get("client_assertion") {
        if params.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(invalid_request(
                "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ));
        }
        return verify_assertion(app, assertion, params.get("client_id"));
    }
    let (id, secret) = match basic_credentials(headers)? {
        Some((id, secret)) => {
            if params.get("client_id").is_some_and(|p| *p != id) {
                return Err(unauthorized());
            }
            (id, Some(secret))
        }
        None => {
            let id = params
                .get("client_id")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid_request("Missing required parameter: client_id"))?;
            (id.clone(), params.get("client_secret").cloned())
        }
    };
    let store = lock(&app.store);
    let client = store
        .clients
        .iter()
        .find(|c| c["client_id"].as_str() == Some(id.as_str()))
        .ok_or_else(unauthorized)?;
    let expected = client["client_secret"].as_str();
    match (expected, secret) {
        (Some(e), Some(s)) if !e.is_empty() && constant_eq(e.as_bytes(), s.as_bytes()) => Ok(id),
        _ => Err(unauthorized()),
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Verifies a `private_key_jwt` client assertion and returns the client id.
fn verify_assertion(
    app: &App,
    assertion: &str,
    client_id_param: Option<&String>,
) -> Result<String, Failure> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| unauthorized())?;
    let unverified: Value = {
        let payload = assertion.split('.').nth(1).ok_or_else(unauthorized)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| unauthorized())?;
        serde_json::from_slice(&bytes).map_err(|_| unauthorized())?
    };
    let client_id = unverified["iss"]
        .as_str()
        .ok_or_else(unauthorized)?
        .to_string();
    if client_id_param.is_some_and(|p| *p != client_id) {
        return Err(unauthorized());
    }
    let pem = lock(&app.store)
        .client_keys
        .get(&client_id)
        .cloned()
        .ok_or_else(unauthorized)?;
    let key = match header.alg {
        Algorithm::RS256 | Algorithm::PS256 => DecodingKey::from_rsa_pem(pem.as_bytes()),
        Algorithm::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()),
        _ => return Err(unauthorized()),
    }
    .map_err(|_| unauthorized())?;
    let mut v = Validation::new(header.alg);
    v.leeway = 5;
    v.set_audience(&[app.token_url.as_str(), app.issuer.as_str()]);
    v.set_issuer(&[client_id.as_str()]);
    v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    let claims = jsonwebtoken::decode::<Value>(assertion, &key, &v)
        .map_err(|_| unauthorized())?
        .claims;
    if claims["sub"].as_str() != Some(client_id.as_str()) {
        return Err(unauthorized());
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or_else(|| invalid_request("The client_assertion is missing the jti claim"))?;
    let exp = claims["exp"].as_u64().unwrap_or(0);
    let mut store = lock(&app.store);
    let now = crate::util::now_secs();
    store.used_jti.retain(|_, e| *e + 60 >= now);
    let key = format!("{client_id}\u{0}{jti}");
    if store.used_jti.contains_key(&key) {
        return Err(Failure(
            StatusCode::UNAUTHORIZED,
            "access_denied",
            "The client_assertion has already been used (jti reuse)".into(),
        ));
    }
    store.used_jti.insert(key, exp);
    Ok(client_id)
}
