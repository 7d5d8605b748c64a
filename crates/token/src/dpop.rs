//! DPoP (RFC 9449): sender-constrained access tokens, bound to a key the client holds.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use http::{HeaderMap, Method};
use serde_json::{Map, Value, json};

use crate::error::{ConfigError, Error};
use crate::jws::{Algorithm, Signer, sha256_b64};

/// The `DPoP` request header that carries a proof.
pub const DPOP_HEADER: &str = "DPoP";
/// The `DPoP-Nonce` answer header that carries a server nonce.
pub const DPOP_NONCE_HEADER: &str = "DPoP-Nonce";

/// A DPoP key (RFC 9449): proves possession of the key a DPoP-bound token is bound to.
///
/// An ES256 (P-256) key, read from a PEM file or generated in memory. Every token request and
/// every call with a DPoP-bound token carries a fresh proof signed with it: a JWT with header
/// `typ: dpop+jwt`, `alg: ES256` and the public `jwk`, and claims `jti`, `htm`, `htu`, `iat`,
/// plus `ath` (the token's SHA-256) on resource calls and `nonce` once a server asked for one.
///
/// Cheap to clone: clones share the key and the nonces servers sent. The token a server binds
/// to the key is bound to its RFC 7638 [`thumbprint`](Self::thumbprint) (`cnf.jkt`); token
/// caches key DPoP-bound tokens by it, so processes that hold the same key share one token and
/// processes with different keys never get a token they cannot use. For a fleet to share one
/// token, give every process the same key file (`AUTH0_DPOP_KEY`); a key generated in memory
/// binds its tokens to one process.
///
/// `Debug` shows the thumbprint only.
///
/// ```
/// use auth0_m2m_token::DpopKey;
/// let key = DpopKey::generate()?;
/// assert_eq!(key.thumbprint().len(), 43);
/// # Ok::<(), auth0_m2m_token::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct DpopKey {
    inner: Arc<Inner>,
}

struct Inner {
    signer: Signer,
    /// The last nonce each server (by origin) sent.
    nonces: Mutex<HashMap<String, String>>,
}

impl DpopKey {
    /// A fresh ES256 key, held in memory only (tokens bound to it serve this process only).
    pub fn generate() -> Result<Self, ConfigError> {
        let signer = Signer::generate_es256().map_err(|reason| ConfigError::Invalid {
            field: "DPoP key",
            reason,
        })?;
        Ok(Self::from_signer(signer))
    }

    /// Reads an EC P-256 private key in PKCS#8 PEM form (`BEGIN PRIVATE KEY`). A key of
    /// another kind or curve is refused with an error that says how to make a usable one; the
    /// error never contains key material.
    pub fn from_pem(pem: &[u8]) -> Result<Self, ConfigError> {
        let signer =
            Signer::from_pem(pem, Algorithm::ES256).map_err(|reason| ConfigError::Invalid {
                field: "DPoP key",
                reason: format!("not a usable ES256 (EC P-256) private key: {reason}"),
            })?;
        Ok(Self::from_signer(signer))
    }

