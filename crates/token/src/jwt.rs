//! `private_key_jwt` client authentication (RFC 7523): the signing keys, their rotation and the
//! client assertions, as Auth0 checks them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use crate::error::ConfigError;
use crate::jws::{Algorithm, Signer};

/// How long a client assertion is valid by default: 60 seconds (Auth0 recommends one minute).
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(60);

/// The longest assertion lifetime accepted: 5 minutes, the most Auth0 allows between `iat`
/// and `exp`.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The largest client assertion Auth0 accepts: 2,048 bytes.
pub const MAX_ASSERTION_BYTES: usize = 2048;

/// The longest `jti` Auth0 accepts: 64 characters.
pub const MAX_JTI_CHARS: usize = 64;

/// The most signing keys a client holds at once: 2, as Auth0 registers at most two
/// credentials per client.
pub const MAX_SIGNING_KEYS: usize = 2;

/// The `client_assertion_type` of a JWT client assertion.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A private key that signs client assertions. `Debug` shows the algorithm, key id and
/// thumbprint only.
///
/// Its key id (`kid`) is the one set with [`with_key_id`](Self::with_key_id), else the RFC 7638
/// thumbprint of its public key: the `kid` Auth0 assigns to a credential registered without
/// one.
#[derive(Clone)]
pub struct PrivateKey {
    signer: Arc<Signer>,
    key_id: Option<String>,
}

impl PrivateKey {
    /// Reads a PEM private key for `algorithm`.
    ///
    /// RSA keys (`RS256`, `RS384`, `PS256`) may be PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
    /// (`BEGIN PRIVATE KEY`), 2,048 to 8,192 bits; EC P-256 keys (`ES256`) must be PKCS#8. The
    /// key is checked by signing a probe, so a key that does not match the algorithm is refused
    /// here rather than on the first request. Errors name the fix and never contain key
    /// material.
    pub fn from_pem(pem: &[u8], algorithm: Algorithm) -> Result<Self, ConfigError> {
        let signer = Signer::from_pem(pem, algorithm).map_err(|reason| ConfigError::Invalid {
            field: "private key",
            reason: format!("not a usable {algorithm} PEM private key: {reason}"),
        })?;
        Ok(Self {
            signer: Arc::new(signer),
            key_id: None,
        })
    }

    /// Sets the `kid` header of the assertions: the key id of the credential registered with
    /// the server (default: the key's RFC 7638 thumbprint, which Auth0 assigns when a
    /// credential is registered without a `kid`).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.signer.algorithm()
    }

    /// The key id set with [`with_key_id`](Self::with_key_id), if any.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The RFC 7638 JWK thumbprint of the public key (base64url SHA-256).
    pub fn thumbprint(&self) -> &str {
        self.signer.thumbprint()
    }

    /// The public key as a JWK (`kty`, `n`, `e` or `crv`, `x`, `y`), to register it with a
    /// server.
    pub fn public_jwk(&self) -> &Value {
        self.signer.public_jwk()
    }

    /// The `kid` sent in the assertion header: the one set, else for Auth0 the thumbprint;
    /// other servers get no `kid` unless one was set.
    fn header_kid(&self, auth0: bool) -> Option<&str> {
        match &self.key_id {
            Some(k) => Some(k),
            None if auth0 => Some(self.signer.thumbprint()),
            None => None,
        }
    }

    /// Signs a fresh assertion: `iss` = `sub` = client id, `aud`, a random `jti`, `iat` = now,
    /// `exp` = now + `lifetime`. The error is a secret-free description.
    pub(crate) fn sign_assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: SystemTime,
        lifetime: Duration,
        auth0: bool,
    ) -> Result<String, String> {
        let iat = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| "the system clock is before 1970".to_owned())?
            .as_secs();
        // 32 hex characters: unique, and well under Auth0's 64.
        let jti = crate::jws::random_uuid_simple();
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": iat,
            "exp": iat + lifetime.as_secs(),
            "jti": jti,
        });
        let mut header = Map::new();
        header.insert("typ".to_owned(), Value::String("JWT".to_owned()));
        if let Some(kid) = self.header_kid(auth0) {
            header.insert("kid".to_owned(), Value::String(kid.to_owned()));
        }
        self.signer.sign_jwt(header, &claims)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .field("key_id", &self.key_id)
            .field("thumbprint", &self.thumbprint())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// A private key read from a file, and read again whenever the file changes on disk (its
/// modification time or size), so that an operator rotates keys without a restart.
///
/// A file that cannot be read or parsed after a change keeps the key read before (with a
/// warning in the log); a file that disappears empties its slot until it comes back. `Debug`
/// shows the path, algorithm and key id only.
#[derive(Clone, Debug)]
pub struct PrivateKeyFile {
    path: PathBuf,
    algorithm: Algorithm,
    key_id: Option<String>,
}

impl PrivateKeyFile {
    /// A key file read as a PEM private key for `algorithm` (see [`PrivateKey::from_pem`]).
    pub fn new(path: impl Into<PathBuf>, algorithm: Algorithm) -> Self {
        Self {
            path: path.into(),
            algorithm,
            key_id: None,
        }
    }

    /// Sets the key id of the credential (default: the key's thumbprint, see [`PrivateKey`]).
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn load(&self) -> Result<(Stamp, PrivateKey), String> {
        let stamp = Stamp::of(&self.path).ok_or_else(|| "the file does not exist".to_owned())?;
        let pem = std::fs::read(&self.path).map_err(|e| format!("cannot read it: {e}"))?;
        let mut key = PrivateKey::from_pem(&pem, self.algorithm).map_err(|e| e.to_string())?;
        if let Some(kid) = &self.key_id {
            key = key.with_key_id(kid.clone());
        }
        Ok((stamp, key))
    }
}

