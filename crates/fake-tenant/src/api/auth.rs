//! Bearer token validation.

use super::base::*;
use crate::jwt::JwtError;
use crate::resp::{api_error, set_header};
use crate::state::lock;

/// Validates the access token (Bearer, or DPoP with a proof for this request when it is
/// DPoP-bound); returns its claims or Auth0's 401 answer.
pub(crate) fn authorize(
    app: &App,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    peer_x5t: Option<&str>,
) -> Result<Value, Box<Response>> {
    let deny = |msg: &str, with_error: bool| {
        let mut r = api_error(StatusCode::UNAUTHORIZED, msg, None);
        let value = if with_error {
            format!(
                "Bearer realm=\"{}\", error=\"invalid_token\", error_description=\"{}\"",
                app.domain, msg
            )
        } else {
            "Bearer".to_string()
        };
        set_header(&mut r, "www-authenticate", &value);
        Box::new(r)
    };
    let (scheme, token) = crate::dpop::presented_token(headers)
        .ok_or_else(|| deny("Missing authentication", false))?;
    if token.split('.').count() != 3 {
        return Err(deny("Invalid token", true));
    }
    let claims = app
        .verify_token(token, &app.issuer, &app.audience)
        .map_err(|e| match e {
            JwtError::Expired => deny("Expired token received for JSON Web Token validation", true),
            JwtError::InvalidSignature => deny(
                "Invalid signature received for JSON Web Token validation",
                true,
            ),
            JwtError::InvalidAudience => deny(&format!("Bad audience: {}", app.audience), true),
            _ => deny("Invalid token", true),
        })?;
    let jti = claims["jti"].as_str().unwrap_or("");
    if lock(&app.registry).is_revoked(jti) {
        return Err(deny("Token has been revoked", true));
    }
    crate::dpop::check_binding(app, scheme, token, claims, method, path, headers, peer_x5t)
        .map(|a| a.claims)
}
