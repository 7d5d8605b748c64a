//! `POST /oauth/token`: the client-credentials grant.

use crate::FaultTarget;
use crate::conn::ConnCtx;
use crate::jwt::{self, JwtError, PublicKey};
use crate::resp::{
    Echo, apply_fault, json, rate_headers, retry_after_header, set_header, token_error,
};
use crate::resp::{Request, Response};
use crate::state::{App, bump, lock};
use crate::util::json;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde_json::Value;
use std::collections::HashMap;
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
pub(crate) async fn handle(app: &App, req: Request) -> Response {
    let conn = req.extensions().get::<ConnCtx>();
    let (headers, body) = (req.headers(), req.body());
    bump(&app.counters.token_requests);
    if let Some(fault) = app.take_fault(FaultTarget::Token) {
        let echo = Echo {
            token: None,
            secret: match basic_credentials(headers) {
                Ok(Some((_, secret))) => Some(secret),
                _ => parse_params(headers, body)
                    .ok()
                    .and_then(|p| p.get("client_secret").cloned()),
            },
        };
        if let Some(r) = apply_fault(app, fault, conn, FaultTarget::Token, &echo).await {
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
        let peer = conn.and_then(|c| c.peer_x5t().map(str::to_owned));
        match exchange(app, headers, body, peer.as_deref()) {
            Ok(r) => r,
            Err(Failure(status, error, description)) => {
                if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                    lock(&app.store).log(
                        "feccft",
                        &description,
                        json!({"client_id": client_hint(headers, body)}),
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

fn exchange(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
    peer: Option<&str>,
) -> Result<Response, Failure> {
    let params = parse_params(headers, body)?;
    // A DPoP proof binds the token to its key (RFC 9449); it is checked before the client.
    let jkt = match headers.get("dpop").map(|v| v.to_str()) {
        None => None,
        Some(Err(_)) => {
            return Ok(crate::dpop::token_endpoint_refusal(
                app,
                crate::dpop::ProofError::Invalid("The DPoP proof is not valid text".into()),
            ));
        }
        Some(Ok(proof)) => {
            match crate::dpop::verify_proof(app, proof, "POST", &app.token_url, None) {
                Ok(t) => Some(t),
                Err(e) => return Ok(crate::dpop::token_endpoint_refusal(app, e)),
            }
        }
    };
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
    let client_id = authenticate(app, headers, &params, peer)?;
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
        .items(crate::store::RESOURCE_SERVERS)
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
        .items(crate::store::GRANTS)
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
            let elapsed = crate::util::now_secs()
                .saturating_sub(app.quota_started.load(Ordering::SeqCst))
                % 3600;
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
    let jti = crate::util::random_uuid_simple();
    let mut claims = json!({
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
    if let Some(t) = &jkt {
        claims["cnf"] = json!({"jkt": t});
    }
    // A token requested over mTLS is bound to the certificate (RFC 8705 §3).
    if let Some(x5t) = peer {
        claims["cnf"]["x5t#S256"] = json!(x5t);
    }
    let token = app.current_key(&store).sign(&claims).map_err(|_| {
        Failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Token signing failed".into(),
        )
    })?;
    lock(&app.registry).issue(jti, now + app.token_lifetime_secs, now);
    bump(&app.counters.tokens_issued);
    let client_name = store
        .items(crate::store::CLIENTS)
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
            "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
        }),
    );
    if jkt.is_some()
        && let Some(n) = crate::dpop::current_nonce(app)
    {
        set_header(&mut r, "dpop-nonce", &n);
    }
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
    peer: Option<&str>,
) -> Result<String, Failure> {
    if let Some(assertion) = params.get("client_assertion") {
        if params.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(invalid_request(
                "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ));
        }
        return verify_assertion(app, assertion, params.get("client_id"));
    }
    if let Some(x5t) = peer
        && !params.contains_key("client_secret")
        && !headers.contains_key(header::AUTHORIZATION)
    {
        // self_signed_tls_client_auth: the certificate of the handshake is the credential.
        let id = params
            .get("client_id")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_request("Missing required parameter: client_id"))?;
        let store = lock(&app.store);
        let matches = store.credentials.get(id).is_some_and(|l| {
            l.iter()
                .any(|c| c.credential_type == "x509_cert" && c.thumbprint.as_deref() == Some(x5t))
        });
        return if matches {
            Ok(id.clone())
        } else {
            Err(invalid_client(
                "The client certificate does not match a credential of the client",
            ))
        };
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
        .items(crate::store::CLIENTS)
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

/// The largest client assertion Auth0 accepts.
const MAX_ASSERTION_BYTES: usize = 2048;
/// The longest `jti` Auth0 accepts.
const MAX_JTI_CHARS: usize = 64;
/// The furthest ahead an assertion's `exp` may be: five minutes.
const MAX_ASSERTION_LIFETIME_SECS: u64 = 300;
/// Clock skew allowed on `exp` and `iat`.
const LEEWAY_SECS: u64 = 5;

fn invalid_client(msg: impl Into<String>) -> Failure {
    Failure(StatusCode::UNAUTHORIZED, "invalid_client", msg.into())
}

/// Verifies a `private_key_jwt` client assertion as Auth0 does and returns the client id:
/// size, algorithm and `kid` of a registered credential, signature, `aud` = the issuer URL,
/// `iss` = `sub` = client id, `exp` at most five minutes ahead, a `jti` of at most 64
/// characters never used before while unexpired.
fn verify_assertion(
    app: &App,
    assertion: &str,
    client_id_param: Option<&String>,
) -> Result<String, Failure> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(invalid_client(format!(
            "The client_assertion is {} bytes long, more than the {MAX_ASSERTION_BYTES} bytes allowed",
            assertion.len()
        )));
    }
    let header = jwt::header(assertion)
        .map_err(|_| invalid_client("The client_assertion is not a valid JWT"))?;
    let alg_name = match header.alg {
        alg @ ("RS256" | "RS384" | "PS256") => alg,
        other => {
            return Err(invalid_client(format!(
                "The client_assertion algorithm {other} is not supported; use RS256, RS384 or PS256"
            )));
        }
    };
    let unverified: Value = {
        let payload = assertion
            .split('.')
            .nth(1)
            .ok_or_else(|| invalid_client("The client_assertion is not a valid JWT"))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| invalid_client("The client_assertion is not a valid JWT"))?;
        serde_json::from_slice(&bytes)
            .map_err(|_| invalid_client("The client_assertion is not a valid JWT"))?
    };
    let client_id = unverified["iss"]
        .as_str()
        .ok_or_else(|| invalid_client("The client_assertion has no iss claim"))?
        .to_string();
    if client_id_param.is_some_and(|p| *p != client_id) {
        return Err(invalid_client(
            "The client_id parameter does not match the client_assertion iss claim",
        ));
    }
    let now = crate::util::now_secs();
    let now_iso = crate::util::iso8601(now * 1000);
    let creds: Vec<crate::store::Credential> = lock(&app.store)
        .credentials
        .get(&client_id)
        .map(|l| {
            l.iter()
                .filter(|c| c.credential_type == "public_key")
                .filter(|c| c.expires_at.as_deref().is_none_or(|e| e > now_iso.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if creds.is_empty() {
        return Err(invalid_client(format!(
            "The client {client_id} has no valid credential to verify the client_assertion"
        )));
    }
    let candidates: Vec<&crate::store::Credential> = match &header.kid {
        Some(kid) => {
            let c: Vec<_> = creds.iter().filter(|c| c.kid == *kid).collect();
            if c.is_empty() {
                return Err(invalid_client(format!(
                    "The client_assertion kid {kid:?} does not match a credential of the client"
                )));
            }
            c
        }
        None => creds.iter().collect(),
    };
    let v = jwt::Validation {
        alg: alg_name,
        required: &["exp", "iss", "sub", "aud"],
        check_exp: true,
        leeway: LEEWAY_SECS,
        issuer: Some(client_id.as_str()),
        audience: Some(app.issuer.as_str()),
    };
    let mut last = invalid_client("The client_assertion signature is invalid");
    let mut claims = None;
    for cred in candidates {
        if cred.alg != alg_name {
            last = invalid_client(format!(
                "The client_assertion algorithm {alg_name} does not match the credential's {}",
                cred.alg
            ));
            continue;
        }
        let Some((n, e)) = crate::keys::rsa_public_components(&cred.pem) else {
            continue;
        };
        match jwt::verify(assertion, &PublicKey::Rsa { n, e }, &v) {
            Ok(c) => {
                claims = Some(c);
                break;
            }
            Err(e) => {
                last = invalid_client(match e {
                    JwtError::InvalidAudience => {
                        format!("The client_assertion aud claim must be {}", app.issuer)
                    }
                    JwtError::Expired => "The client_assertion has expired".to_owned(),
                    JwtError::InvalidIssuer => {
                        "The client_assertion iss claim must be the client id".to_owned()
                    }
                    JwtError::MissingClaim(c) => {
                        format!("The client_assertion is missing the {c} claim")
                    }
                    _ => "The client_assertion signature is invalid".to_owned(),
                });
            }
        }
    }
    let claims = claims.ok_or(last)?;
    if claims["sub"].as_str() != Some(client_id.as_str()) {
        return Err(invalid_client(
            "The client_assertion sub claim must be the client id",
        ));
    }
    let exp = claims["exp"].as_u64().unwrap_or(0);
    if exp > now + MAX_ASSERTION_LIFETIME_SECS + LEEWAY_SECS {
        return Err(invalid_client(
            "The client_assertion exp claim is more than 5 minutes in the future",
        ));
    }
    if claims["iat"]
        .as_u64()
        .is_some_and(|iat| iat > now + LEEWAY_SECS)
    {
        return Err(invalid_client(
            "The client_assertion iat claim is in the future",
        ));
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or_else(|| invalid_client("The client_assertion is missing the jti claim"))?;
    if jti.chars().count() > MAX_JTI_CHARS {
        return Err(invalid_client(format!(
            "The client_assertion jti claim is longer than {MAX_JTI_CHARS} characters"
        )));
    }
    let mut store = lock(&app.store);
    store.used_jti.retain(|_, e| *e + LEEWAY_SECS >= now);
    let key = format!("{client_id}\u{0}{jti}");
    if store.used_jti.contains_key(&key) {
        return Err(invalid_client(
            "The client_assertion has already been used (jti reuse)",
        ));
    }
    store.used_jti.insert(key, exp);
    Ok(client_id)
}