/// What identifies a version of a file: modification time and size.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp(Option<SystemTime>, u64);

impl Stamp {
    fn of(path: &Path) -> Option<Self> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp(m.modified().ok(), m.len()))
    }
}

enum Slot {
    Fixed(PrivateKey),
    File {
        spec: PrivateKeyFile,
        loaded: Mutex<Option<(Stamp, PrivateKey)>>,
    },
}

impl Slot {
    /// The slot's key now, re-reading its file when it changed.
    fn current(&self) -> Option<PrivateKey> {
        match self {
            Slot::Fixed(k) => Some(k.clone()),
            Slot::File { spec, loaded } => {
                let mut guard = loaded.lock().unwrap_or_else(|p| p.into_inner());
                match Stamp::of(&spec.path) {
                    None => {
                        if guard.take().is_some() {
                            tracing::info!(path = %spec.path.display(), "private key file removed; its slot is empty");
                        }
                        None
                    }
                    Some(stamp) if guard.as_ref().is_some_and(|(s, _)| *s == stamp) => {
                        guard.as_ref().map(|(_, k)| k.clone())
                    }
                    Some(_) => match spec.load() {
                        Ok((stamp, key)) => {
                            tracing::info!(path = %spec.path.display(), algorithm = %key.algorithm(), kid = ?key.key_id(), thumbprint = key.thumbprint(), "private key file read");
                            *guard = Some((stamp, key.clone()));
                            Some(key)
                        }
                        Err(reason) => {
                            tracing::warn!(path = %spec.path.display(), %reason, "private key file changed but cannot be used; keeping the key read before");
                            guard.as_ref().map(|(_, k)| k.clone())
                        }
                    },
                }
            }
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Slot::Fixed(k) => k.algorithm(),
            Slot::File { spec, .. } => spec.algorithm,
        }
    }
}

/// Up to two signing keys, the preferred one first tried.
pub(crate) struct KeyRing {
    slots: Vec<Slot>,
    preferred: AtomicUsize,
}

impl KeyRing {
    pub(crate) fn single(key: PrivateKey) -> Self {
        Self {
            slots: vec![Slot::Fixed(key)],
            preferred: AtomicUsize::new(0),
        }
    }

    pub(crate) fn fixed(keys: Vec<PrivateKey>) -> Result<Self, ConfigError> {
        Self::new(keys.into_iter().map(Slot::Fixed).collect())
    }

    pub(crate) fn files(files: Vec<PrivateKeyFile>) -> Result<Self, ConfigError> {
        let mut slots = Vec::new();
        for (i, spec) in files.into_iter().enumerate() {
            // The first key must be there from the start; a second one may appear later.
            let loaded = match spec.load() {
                Ok(l) => Some(l),
                Err(reason) if i == 0 || spec.path.exists() => {
                    return Err(ConfigError::Invalid {
                        field: "private key",
                        reason: format!("{}: {reason}", spec.path.display()),
                    });
                }
                Err(_) => None,
            };
            slots.push(Slot::File {
                spec,
                loaded: Mutex::new(loaded),
            });
        }
        Self::new(slots)
    }

    fn new(slots: Vec<Slot>) -> Result<Self, ConfigError> {
        if slots.is_empty() || slots.len() > MAX_SIGNING_KEYS {
            return Err(ConfigError::Invalid {
                field: "private key",
                reason: format!(
                    "{} keys given; give one key, or two while rotating (Auth0 registers at most two credentials per client)",
                    slots.len()
                ),
            });
        }
        Ok(Self {
            slots,
            preferred: AtomicUsize::new(0),
        })
    }

    pub(crate) fn algorithms(&self) -> impl Iterator<Item = Algorithm> + '_ {
        self.slots.iter().map(Slot::algorithm)
    }

    /// The keys available now, preferred first, with their slot index.
    pub(crate) fn candidates(&self) -> Vec<(usize, PrivateKey)> {
        let first = self.preferred.load(Ordering::Relaxed) % self.slots.len();
        let mut out = Vec::with_capacity(self.slots.len());
        for i in (0..self.slots.len()).map(|o| (first + o) % self.slots.len()) {
            if let Some(k) = self.slots[i].current() {
                out.push((i, k));
            }
        }
        out
    }

    /// Remembers that slot `i` worked.
    pub(crate) fn prefer(&self, i: usize) {
        let old = self.preferred.swap(i, Ordering::Relaxed);
        if old != i {
            tracing::info!(
                slot = i,
                "the token endpoint accepted the other signing key; it is preferred from now on"
            );
        }
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for s in &self.slots {
            match s {
                Slot::Fixed(k) => l.entry(k),
                Slot::File { spec, .. } => l.entry(spec),
            };
        }
        l.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_with_a_clear_error() {
        for alg in [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::PS256,
            Algorithm::ES256,
        ] {
            let err = PrivateKey::from_pem(b"not a pem", alg).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("invalid private key"), "{msg}");
            assert!(msg.contains(alg.name()), "{msg}");
        }
    }

    #[test]
    fn more_than_two_keys_are_refused() {
        let e = KeyRing::fixed(Vec::new()).unwrap_err().to_string();
        assert!(e.contains("two"), "{e}");
    }
}
