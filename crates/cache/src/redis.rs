//! [`RedisCache`]: a cache shared by a fleet through Redis or Redis Cluster.

use std::fmt;
use std::time::{Duration, SystemTime};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use auth0_m2m_token::AccessToken;
use auth0_m2m_token::BoxFuture;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{
    ClientTlsConfig, ConnectionAddr, ConnectionInfo, FromRedisValue, IntoConnectionInfo,
    RedisError, Script, TlsCertificates,
};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::{ExposeSecret, SecretBox, SecretSlice};
use tokio::sync::OnceCell;

use crate::cache::{CacheError, Lease, StoreOutcome, TokenCache};
use crate::key::CacheKey;
use crate::record;

mod rate;

const ENC_PREFIX: &str = "enc1:";

/// Stores `val` and `exp` in the hash at KEYS[1] unless it holds a record expiring at the same
/// time or later. A key of another type is replaced.
const STORE_IF_NEWER: &str = r"
local t = redis.call('TYPE', KEYS[1])
if type(t) == 'table' then t = t.ok end
if t ~= 'none' and t ~= 'hash' then redis.call('DEL', KEYS[1]) end
local cur = tonumber(redis.call('HGET', KEYS[1], 'exp') or '')
if cur and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'exp', ARGV[1], 'val', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Replaces the record only if its value is still ARGV[1] (an unreadable record).
const REPLACE_IF_VALUE: &str = r"
if redis.call('HGET', KEYS[1], 'val') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'exp', ARGV[2], 'val', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
";

/// Deletes the record only if its value is still ARGV[1].
const DELETE_IF_VALUE: &str = r"
if redis.call('HGET', KEYS[1], 'val') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Deletes the lease only if it is still held by ARGV[1].
const RELEASE_LEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// A 256-bit AES-GCM key with an id, used to encrypt records at rest.
///
/// The id is stored in front of every encrypted value so that keys can be rotated: configure
/// the new key for encryption and keep the old one for decryption until old records expire.
pub struct EncryptionKey {
    id: String,
    key: SecretBox<[u8; 32]>,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("id", &self.id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl EncryptionKey {
    /// A key from its 32 bytes. The id: 1 to 32 characters of `A-Z a-z 0-9 _ -`.
    pub fn new(id: impl Into<String>, key: [u8; 32]) -> Result<Self, CacheError> {
        let id = id.into();
        if id.is_empty()
            || id.len() > 32
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(CacheError::Config(format!(
                "invalid encryption key id {id:?}: use 1 to 32 characters of A-Z a-z 0-9 _ -"
            )));
        }
        Ok(Self {
            id,
            key: SecretBox::new(Box::new(key)),
        })
    }

    /// A key from its standard base64 encoding (44 characters for 32 bytes).
    pub fn from_base64(id: impl Into<String>, key: &str) -> Result<Self, CacheError> {
        let bytes = B64
            .decode(key.trim())
            .map_err(|_| CacheError::Config("the encryption key is not valid base64".into()))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            CacheError::Config("the encryption key must be exactly 32 bytes (AES-256)".into())
        })?;
        Self::new(id, key)
    }

    /// A new random key.
    pub fn generate(id: impl Into<String>) -> Result<Self, CacheError> {
        Self::new(id, crate::cache::random_bytes())
    }

    /// The key id.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.key.expose_secret().into())
    }
}

enum Target {
    Single(Box<redis::Client>),
    Cluster(Box<ClusterClient>),
}

#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// Builds a [`RedisCache`]. Created by [`RedisCache::builder`] or
/// [`RedisCache::cluster_builder`].
///
/// | Setting | Default |
/// |---|---|
/// | credentials | those of the URL, if any |
/// | encryption | off |
/// | connection timeout | 2 s |
/// | response timeout | 2 s |
/// | TLS root certificates (`rediss://`) | the platform's root certificates |
/// | TLS client certificate (mTLS) | none |
pub struct RedisCacheBuilder {
    urls: Vec<String>,
    cluster: bool,
    username: Option<String>,
    password: Option<secrecy::SecretString>,
    encryption: Option<EncryptionKey>,
    decryption: Vec<EncryptionKey>,
    connect_timeout: Duration,
    response_timeout: Duration,
    root_certificates: Vec<Vec<u8>>,
    client_certificate: Option<ClientCertificate>,
}