    fn from_signer(signer: Signer) -> Self {
        Self {
            inner: Arc::new(Inner {
                signer,
                nonces: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it.
    pub fn thumbprint(&self) -> &str {
        self.inner.signer.thumbprint()
    }

    /// The public key as a JWK.
    pub fn public_jwk(&self) -> &Value {
        self.inner.signer.public_jwk()
    }

    /// A fresh proof for a request with `method` to `url` (its query and fragment are left out
    /// of `htu`), carrying `ath` when `access_token` is given and the nonce the URL's server
    /// sent last, if any.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the URL cannot be parsed or the key cannot sign.
    pub fn proof(
        &self,
        method: &Method,
        url: &str,
        access_token: Option<&str>,
    ) -> Result<String, Error> {
        self.proof_at(method, url, access_token, SystemTime::now())
    }

    pub(crate) fn proof_at(
        &self,
        method: &Method,
        url: &str,
        access_token: Option<&str>,
        now: SystemTime,
    ) -> Result<String, Error> {
        let (origin, htu) = split_url(url)?;
        let iat = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut claims = json!({
            "jti": crate::jws::random_uuid_simple(),
            "htm": method.as_str(),
            "htu": htu,
            "iat": iat,
        });
        if let Some(t) = access_token {
            claims["ath"] = Value::String(sha256_b64(t.as_bytes()));
        }
        if let Some(n) = self.nonce_for(&origin) {
            claims["nonce"] = Value::String(n);
        }
        let mut header = Map::new();
        header.insert("typ".to_owned(), Value::String("dpop+jwt".to_owned()));
        header.insert("jwk".to_owned(), self.public_jwk().clone());
        self.inner
            .signer
            .sign_jwt(header, &claims)
            .map_err(|reason| {
                Error::Config(ConfigError::Invalid {
                    field: "DPoP key",
                    reason: format!("cannot sign a DPoP proof: {reason}"),
                })
            })
    }

    fn nonce_for(&self, origin: &str) -> Option<String> {
        self.inner
            .nonces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(origin)
            .cloned()
    }

    /// Keeps the `DPoP-Nonce` an answer from `url`'s server carried, for the next proofs to
    /// that server. Returns whether the answer had one.
    pub fn remember_nonce(&self, url: &str, headers: &HeaderMap) -> bool {
        let Some(nonce) = headers
            .get(DPOP_NONCE_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|n| !n.is_empty() && n.len() <= 512)
        else {
            return false;
        };
        let Ok((origin, _)) = split_url(url) else {
            return false;
        };
        self.inner
            .nonces
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(origin, nonce.to_owned());
        true
    }

    /// Whether a resource server's answer asks for a (new) nonce: a `401` whose
    /// `WWW-Authenticate` names the `use_dpop_nonce` error (RFC 9449 §9).
    pub fn is_nonce_challenge(status: u16, headers: &HeaderMap) -> bool {
        status == 401
            && headers
                .get_all(http::header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("use_dpop_nonce"))
    }
}

/// The origin (for nonces) and the `htu` (scheme, host, port and path) of a URL.
fn split_url(url: &str) -> Result<(String, String), Error> {
    let mut u = url::Url::parse(url).map_err(|e| {
        Error::Config(ConfigError::InvalidUrl {
            url: url.to_owned(),
            reason: format!("not an absolute URL ({e})"),
        })
    })?;
    u.set_query(None);
    u.set_fragment(None);
    Ok((u.origin().ascii_serialization(), u.to_string()))
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("algorithm", &"ES256")
            .field("thumbprint", &self.thumbprint())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn part(jwt: &str, i: usize) -> Value {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(i).unwrap())
            .unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    #[test]
    fn a_proof_has_the_fields_of_rfc_9449() {
        let key = DpopKey::generate().unwrap();
        let p = key
            .proof(
                &Method::GET,
                "https://api.example.com/v1/things?x=1#f",
                Some("tok"),
            )
            .unwrap();
        let h = part(&p, 0);
        let c = part(&p, 1);
        assert_eq!(h["typ"], "dpop+jwt");
        assert_eq!(h["alg"], "ES256");
        assert_eq!(h["jwk"]["kty"], "EC");
        assert!(h["jwk"].get("d").is_none());
        assert_eq!(c["htm"], "GET");
        assert_eq!(c["htu"], "https://api.example.com/v1/things");
        // SHA-256 of "tok", base64url.
        assert_eq!(c["ath"], sha256_b64(b"tok"));
        assert!(c.get("nonce").is_none());
        let mut headers = HeaderMap::new();
        headers.insert(DPOP_NONCE_HEADER, "n-1".parse().unwrap());
        assert!(key.remember_nonce("https://api.example.com/other", &headers));
        let p2 = key
            .proof(&Method::POST, "https://api.example.com/v1", None)
            .unwrap();
        assert_eq!(part(&p2, 1)["nonce"], "n-1");
        assert_ne!(part(&p2, 1)["jti"], c["jti"]);
        // Another server does not get that nonce.
        let p3 = key
            .proof(&Method::POST, "https://other.example.com/", None)
            .unwrap();
        assert!(part(&p3, 1).get("nonce").is_none());
        assert!(!format!("{key:?}").contains(&p));
    }

    #[test]
    fn keys_of_the_wrong_kind_name_the_fix() {
        let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
            .unwrap()
            .serialize_pem();
        let e = DpopKey::from_pem(p384.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("P-384") && e.contains("P-256"), "{e}");
        let e = DpopKey::from_pem(b"nope").unwrap_err().to_string();
        assert!(e.contains("DPoP key"), "{e}");
        let p256 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .unwrap()
            .serialize_pem();
        let a = DpopKey::from_pem(p256.as_bytes()).unwrap();
        let b = DpopKey::from_pem(p256.as_bytes()).unwrap();
        assert_eq!(a.thumbprint(), b.thumbprint(), "same key, same thumbprint");
        let body = p256.lines().nth(1).unwrap();
        let dbg = format!("{a:?} {a:#?}");
        assert!(!dbg.contains(body) && dbg.contains("[REDACTED]"), "{dbg}");
    }
}
