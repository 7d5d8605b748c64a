//! `private_key_jwt` client authentication (RFC 7523): signing client assertions.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;

use crate::error::ConfigError;

/// How long a client assertion is valid: 60 seconds.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(60);

/// The `client_assertion_type` of a JWT client assertion.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The signature algorithm of a [`PrivateKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA key).
    RS256,
    /// RSASSA-PSS with SHA-256 (RSA key).
    PS256,
    /// ECDSA on P-256 with SHA-256 (EC key in PKCS#8 form, `-----BEGIN PRIVATE KEY-----`).
    ES256,
}

impl Algorithm {
    fn to_jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
        }
    }
}

/// A private key that signs client assertions. `Debug` shows the algorithm and key id only.
#[derive(Clone)]
pub struct PrivateKey {
    key: Arc<EncodingKey>,
    algorithm: Algorithm,
    key_id: Option<String>,
}

impl PrivateKey {
    /// Reads a PEM private key for `algorithm`.
    ///
    /// RSA keys (`RS256`, `PS256`) may be PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
    /// (`BEGIN PRIVATE KEY`); EC P-256 keys (`ES256`) must be PKCS#8. The key is checked by
    /// signing a test assertion, so a key that does not match the algorithm is refused here
    /// rather than on the first request. Errors never contain key material.
    pub fn from_pem(pem: &[u8], algorithm: Algorithm) -> Result<Self, ConfigError> {
        let parsed = match algorithm {
            Algorithm::RS256 | Algorithm::PS256 => EncodingKey::from_rsa_pem(pem),
            Algorithm::ES256 => EncodingKey::from_ec_pem(pem),
        };
        let key = parsed.map_err(|e| ConfigError::Invalid {
            field: "private key",
            reason: format!(
                "not a usable {algorithm:?} PEM private key ({}): {}",
                key_hint(algorithm),
                describe_jwt_error(&e)
            ),
        })?;
        let key = Self {
            key: Arc::new(key),
            algorithm,
            key_id: None,
        };
        key.sign("probe", "probe", SystemTime::now())
            .map_err(|reason| ConfigError::Invalid {
                field: "private key",
                reason: format!("cannot sign {algorithm:?} with this key: {reason}"),
            })?;
        Ok(key)
    }

    /// Sets the `kid` header of the assertions (the key id registered with the server).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key id, if set.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// Signs a fresh assertion. The error is a secret-free description.
    pub(crate) fn sign(
        &self,
        client_id: &str,
        audience: &str,
        now: SystemTime,
    ) -> Result<String, String> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            sub: &'a str,
            aud: &'a str,
            iat: u64,
            exp: u64,
            jti: String,
        }
        let iat = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| "the system clock is before 1970".to_owned())?
            .as_secs();
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: audience,
            iat,
            exp: iat + ASSERTION_LIFETIME.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(self.algorithm.to_jwt());
        header.kid = self.key_id.clone();
        jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| describe_jwt_error(&e))
    }
}

fn key_hint(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::RS256 | Algorithm::PS256 => {
            "expected an RSA key, `BEGIN RSA PRIVATE KEY` or `BEGIN PRIVATE KEY`"
        }
        Algorithm::ES256 => "expected an EC P-256 key in PKCS#8 form, `BEGIN PRIVATE KEY`",
    }
}

/// Describes a signing/parsing error by its kind only (never key bytes).
fn describe_jwt_error(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidKeyFormat => "invalid key format".to_owned(),
        ErrorKind::InvalidRsaKey(_) => "invalid RSA key".to_owned(),
        ErrorKind::InvalidEcdsaKey => "invalid ECDSA key".to_owned(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "key type does not match the algorithm".to_owned()
        }
        ErrorKind::Crypto(_) => "signing failed".to_owned(),
        _ => "unreadable key".to_owned(),
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_with_a_clear_error() {
        for alg in [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256] {
            let err = PrivateKey::from_pem(b"not a pem", alg).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("invalid private key"), "{msg}");
            assert!(msg.contains(&format!("{alg:?}")), "{msg}");
        }
    }
}