/// A PEM client certificate chain and its private key, for mutual TLS.
struct ClientCertificate {
    chain: Vec<u8>,
    key: SecretSlice<u8>,
}

impl fmt::Debug for RedisCacheBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCacheBuilder")
            .field("nodes", &self.urls.len())
            .field("cluster", &self.cluster)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("encryption", &self.encryption)
            .field("decryption", &self.decryption)
            .field("root_certificate_pems", &self.root_certificates.len())
            .field(
                "client_certificate",
                &self.client_certificate.as_ref().map(|_| "[REDACTED]"),
            )
            .finish_non_exhaustive()
    }
}

impl RedisCacheBuilder {
    /// Username and password (Redis 6 ACL), overriding those of the URL.
    pub fn with_credentials(
        mut self,
        username: Option<impl Into<String>>,
        password: impl Into<String>,
    ) -> Self {
        self.username = username.map(Into::into);
        self.password = Some(secrecy::SecretString::from(password.into()));
        self
    }

    /// Encrypts every stored value with `key` (AES-256-GCM, the cache key as associated
    /// data). The stored value then contains no token. Values that fail to decrypt are misses.
    pub fn with_encryption(mut self, key: EncryptionKey) -> Self {
        self.encryption = Some(key);
        self
    }

    /// Adds an older key that is still accepted for decryption (key rotation).
    pub fn with_decryption_key(mut self, key: EncryptionKey) -> Self {
        self.decryption.push(key);
        self
    }

    /// The time limits of connecting and of one command (default 2 s each).
    pub fn with_timeouts(mut self, connect: Duration, response: Duration) -> Self {
        self.connect_timeout = connect;
        self.response_timeout = response;
        self
    }

