//! DPoP (RFC 9449): proof validation, the nonce challenge, and the access check shared by the
//! Management API and the protected resource route.

use crate::jwt::{self, PublicKey};
use crate::resp::Response;
use crate::resp::{api_error, set_header, token_error};
use crate::state::{App, lock};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, StatusCode, header};
use serde_json::Value;

/// How far a proof's `iat` may be from now: 60 seconds either way.
const IAT_WINDOW_SECS: u64 = 60;

/// Why a proof was refused.
#[derive(Debug)]
pub(crate) enum ProofError {
    /// The proof is not valid (`invalid_dpop_proof`), with the reason.
    Invalid(String),
    /// The proof lacks the current nonce (`use_dpop_nonce`).
    UseNonce,
}

/// The current DPoP nonce, when the tenant requires one.
pub(crate) fn current_nonce(app: &App) -> Option<String> {
    app.dpop_nonce.as_ref().map(|n| lock(n).clone())
}

/// Verifies a DPoP proof for `method` and `htu`, and `ath` against `access_token` when given.
/// Returns the RFC 7638 thumbprint of the proof's key.
pub(crate) fn verify_proof(
    app: &App,
    proof: &str,
    method: &str,
    htu: &str,
    access_token: Option<&str>,
) -> Result<String, ProofError> {
    let invalid = |m: &str| ProofError::Invalid(m.to_owned());
    let header = jwt::header(proof).map_err(|_| invalid("The DPoP proof is not a valid JWT"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(invalid("The DPoP proof typ must be dpop+jwt"));
    }
    let raw_header: Value = proof
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| invalid("The DPoP proof header is not JSON"))?;
    let jwk_value = &raw_header["jwk"];
    if !jwk_value.is_object() {
        return Err(invalid("The DPoP proof has no jwk header"));
    }
    if jwk_value.get("d").is_some() {
        return Err(invalid("The DPoP proof jwk must not contain a private key"));
    }
    let jwk = header
        .jwk
        .as_ref()
        .ok_or_else(|| invalid("The DPoP proof jwk is not a usable public key"))?;
    let key = PublicKey::from_jwk(jwk)
        .ok_or_else(|| invalid("The DPoP proof jwk is not a usable public key"))?;
    if !matches!(header.alg, "ES256" | "RS256" | "PS256") {
        return Err(invalid("The DPoP proof algorithm is not supported"));
    }
    let claims = jwt::verify(proof, &key, &jwt::Validation::signature_only(header.alg))
        .map_err(|_| invalid("The DPoP proof signature is invalid"))?;
    if claims["htm"].as_str() != Some(method) {
        return Err(invalid(
            "The DPoP proof htm does not match the request method",
        ));
    }
    let claimed = claims["htu"].as_str().unwrap_or("");
    let strip = |u: &str| u.split(['?', '#']).next().unwrap_or("").to_owned();
    if strip(claimed) != strip(htu) {
        return Err(invalid("The DPoP proof htu does not match the request URL"));
    }
    let now = crate::util::now_secs();
    let iat = claims["iat"]
        .as_u64()
        .ok_or_else(|| invalid("The DPoP proof has no iat claim"))?;
    if iat + IAT_WINDOW_SECS < now || iat > now + IAT_WINDOW_SECS {
        return Err(invalid("The DPoP proof iat is outside the accepted window"));
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or_else(|| invalid("The DPoP proof has no jti claim"))?;
    if let Some(token) = access_token {
        let ath = URL_SAFE_NO_PAD.encode(crate::util::sha256(token.as_bytes()));
        if claims["ath"].as_str() != Some(ath.as_str()) {
            return Err(invalid(
                "The DPoP proof ath does not match the access token",
            ));
        }
    }
    if let Some(expected) = current_nonce(app)
        && claims["nonce"].as_str() != Some(expected.as_str())
    {
        return Err(ProofError::UseNonce);
    }
    let thumbprint = crate::keys::jwk_thumbprint(jwk_value);
    let mut seen = lock(&app.dpop_jti);
    seen.retain(|_, until| *until >= now);
    let key = format!("{thumbprint}\u{0}{jti}");
    if seen.contains_key(&key) {
        return Err(invalid("The DPoP proof jti has already been used"));
    }
    seen.insert(key, iat + 2 * IAT_WINDOW_SECS);
    Ok(thumbprint)
}

/// The token endpoint's answer to a refused proof (`400 invalid_dpop_proof` or
/// `400 use_dpop_nonce` with a `DPoP-Nonce` header).
pub(crate) fn token_endpoint_refusal(app: &App, e: ProofError) -> Response {
    match e {
        ProofError::Invalid(m) => token_error(StatusCode::BAD_REQUEST, "invalid_dpop_proof", &m),
        ProofError::UseNonce => {
            let mut r = token_error(
                StatusCode::BAD_REQUEST,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof",
            );
            if let Some(n) = current_nonce(app) {
                set_header(&mut r, "dpop-nonce", &n);
            }
            r
        }
    }
}

/// How a resource request presented its token.
pub(crate) struct Access {
    /// The token's claims.
    pub(crate) claims: Value,
}

/// A `401` from a resource with a `WWW-Authenticate` challenge for `scheme`.
fn resource_denial(app: &App, scheme: &str, error: &str, msg: &str) -> Box<Response> {
    let mut r = api_error(StatusCode::UNAUTHORIZED, msg, None);
    set_header(
        &mut r,
        "www-authenticate",
        &format!(
            "{scheme} realm=\"{}\", error=\"{error}\", error_description=\"{msg}\"",
            app.domain
        ),
    );
    if error == "use_dpop_nonce"
        && let Some(n) = current_nonce(app)
    {
        set_header(&mut r, "dpop-nonce", &n);
    }
    Box::new(r)
}

/// Checks the binding of an already verified token: a DPoP-bound token (`cnf.jkt`) needs the
/// `DPoP` scheme and a proof for this request signed with its key; a Bearer token must not be
/// sent with the `DPoP` scheme.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_binding(
    app: &App,
    scheme: &str,
    token: &str,
    claims: Value,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    peer_x5t: Option<&str>,
) -> Result<Access, Box<Response>> {
    // A certificate-bound token (RFC 8705 §3) only over a connection presenting that
    // certificate.
    if let Some(x5t) = claims["cnf"]["x5t#S256"].as_str()
        && peer_x5t != Some(x5t)
    {
        return Err(resource_denial(
            app,
            scheme,
            "invalid_token",
            "The certificate-bound token was presented without its certificate",
        ));
    }
    let jkt = claims["cnf"]["jkt"].as_str().map(str::to_owned);
    match (scheme, jkt) {
        ("Bearer", None) => Ok(Access { claims }),
        ("Bearer", Some(_)) => Err(resource_denial(
            app,
            "DPoP",
            "invalid_token",
            "DPoP-bound token presented as a Bearer token",
        )),
        (_, None) => Err(resource_denial(
            app,
            "Bearer",
            "invalid_token",
            "The token is not DPoP-bound",
        )),
        (_, Some(jkt)) => {
            let proof = headers
                .get("dpop")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| {
                    resource_denial(app, "DPoP", "invalid_dpop_proof", "Missing DPoP proof")
                })?;
            // The URL the request was sent to: the tenant or its mTLS alias.
            let base = match (peer_x5t, &app.mtls_base_url) {
                (Some(_), Some(m)) => m.as_str(),
                _ => app.base_url.as_str(),
            };
            let htu = format!("{base}{path}");
            match verify_proof(app, proof, method, &htu, Some(token)) {
                Ok(t) if t == jkt => Ok(Access { claims }),
                Ok(_) => Err(resource_denial(
                    app,
                    "DPoP",
                    "invalid_token",
                    "The DPoP proof key does not match the token's cnf.jkt",
                )),
                Err(ProofError::UseNonce) => Err(resource_denial(
                    app,
                    "DPoP",
                    "use_dpop_nonce",
                    "Resource server requires nonce in DPoP proof",
                )),
                Err(ProofError::Invalid(m)) => {
                    Err(resource_denial(app, "DPoP", "invalid_dpop_proof", &m))
                }
            }
        }
    }
}

/// The token and its scheme (`Bearer` or `DPoP`) of an `Authorization` header.
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<(&'static str, &str)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        "Bearer"
    } else if scheme.eq_ignore_ascii_case("dpop") {
        "DPoP"
    } else {
        return None;
    };
    let token = token.trim();
    (!token.is_empty()).then_some((scheme, token))
}
