//! The access token type returned by the exchange.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::limits::Quota;

/// An access token issued by the token endpoint.
///
/// The token value is held as a secret: `Debug` never prints it, and it is only reachable through
/// [`AccessToken::expose_secret`] (or [`AccessToken::bearer_header_value`]), which makes every use
/// of the raw value easy to find in a code review.
///
/// `expires_at` is an absolute time computed from the moment the token request was *sent* (not
/// received), so a slow answer never makes a token look fresher than it is.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    token_type: String,
    scopes: Vec<String>,
    expires_at: SystemTime,
    obtained_at: SystemTime,
    quota: Option<Quota>,
}

impl AccessToken {
    /// Builds a token from its parts (used by caches that restore a stored token, and by tests).
    ///
    /// `scopes` are kept in the given order; `obtained_at` is when the request that produced the
    /// token was sent.
    pub fn new(
        secret: impl Into<String>,
        token_type: impl Into<String>,
        scopes: Vec<String>,
        expires_at: SystemTime,
        obtained_at: SystemTime,
    ) -> Self {
        Self {
            secret: SecretString::from(secret.into()),
            token_type: token_type.into(),
            scopes,
            expires_at,
            obtained_at,
            quota: None,
        }
    }

    /// Attaches the client's M2M token quota that came with the token
    /// (`Auth0-Client-Quota-Limit`).
    pub fn with_quota(mut self, quota: Option<Quota>) -> Self {
        self.quota = quota;
        self
    }

    /// The client's M2M token quota as Auth0 reported it with this token, when the tenant has
    /// quotas (`Auth0-Client-Quota-Limit`). Not kept by caches: a token read from a shared
    /// cache has none.
    pub fn quota(&self) -> Option<&Quota> {
        self.quota.as_ref()
    }

    /// The raw token value. Handle with care: never log it.
    pub fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The value for an `Authorization` header: `Bearer <token>`.
    pub fn bearer_header_value(&self) -> String {
        format!("Bearer {}", self.secret.expose_secret())
    }

    /// The value for an `Authorization` header as the token type wants it: `DPoP <token>` for
    /// a DPoP-bound token (send a proof with it), else `Bearer <token>`.
    pub fn authorization_header_value(&self) -> String {
        if self.is_dpop() {
            format!("DPoP {}", self.secret.expose_secret())
        } else {
            self.bearer_header_value()
        }
    }

    /// Whether the token is DPoP-bound (`token_type: DPoP`): every call with it needs a DPoP
    /// proof signed with the key it is bound to.
    pub fn is_dpop(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("dpop")
    }

    /// The token type: `Bearer`, or `DPoP` for a DPoP-bound token.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The scopes granted, as listed in the response's `scope` field (may be empty).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The granted scopes joined by single spaces, as in the OAuth `scope` field.
    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }

    /// The absolute time at which the token expires.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The time at which the request that produced this token was sent.
    pub fn obtained_at(&self) -> SystemTime {
        self.obtained_at
    }

    /// The token's full lifetime (`expires_at - obtained_at`), zero if the clock data is inverted.
    pub fn lifetime(&self) -> Duration {
        self.expires_at
            .duration_since(self.obtained_at)
            .unwrap_or_default()
    }

    /// How long the token stays valid from `now`; zero when it has already expired.
    pub fn remaining_at(&self, now: SystemTime) -> Duration {
        self.expires_at.duration_since(now).unwrap_or_default()
    }

    /// Whether the token is expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }

    /// Whether this token carries the same value as `other` (constant-time comparison).
    pub fn same_secret(&self, other: &AccessToken) -> bool {
        constant_time_eq(
            self.secret.expose_secret().as_bytes(),
            other.secret.expose_secret().as_bytes(),
        )
    }
}

/// Compares two byte strings without an early exit on the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .field("obtained_at", &self.obtained_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AccessToken {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        AccessToken::new(
            "eyJhbGciOiJSUzI1NiJ9.secret-payload.sig",
            "Bearer",
            vec!["read:clients".into()],
            now + Duration::from_secs(86_400),
            now,
        )
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = sample();
        let dbg = format!("{t:?} {t:#?}");
        assert!(!dbg.contains("secret-payload"), "{dbg}");
        assert!(dbg.contains("[REDACTED]"));
    }

    #[test]
    fn lifetime_and_remaining() {
        let t = sample();
        assert_eq!(t.lifetime(), Duration::from_secs(86_400));
        let later = t.obtained_at() + Duration::from_secs(86_000);
        assert_eq!(t.remaining_at(later), Duration::from_secs(400));
        assert!(!t.is_expired_at(later));
        assert!(t.is_expired_at(t.expires_at()));
        assert_eq!(
            t.remaining_at(t.expires_at() + Duration::from_secs(5)),
            Duration::ZERO
        );
    }

    #[test]
    fn same_secret_compares_values() {
        let a = sample();
        let b = a.clone();
        assert!(a.same_secret(&b));
        let c = AccessToken::new("other", "Bearer", vec![], a.expires_at(), a.obtained_at());
        assert!(!a.same_secret(&c));
    }
}