    /// Trusts the CA certificates in `pem` (one or more `-----BEGIN CERTIFICATE-----` blocks)
    /// for `rediss://` connections: the way to reach a Redis whose certificate is issued by a
    /// private CA (self-hosted Redis, most managed Redis services).
    ///
    /// May be called several times; the certificates add up. Once at least one is given, the
    /// connection trusts exactly these certificates and no longer the platform's root
    /// certificates (the default), which also pins the connection to the private CA. The PEM is
    /// checked by [`build`](Self::build): text without a certificate, a malformed block or a
    /// certificate that cannot be a trust anchor is a [`CacheError::Config`].
    pub fn with_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Presents a client certificate for mutual TLS (`rediss://` servers that require client
    /// authentication, e.g. `tls-auth-clients yes`). Default: none.
    ///
    /// `certificate_chain_pem` holds the client certificate first, then any intermediate CA
    /// certificates; `private_key_pem` holds its private key (PKCS#8 `PRIVATE KEY`, PKCS#1
    /// `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`). The key is kept as a secret: it never
    /// appears in `Debug` output or error messages. [`build`](Self::build) checks both and
    /// that the key belongs to the certificate; a mismatch is a [`CacheError::Config`].
    pub fn with_client_certificate_pem(
        mut self,
        certificate_chain_pem: impl Into<Vec<u8>>,
        private_key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.client_certificate = Some(ClientCertificate {
            chain: certificate_chain_pem.into(),
            key: SecretSlice::from(private_key_pem.into()),
        });
        self
    }

    /// The TLS certificates to hand to redis-rs, after checking them; `None` when no TLS
    /// option is set (plain `rediss://` with the platform's roots).
    fn tls_certificates(
        &self,
        infos: &[ConnectionInfo],
    ) -> Result<Option<TlsCertificates>, CacheError> {
        if self.root_certificates.is_empty() && self.client_certificate.is_none() {
            return Ok(None);
        }
        if let Some(i) = infos
            .iter()
            .position(|info| !matches!(info.addr(), ConnectionAddr::TcpTls { .. }))
        {
            return Err(CacheError::Config(format!(
                "TLS certificates are configured but Redis URL #{} does not use the rediss:// scheme",
                i + 1
            )));
        }
        let root_cert = if self.root_certificates.is_empty() {
            None
        } else {
            let mut store = rustls::RootCertStore::empty();
            for (i, pem) in self.root_certificates.iter().enumerate() {
                let what = format!("root certificate PEM #{}", i + 1);
                for cert in parse_certificates(pem, &what)? {
                    store.add(cert).map_err(|e| {
                        CacheError::Config(format!(
                            "{what} holds a certificate that cannot be a trust anchor: {e}"
                        ))
                    })?;
                }
            }
            Some(self.root_certificates.join(&b"\n"[..]))
        };
        let client_tls = match &self.client_certificate {
            None => None,
            Some(c) => {
                let chain = parse_certificates(&c.chain, "client certificate PEM")?;
                let key = parse_private_key(c.key.expose_secret())?;
                rustls::sign::CertifiedKey::from_der(
                    chain,
                    key,
                    &rustls::crypto::ring::default_provider(),
                )
                .map_err(|e| {
                    CacheError::Config(match e {
                        rustls::Error::InconsistentKeys(_) => {
                            "the client private key does not belong to the client certificate"
                                .into()
                        }
                        other => format!("the client certificate or key is not usable: {other}"),
                    })
                })?;
                Some(ClientTlsConfig {
                    client_cert: c.chain.clone(),
                    client_key: c.key.expose_secret().to_vec(),
                })
            }
        };
        Ok(Some(TlsCertificates {
            client_tls,
            root_cert,
        }))
    }

    /// Validates the URLs and TLS settings and builds the cache. Nothing is connected yet: the
    /// connection is made on first use and re-made after failures, so a Redis that is down at
    /// startup is not an error here.
    pub fn build(self) -> Result<RedisCache, CacheError> {
        if self.urls.is_empty() {
            return Err(CacheError::Config("no Redis URL given".into()));
        }
        let config_err = |e: RedisError| {
            CacheError::Config(format!("invalid Redis URL: {}", redact_redis_error(&e)))
        };
        let mut infos = Vec::new();
        for url in &self.urls {
            infos.push(url.as_str().into_connection_info().map_err(config_err)?);
        }
        let tls = self.tls_certificates(&infos)?;
        let tls_err = |e: RedisError| {
            CacheError::Config(format!("invalid TLS settings: {}", redact_redis_error(&e)))
        };
        let target = if self.cluster {
            let mut b = ClusterClient::builder(infos)
                .connection_timeout(self.connect_timeout)
                .response_timeout(self.response_timeout);
            if let Some(u) = &self.username {
                b = b.username(u);
            }
            if let Some(p) = &self.password {
                b = b.password(p.expose_secret());
            }
            let with_tls = tls.is_some();
            if let Some(certs) = tls {
                b = b.certs(certs);
            }
            let client = b
                .build()
                .map_err(if with_tls { tls_err } else { config_err })?;
            Target::Cluster(Box::new(client))
        } else {
            let mut info = infos.swap_remove(0);
            if self.username.is_some() || self.password.is_some() {
                let mut settings = info.redis_settings().clone();
                if let Some(u) = &self.username {
                    settings = settings.set_username(u);
                }
                if let Some(p) = &self.password {
                    settings = settings.set_password(p.expose_secret());
                }
                info = info.set_redis_settings(settings);
            }
            let client = match tls {
                Some(certs) => redis::Client::build_with_tls(info, certs).map_err(tls_err)?,
                None => redis::Client::open(info).map_err(config_err)?,
            };
            Target::Single(Box::new(client))
        };
        Ok(RedisCache {
            target,
            tls_roots: self.root_certificates.len(),
            mutual_tls: self.client_certificate.is_some(),
            conn: OnceCell::new(),
            encryption: self.encryption,
            decryption: self.decryption,
            connect_timeout: self.connect_timeout,
            response_timeout: self.response_timeout,
        })
    }
}

/// A Redis (or Redis Cluster) cache shared by every process of a fleet.
///
/// - Each record is a hash `{exp, val}` whose time to live follows the token's expiry.
/// - Stores are atomic and newer-wins (a Lua script compares expiries).
/// - The refresh lease is `SET <key>:lease <random id> NX PX <ttl>`, released by a
///   compare-and-delete script, so a lease that outlived its time limit is never released by
///   its former holder.
/// - With [`RedisCacheBuilder::with_encryption`], `val` is AES-256-GCM ciphertext (prefixed
///   with the key id) bound to the cache key; Redis never sees the token.
/// - `redis://`, `rediss://` (TLS), username and password in the URL or through
///   [`RedisCacheBuilder::with_credentials`].
///
/// # TLS
///
/// `rediss://` connections use rustls (ring provider) and, by default, trust the platform's
/// root certificates. A Redis whose certificate comes from a private CA is reached by trusting
/// that CA with [`RedisCacheBuilder::with_root_certificates_pem`] (which then replaces the
/// platform's roots); a server that authenticates clients (mutual TLS) gets a certificate
/// from [`RedisCacheBuilder::with_client_certificate_pem`]. Both are checked when the cache
/// is built, so a malformed PEM, a key that does not belong to its certificate or a TLS
/// option with a `redis://` URL is a [`CacheError::Config`]; an untrusted server certificate
/// is a [`CacheError::Backend`] on first use, within the connection timeout.
///
/// ```no_run
/// use auth0_m2m_cache::RedisCache;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cache = RedisCache::builder("rediss://redis.internal:6380")
///     .with_root_certificates_pem(std::fs::read("/etc/redis/tls/ca.crt")?)
///     // Only for servers that require client certificates:
///     .with_client_certificate_pem(
///         std::fs::read("/etc/redis/tls/client.crt")?,
///         std::fs::read("/etc/redis/tls/client.key")?,
///     )
///     .build()?;
/// # drop(cache);
/// # Ok(())
/// # }
/// ```
///
/// # Redis Cluster
///
/// [`RedisCache::cluster_builder`] takes the URLs of some cluster nodes (the others are
/// discovered). Every command and script touches exactly one key (the record `<key>`, or the
/// lease `<key>:lease`), so no operation spans hash slots and the key layout is the same as
/// with a single server: a record and its lease may live on different nodes, which is fine
/// because the store, compare-and-delete and lease scripts each work on one of them only.
/// TLS settings apply to every node.
///
/// The connection is made lazily and re-made after failures (a reconnecting connection
/// manager), so the cache recovers by itself when Redis comes back.
pub struct RedisCache {
    target: Target,
    tls_roots: usize,
    mutual_tls: bool,
    conn: OnceCell<Conn>,
    encryption: Option<EncryptionKey>,
    decryption: Vec<EncryptionKey>,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCache")
            .field(
                "mode",
                &match self.target {
                    Target::Single(_) => "single",
                    Target::Cluster(_) => "cluster",
                },
            )
            .field("encryption", &self.encryption)
            .field("decryption", &self.decryption)
            .field("root_certificate_pems", &self.tls_roots)
            .field("mutual_tls", &self.mutual_tls)
            .finish_non_exhaustive()
    }
}

/// The certificates of a PEM text: at least one, every block well-formed.
fn parse_certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, CacheError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CacheError::Config(format!("{what} is malformed: {}", pem_problem(&e))))?;
    if certs.is_empty() {
        return Err(CacheError::Config(format!(
            "{what} holds no certificate (expected -----BEGIN CERTIFICATE----- blocks)"
        )));
    }
    Ok(certs)
}

/// The private key of a PEM text. The messages never quote the text.
fn parse_private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, CacheError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        CacheError::Config(match e {
            pem::Error::NoItemsFound => "the client private key PEM holds no private key \
                (expected a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block)"
                .into(),
            other => format!(
                "the client private key PEM is malformed: {}",
                pem_problem(&other)
            ),
        })
    })
}

/// A description of a PEM error that quotes nothing of the input (which may be a key).
fn pem_problem(e: &pem::Error) -> &'static str {
    match e {
        pem::Error::MissingSectionEnd { .. } => "a section has no -----END line",
        pem::Error::IllegalSectionStart { .. } => "a -----BEGIN line is malformed",
        pem::Error::Base64Decode(_) => "a section is not valid base64",
        pem::Error::NoItemsFound => "no PEM section found",
        _ => "the PEM text cannot be read",
    }
}

/// A Redis error as a message that never includes a password from a URL.
fn redact_redis_error(e: &RedisError) -> String {
    let msg = e.to_string();
    // redis-rs does not include URLs or credentials in its messages; keep only the first line
    // in case a server message is long.
    msg.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

fn backend_err(op: &str, e: RedisError) -> CacheError {
    CacheError::Backend {
        backend: "redis",
        message: format!("{op}: {}", redact_redis_error(&e)),
        source: None,
    }
}

fn to_millis(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl RedisCache {
    /// A builder for a single Redis server at `url` (`redis://[user:password@]host[:port][/db]`
    /// or `rediss://…` for TLS).
    pub fn builder(url: impl Into<String>) -> RedisCacheBuilder {
        Self::make_builder(vec![url.into()], false)
    }

    /// A builder for a Redis Cluster reachable through the given node URLs.
    pub fn cluster_builder<I, S>(urls: I) -> RedisCacheBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::make_builder(urls.into_iter().map(Into::into).collect(), true)
    }

    fn make_builder(urls: Vec<String>, cluster: bool) -> RedisCacheBuilder {
        RedisCacheBuilder {
            urls,
            cluster,
            username: None,
            password: None,
            encryption: None,
            decryption: Vec::new(),
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(2),
            root_certificates: Vec::new(),
            client_certificate: None,
        }
    }

    async fn conn(&self) -> Result<Conn, CacheError> {
        self.conn
            .get_or_try_init(|| async {
                match &self.target {
                    Target::Single(client) => {
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(self.connect_timeout))
                            .set_response_timeout(Some(self.response_timeout))
                            .set_number_of_retries(2)
                            .set_max_delay(Duration::from_secs(1));
                        ConnectionManager::new_with_config((**client).clone(), config)
                            .await
                            .map(Conn::Single)
                    }
                    Target::Cluster(client) => {
                        client.get_async_connection().await.map(Conn::Cluster)
                    }
                }
            })
            .await
            .cloned()
            .map_err(|e| backend_err("connect", e))
    }

    async fn cmd<T: FromRedisValue>(&self, op: &str, cmd: &redis::Cmd) -> Result<T, CacheError> {
        let r = match self.conn().await? {
            Conn::Single(mut c) => cmd.query_async(&mut c).await,
            Conn::Cluster(mut c) => cmd.query_async(&mut c).await,
        };
        r.map_err(|e| backend_err(op, e))
    }

    async fn script<T: FromRedisValue>(
        &self,
        op: &str,
        inv: &redis::ScriptInvocation<'_>,
    ) -> Result<T, CacheError> {
        let r = match self.conn().await? {
            Conn::Single(mut c) => inv.invoke_async(&mut c).await,
            Conn::Cluster(mut c) => inv.invoke_async(&mut c).await,
        };
        r.map_err(|e| backend_err(op, e))
    }

    fn seal(&self, key: &CacheKey, token: &AccessToken) -> String {
        let plain = record::encode(token);
        match &self.encryption {
            None => String::from_utf8(plain).unwrap_or_default(),
            Some(k) => {
                let nonce: [u8; 12] = crate::cache::random_bytes();
                let ct = k
                    .cipher()
                    .encrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: &plain,
                            aad: key.as_str().as_bytes(),
                        },
                    )
                    .unwrap_or_default();
                let mut blob = nonce.to_vec();
                blob.extend_from_slice(&ct);
                format!("{ENC_PREFIX}{}:{}", k.id, B64.encode(blob))
            }
        }
    }

    /// Decodes a stored value; `None` when it is unreadable, or plain while encryption is on.
    fn open(&self, key: &CacheKey, value: &str) -> Option<AccessToken> {
        let Some(rest) = value.strip_prefix(ENC_PREFIX) else {
            // Plain records are accepted only when encryption is off.
            return match self.encryption {
                None => record::decode(value.as_bytes()),
                Some(_) => None,
            };
        };
        let (id, b64) = rest.split_once(':')?;
        let k = self
            .encryption
            .iter()
            .chain(&self.decryption)
            .find(|k| k.id == id)?;
        let blob = B64.decode(b64).ok()?;
        if blob.len() < 12 + 16 {
            return None;
        }
        let (nonce, ct) = blob.split_at(12);
        let plain = k
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: key.as_str().as_bytes(),
                },
            )
            .ok()?;
        record::decode(&plain)
    }

    async fn raw_value(&self, key: &CacheKey) -> Result<Option<String>, CacheError> {
        match self
            .cmd::<Option<String>>("get", redis::cmd("HGET").arg(key.as_str()).arg("val"))
            .await
        {
            Err(CacheError::Backend { message, .. }) if message.contains("WRONGTYPE") => Ok(None),
            other => other,
        }
    }

    fn lease_key(key: &CacheKey) -> String {
        format!("{key}:lease")
    }
}

fn ttl_millis(token: &AccessToken) -> u64 {
    token
        .remaining_at(SystemTime::now())
        .as_millis()
        .clamp(1, u128::from(u64::MAX)) as u64
}

impl TokenCache for RedisCache {
    fn get<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
    ) -> BoxFuture<'fut, Result<Option<AccessToken>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move { Ok(self.raw_value(key).await?.and_then(|v| self.open(key, &v))) })
    }

    fn store_if_newer<'a, 'b, 'c, 'fut>(
        &'a self,
        key: &'b CacheKey,
        token: &'c AccessToken,
    ) -> BoxFuture<'fut, Result<StoreOutcome, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        'c: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let exp = to_millis(token.expires_at());
            let value = self.seal(key, token);
            let ttl = ttl_millis(token);
            let stored: i64 = self
                .script(
                    "store",
                    Script::new(STORE_IF_NEWER)
                        .key(key.as_str())
                        .arg(exp)
                        .arg(&value)
                        .arg(ttl),
                )
                .await?;
            if stored == 1 {
                return Ok(StoreOutcome::Stored);
            }
            // The stored record claims to be newer; if it cannot be read, replace it.
            match self.raw_value(key).await? {
                Some(current) if self.open(key, &current).is_none() => {
                    let replaced: i64 = self
                        .script(
                            "store",
                            Script::new(REPLACE_IF_VALUE)
                                .key(key.as_str())
                                .arg(&current)
                                .arg(exp)
                                .arg(&value)
                                .arg(ttl),
                        )
                        .await?;
                    Ok(if replaced == 1 {
                        StoreOutcome::Stored
                    } else {
                        StoreOutcome::NotNewer
                    })
                }
                _ => Ok(StoreOutcome::NotNewer),
            }
        })
    }

    fn remove_if_matches<'a, 'b, 'c, 'fut>(
        &'a self,
        key: &'b CacheKey,
        token: &'c AccessToken,
    ) -> BoxFuture<'fut, Result<bool, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        'c: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let Some(current) = self.raw_value(key).await? else {
                return Ok(false);
            };
            if !self
                .open(key, &current)
                .is_some_and(|t| t.same_secret(token))
            {
                return Ok(false);
            }
            let removed: i64 = self
                .script(
                    "remove",
                    Script::new(DELETE_IF_VALUE).key(key.as_str()).arg(&current),
                )
                .await?;
            Ok(removed == 1)
        })
    }

    fn try_acquire_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        ttl: Duration,
    ) -> BoxFuture<'fut, Result<Option<Lease>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let id = Lease::random_id();
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let ok: Option<String> = self
                .cmd(
                    "lease",
                    redis::cmd("SET")
                        .arg(Self::lease_key(key))
                        .arg(&id)
                        .arg("NX")
                        .arg("PX")
                        .arg(ms),
                )
                .await?;
            Ok(ok.map(|_| Lease::new(id)))
        })
    }

    fn release_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        lease: Lease,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let _: i64 = self
                .script(
                    "release",
                    Script::new(RELEASE_LEASE)
                        .key(Self::lease_key(key))
                        .arg(lease.id()),
                )
                .await?;
            Ok(())
        })
    }

    fn backend_name(&self) -> &'static str {
        "redis"
    }

    fn rate_store(self: std::sync::Arc<Self>) -> Option<std::sync::Arc<dyn crate::RateStore>> {
        Some(self)
    }
}
