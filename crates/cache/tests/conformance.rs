//! One conformance suite, run against every backend.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth0_m2m_cache::{
    CacheError, CacheKey, CacheKeyParts, Lease, MemoryCache, StoreOutcome, TokenCache, record,
};
use auth0_m2m_token::AccessToken;

fn unique_prefix(name: &str) -> String {
    format!("auth0-m2m-test:{name}:{}:", Lease::random_id())
}

fn key(prefix: &str, client: &str) -> CacheKey {
    CacheKey::derive(
        prefix,
        &CacheKeyParts::new("https://t.test/oauth/token", client),
    )
}

fn token(secret: &str, expires_in: u64) -> AccessToken {
    let now = SystemTime::now();
    AccessToken::new(
        secret,
        "Bearer",
        vec!["read:clients".into(), "read:users".into()],
        now + Duration::from_secs(expires_in),
        now,
    )
}

/// The behaviour every backend must have.
async fn conformance(cache: Arc<dyn TokenCache>, prefix: &str) {
    let k = key(prefix, "a");
    let other = key(prefix, "b");

    // Empty.
    assert!(cache.get(&k).await.unwrap().is_none());

    // Store and read back every field.
    let t1 = token("token-one", 3600);
    assert_eq!(
        cache.store_if_newer(&k, &t1).await.unwrap(),
        StoreOutcome::Stored
    );
    let got = cache.get(&k).await.unwrap().expect("stored");
    assert!(got.same_secret(&t1));
    assert_eq!(got.token_type(), "Bearer");
    assert_eq!(got.scopes(), t1.scopes());
    let ms = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    };
    assert_eq!(ms(got.expires_at()), ms(t1.expires_at()));
    assert_eq!(ms(got.obtained_at()), ms(t1.obtained_at()));
    assert!(
        cache.get(&other).await.unwrap().is_none(),
        "keys are independent"
    );

    // Newer wins; older and equal are refused.
    let older = token("token-older", 1800);
    assert_eq!(
        cache.store_if_newer(&k, &older).await.unwrap(),
        StoreOutcome::NotNewer
    );
    assert_eq!(
        cache.store_if_newer(&k, &t1).await.unwrap(),
        StoreOutcome::NotNewer
    );
    assert!(cache.get(&k).await.unwrap().unwrap().same_secret(&t1));
    let t2 = token("token-two", 7200);
    assert_eq!(
        cache.store_if_newer(&k, &t2).await.unwrap(),
        StoreOutcome::Stored
    );
    assert!(cache.get(&k).await.unwrap().unwrap().same_secret(&t2));

    // Compare-and-remove.
    assert!(
        !cache.remove_if_matches(&k, &t1).await.unwrap(),
        "a stale token removes nothing"
    );
    assert!(cache.get(&k).await.unwrap().is_some());
    assert!(!cache.remove_if_matches(&other, &t2).await.unwrap());
    assert!(cache.remove_if_matches(&k, &t2).await.unwrap());
    assert!(cache.get(&k).await.unwrap().is_none());
    assert!(!cache.remove_if_matches(&k, &t2).await.unwrap());
    // After removal any token may be stored again.
    assert_eq!(
        cache.store_if_newer(&k, &older).await.unwrap(),
        StoreOutcome::Stored
    );

    // Lease: exclusive, released, per key.
    let ttl = Duration::from_secs(30);
    let l1 = cache
        .try_acquire_lease(&k, ttl)
        .await
        .unwrap()
        .expect("free lease");
    assert!(
        cache.try_acquire_lease(&k, ttl).await.unwrap().is_none(),
        "exclusive"
    );
    let lo = cache
        .try_acquire_lease(&other, ttl)
        .await
        .unwrap()
        .expect("other key is free");
    cache.release_lease(&k, l1).await.unwrap();
    let l2 = cache
        .try_acquire_lease(&k, ttl)
        .await
        .unwrap()
        .expect("released");
    assert!(cache.try_acquire_lease(&k, ttl).await.unwrap().is_none());
    cache.release_lease(&k, l2).await.unwrap();
    cache.release_lease(&other, lo).await.unwrap();

    // Concurrent stores: the newest wins.
    let mut tasks = Vec::new();
    for i in 0..16u64 {
        let cache = Arc::clone(&cache);
        let k = k.clone();
        tasks.push(tokio::spawn(async move {
            let t = token(&format!("concurrent-{i}"), 10_000 + i * 10);
            cache.store_if_newer(&k, &t).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(cache.get(&k).await.unwrap().unwrap().expose_secret() == "concurrent-15");

    // Clean up.
    let last = cache.get(&k).await.unwrap().unwrap();
    assert!(cache.remove_if_matches(&k, &last).await.unwrap());
    assert!(cache.remove_if_matches(&other, &last).await.is_ok());
}

#[tokio::test]
async fn memory_cache_conforms() {
    conformance(Arc::new(MemoryCache::new()), &unique_prefix("memory")).await;
}

#[tokio::test]
async fn memory_cache_debug_hides_tokens() {
    let cache = MemoryCache::new();
    let k = key(&unique_prefix("memory-debug"), "a");
    cache
        .store_if_newer(&k, &token("very-secret-token", 60))
        .await
        .unwrap();
    let dbg = format!("{cache:?} {cache:#?}");
    assert!(!dbg.contains("very-secret-token"), "{dbg}");
    assert!(dbg.contains("entries: 1"), "{dbg}");
}

#[tokio::test]
async fn memory_lease_ends_after_its_ttl() {
    tokio::time::pause();
    let cache = MemoryCache::new();
    let k = key(&unique_prefix("memory-ttl"), "a");
    let _l = cache
        .try_acquire_lease(&k, Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    tokio::time::advance(Duration::from_secs(4)).await;
    assert!(
        cache
            .try_acquire_lease(&k, Duration::from_secs(5))
            .await
            .unwrap()
            .is_none()
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    assert!(
        cache
            .try_acquire_lease(&k, Duration::from_secs(5))
            .await
            .unwrap()
            .is_some()
    );
}

/// A backend written by a user of the crate: encoded records in a map.
#[derive(Debug, Default)]
struct MapCache {
    records: Mutex<HashMap<String, Vec<u8>>>,
    leases: Mutex<HashMap<String, String>>,
}

fn poisoned<T>(_: T) -> CacheError {
    CacheError::backend("map", "lock poisoned")
}

#[async_trait]
impl TokenCache for MapCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>, CacheError> {
        let map = self.records.lock().map_err(poisoned)?;
        Ok(map.get(key.as_str()).and_then(|b| record::decode(b)))
    }

    async fn store_if_newer(
        &self,
        key: &CacheKey,
        token: &AccessToken,
    ) -> Result<StoreOutcome, CacheError> {
        let mut map = self.records.lock().map_err(poisoned)?;
        if let Some(current) = map.get(key.as_str()).and_then(|b| record::decode(b))
            && !record::is_newer(token, &current)
        {
            return Ok(StoreOutcome::NotNewer);
        }
        map.insert(key.as_str().to_owned(), record::encode(token));
        Ok(StoreOutcome::Stored)
    }

    async fn remove_if_matches(
        &self,
        key: &CacheKey,
        token: &AccessToken,
    ) -> Result<bool, CacheError> {
        let mut map = self.records.lock().map_err(poisoned)?;
        let matches = map
            .get(key.as_str())
            .and_then(|b| record::decode(b))
            .is_some_and(|t| t.same_secret(token));
        if matches {
            map.remove(key.as_str());
        }
        Ok(matches)
    }

    async fn try_acquire_lease(
        &self,
        key: &CacheKey,
        _ttl: Duration,
    ) -> Result<Option<Lease>, CacheError> {
        let mut leases = self.leases.lock().map_err(poisoned)?;
        if leases.contains_key(key.as_str()) {
            return Ok(None);
        }
        let id = Lease::random_id();
        leases.insert(key.as_str().to_owned(), id.clone());
        Ok(Some(Lease::new(id)))
    }

    async fn release_lease(&self, key: &CacheKey, lease: Lease) -> Result<(), CacheError> {
        let mut leases = self.leases.lock().map_err(poisoned)?;
        if leases.get(key.as_str()).is_some_and(|id| id == lease.id()) {
            leases.remove(key.as_str());
        }
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "map"
    }
}

#[tokio::test]
async fn custom_backend_conforms() {
    conformance(Arc::new(MapCache::default()), &unique_prefix("custom")).await;
}

#[tokio::test]
async fn custom_backend_corrupt_record_is_a_miss() {
    let cache = MapCache::default();
    let k = key(&unique_prefix("custom-corrupt"), "a");
    cache
        .records
        .lock()
        .unwrap()
        .insert(k.as_str().into(), b"{not json".to_vec());
    assert!(cache.get(&k).await.unwrap().is_none());
    let t = token("fresh", 60);
    assert_eq!(
        cache.store_if_newer(&k, &t).await.unwrap(),
        StoreOutcome::Stored
    );
}

#[cfg(feature = "file")]
mod file {
    use super::*;
    use auth0_m2m_cache::FileCache;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn file_cache_conforms() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FileCache::in_dir(dir.path().join("tokens")).unwrap();
        conformance(Arc::new(cache), &unique_prefix("file")).await;
    }
}

#[cfg(feature = "redis")]
mod redis_backend {
    use super::*;
    use auth0_m2m_cache::{EncryptionKey, RedisCache};

    const URL: &str = "redis://127.0.0.1:6379";

    async fn raw(key: &CacheKey) -> Option<String> {
        let client = redis::Client::open(URL).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("HGET")
            .arg(key.as_str())
            .arg("val")
            .query_async(&mut c)
            .await
            .unwrap()
    }

    async fn raw_cmd(args: &[&str]) {
        let client = redis::Client::open(URL).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        let _: redis::Value = cmd.query_async(&mut c).await.unwrap();
    }

    #[tokio::test]
    async fn redis_cache_conforms() {
        let cache = RedisCache::builder(URL).build().unwrap();
        conformance(Arc::new(cache), &unique_prefix("redis")).await;
    }

    #[tokio::test]
    async fn encrypted_redis_cache_conforms() {
        let cache = RedisCache::builder(URL)
            .with_encryption(EncryptionKey::generate("k1").unwrap())
            .build()
            .unwrap();
        conformance(Arc::new(cache), &unique_prefix("redis-enc")).await;
    }

    #[tokio::test]
    async fn encrypted_values_hold_no_token_and_rotate() {
        let key_bytes: [u8; 32] = rand_bytes();
        let k1 = || EncryptionKey::new("k1", key_bytes).unwrap();
        let cache = RedisCache::builder(URL)
            .with_encryption(k1())
            .build()
            .unwrap();
        let k = key(&unique_prefix("redis-enc-raw"), "a");
        let t = token("plain-secret-value", 600);
        cache.store_if_newer(&k, &t).await.unwrap();
        let value = raw(&k).await.unwrap();
        assert!(value.starts_with("enc1:k1:"), "{value}");
        assert!(!value.contains("plain-secret-value"));
        assert!(!value.contains("Bearer"));

        // A cache with a new key that keeps the old one for decryption reads it.
        let rotated = RedisCache::builder(URL)
            .with_encryption(EncryptionKey::generate("k2").unwrap())
            .with_decryption_key(k1())
            .build()
            .unwrap();
        assert!(rotated.get(&k).await.unwrap().unwrap().same_secret(&t));
        // A cache with another key, or without encryption, sees a miss, not an error.
        let other = RedisCache::builder(URL)
            .with_encryption(EncryptionKey::generate("k1").unwrap())
            .build()
            .unwrap();
        assert!(other.get(&k).await.unwrap().is_none());
        let plain = RedisCache::builder(URL).build().unwrap();
        assert!(plain.get(&k).await.unwrap().is_none());
        // The ciphertext is bound to its key: copied under another key it does not decrypt.
        let k_other = key(&unique_prefix("redis-enc-moved"), "a");
        raw_cmd(&[
            "HSET",
            k_other.as_str(),
            "exp",
            "99999999999999",
            "val",
            &value,
        ])
        .await;
        assert!(cache.get(&k_other).await.unwrap().is_none());
        // ...and it is replaced by the next store although it claims a later expiry.
        assert_eq!(
            cache.store_if_newer(&k_other, &t).await.unwrap(),
            StoreOutcome::Stored
        );
        assert!(cache.get(&k_other).await.unwrap().unwrap().same_secret(&t));
        raw_cmd(&["DEL", k.as_str(), k_other.as_str()]).await;
    }

    fn rand_bytes() -> [u8; 32] {
        let mut b = [0u8; 32];
        for (i, x) in Lease::random_id()
            .bytes()
            .chain(Lease::random_id().bytes())
            .take(32)
            .enumerate()
        {
            b[i] = x;
        }
        b
    }

    #[tokio::test]
    async fn corrupt_and_foreign_values_are_misses_and_replaced() {
        let cache = RedisCache::builder(URL).build().unwrap();
        let prefix = unique_prefix("redis-corrupt");
        let k = key(&prefix, "a");
        raw_cmd(&[
            "HSET",
            k.as_str(),
            "exp",
            "99999999999999",
            "val",
            "{not json",
        ])
        .await;
        assert!(cache.get(&k).await.unwrap().is_none());
        let t = token("fresh", 60);
        assert_eq!(
            cache.store_if_newer(&k, &t).await.unwrap(),
            StoreOutcome::Stored
        );
        assert!(cache.get(&k).await.unwrap().unwrap().same_secret(&t));
        // A key of another type.
        let k2 = key(&prefix, "b");
        raw_cmd(&["SET", k2.as_str(), "garbage"]).await;
        assert!(cache.get(&k2).await.unwrap().is_none());
        assert_eq!(
            cache.store_if_newer(&k2, &t).await.unwrap(),
            StoreOutcome::Stored
        );
        assert!(cache.get(&k2).await.unwrap().is_some());
        raw_cmd(&["DEL", k.as_str(), k2.as_str()]).await;
    }

    #[tokio::test]
    async fn record_ttl_follows_the_expiry() {
        let cache = RedisCache::builder(URL).build().unwrap();
        let k = key(&unique_prefix("redis-ttl"), "a");
        cache.store_if_newer(&k, &token("t", 120)).await.unwrap();
        let client = redis::Client::open(URL).unwrap();
        let mut c = client.get_multiplexed_async_connection().await.unwrap();
        let ttl: i64 = redis::cmd("PTTL")
            .arg(k.as_str())
            .query_async(&mut c)
            .await
            .unwrap();
        assert!((100_000..=120_000).contains(&ttl), "{ttl}");
        let lease = cache
            .try_acquire_lease(&k, Duration::from_secs(7))
            .await
            .unwrap()
            .unwrap();
        let lttl: i64 = redis::cmd("PTTL")
            .arg(format!("{k}:lease"))
            .query_async(&mut c)
            .await
            .unwrap();
        assert!((1..=7_000).contains(&lttl), "{lttl}");
        cache.release_lease(&k, lease).await.unwrap();
        raw_cmd(&["DEL", k.as_str()]).await;
    }

    #[tokio::test]
    async fn tls_url_against_a_plain_server_is_a_typed_error() {
        // The TLS handshake fails against a plain-text server: an error, never a panic.
        let cache = RedisCache::builder("rediss://127.0.0.1:6379")
            .with_timeouts(Duration::from_millis(500), Duration::from_millis(500))
            .build()
            .unwrap();
        let e = cache.get(&key("p:", "tls")).await.unwrap_err();
        assert!(
            matches!(
                e,
                CacheError::Backend {
                    backend: "redis",
                    ..
                }
            ),
            "{e}"
        );
    }

    #[tokio::test]
    async fn bad_configuration_and_debug_output() {
        assert!(RedisCache::builder("not a url").build().is_err());
        assert!(
            RedisCache::cluster_builder(Vec::<String>::new())
                .build()
                .is_err()
        );
        assert!(EncryptionKey::new("", [0; 32]).is_err());
        assert!(EncryptionKey::new("bad id!", [0; 32]).is_err());
        assert!(EncryptionKey::from_base64("k", "c2hvcnQ=").is_err());
        assert!(EncryptionKey::from_base64("k", "***").is_err());
        let key = EncryptionKey::new("k1", [0x41; 32]).unwrap();
        let dbg = format!("{key:?}");
        assert!(
            !dbg.contains("65") && !dbg.contains("AAAA") && dbg.contains("REDACTED"),
            "{dbg}"
        );
        let b = RedisCache::builder("redis://user:hunter2@127.0.0.1:6379")
            .with_credentials(Some("user"), "hunter2")
            .with_encryption(key);
        assert!(!format!("{b:?}").contains("hunter2"));
        let c = b.build().unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        // Wrong credentials are a typed error, not a panic.
        let wrong = RedisCache::builder("redis://nobody:wrong@127.0.0.1:6379")
            .build()
            .unwrap();
        let e = wrong.get(&super::key("p:", "a")).await.unwrap_err();
        assert!(!e.to_string().contains("wrong@"), "{e}");
    }
}

#[cfg(feature = "redis")]
#[path = "support/redis_servers.rs"]
mod redis_servers;

/// The Redis backend against private servers: TLS with a private CA, mutual TLS and a
/// three-node Cluster.
#[cfg(feature = "redis")]
mod private_redis {
    use super::redis_servers::{cli, new_ca, start_cluster, start_tls, tls_material};
    use super::*;
    use auth0_m2m_cache::{EncryptionKey, RedisCache, RedisCacheBuilder};

    /// Short limits, so that a connection that hangs fails the test soon.
    fn quick(b: RedisCacheBuilder) -> RedisCacheBuilder {
        b.with_timeouts(Duration::from_secs(1), Duration::from_secs(1))
    }

    /// `get` fails with a typed Redis backend error for its cause (the server's refusal), not
    /// by running into a time limit: the error names no timeout. (A wall-clock bound on a
    /// loaded machine would measure the machine; the cause is what the code controls.)
    async fn assert_refused(cache: RedisCache, what: &str) -> String {
        let e = cache
            .get(&key(&unique_prefix("fail"), "a"))
            .await
            .expect_err(what);
        assert!(
            matches!(
                e,
                CacheError::Backend {
                    backend: "redis",
                    ..
                }
            ),
            "{what}: {e:?}"
        );
        let msg = e.to_string();
        let lower = msg.to_lowercase();
        assert!(
            !lower.contains("timed out") && !lower.contains("timeout"),
            "{what}: failed on a time limit instead of the server's refusal: {msg}"
        );
        println!("{what}: {msg}");
        msg
    }

    /// What [`assert_refused`] tells apart: a server that accepts the connection and never
    /// answers fails on the cache's time limit, and the error says so.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_silent_server_fails_on_the_time_limit_and_says_so() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let cache = RedisCache::builder(format!("redis://127.0.0.1:{port}"))
            .with_timeouts(Duration::from_millis(200), Duration::from_millis(200))
            .build()
            .unwrap();
        let e = cache
            .get(&key(&unique_prefix("silent"), "a"))
            .await
            .expect_err("nothing answers");
        let msg = e.to_string().to_lowercase();
        assert!(
            msg.contains("timed out") || msg.contains("timeout"),
            "{msg}"
        );
        drop(silent);
    }

    fn config_error(b: RedisCacheBuilder) -> String {
        match b.build() {
            Err(CacheError::Config(msg)) => msg,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tls_with_a_private_ca_conforms() {
        let m = tls_material();
        let (_servers, port) = start_tls(&m, false);
        let url = format!("rediss://127.0.0.1:{port}");

        let cache = quick(RedisCache::builder(&url))
            .with_root_certificates_pem(m.ca.clone())
            .build()
            .unwrap();
        conformance(Arc::new(cache), &unique_prefix("tls")).await;

        // The certificate names `localhost` too; encryption works over TLS.
        let by_name = quick(RedisCache::builder(format!("rediss://localhost:{port}")))
            .with_root_certificates_pem(m.ca.as_bytes())
            .with_encryption(EncryptionKey::generate("k1").unwrap())
            .build()
            .unwrap();
        conformance(Arc::new(by_name), &unique_prefix("tls-enc")).await;

        // Without the private CA (the platform's roots) the server is not trusted.
        let msg = assert_refused(
            quick(RedisCache::builder(&url)).build().unwrap(),
            "platform roots must not trust a private CA",
        )
        .await;
        assert!(msg.to_lowercase().contains("certificate"), "{msg}");
        // Nor with another CA.
        let (other_ca, _) = new_ca("another CA");
        assert_refused(
            quick(RedisCache::builder(&url))
                .with_root_certificates_pem(other_ca.pem())
                .build()
                .unwrap(),
            "another CA must not be trusted",
        )
        .await;
        // Plain text against the TLS port fails too, refused by the server.
        assert_refused(
            quick(RedisCache::builder(format!("redis://127.0.0.1:{port}")))
                .build()
                .unwrap(),
            "plain text against a TLS port",
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mutual_tls_presents_the_client_certificate() {
        let m = tls_material();
        let (_servers, port) = start_tls(&m, true);
        let url = format!("rediss://127.0.0.1:{port}");

        // The server requires a client certificate.
        assert_refused(
            quick(RedisCache::builder(&url))
                .with_root_certificates_pem(m.ca.clone())
                .build()
                .unwrap(),
            "no client certificate",
        )
        .await;

        let cache = quick(RedisCache::builder(&url))
            .with_root_certificates_pem(m.ca.clone())
            .with_client_certificate_pem(m.client_cert.clone(), m.client_key.clone())
            .build()
            .unwrap();
        conformance(Arc::new(cache), &unique_prefix("mtls")).await;
    }

    #[test]
    fn tls_settings_are_checked_by_build() {
        let m = tls_material();
        let url = "rediss://127.0.0.1:1";

        let msg = config_error(RedisCache::builder(url).with_root_certificates_pem("not a pem"));
        assert!(
            msg.contains("root certificate PEM #1 holds no certificate"),
            "{msg}"
        );
        let msg = config_error(
            RedisCache::builder(url)
                .with_root_certificates_pem(m.ca.clone())
                .with_root_certificates_pem(m.server_key.clone()),
        );
        assert!(
            msg.contains("root certificate PEM #2 holds no certificate"),
            "{msg}"
        );
        let truncated = &m.ca[..m.ca.len() - 30];
        let msg = config_error(RedisCache::builder(url).with_root_certificates_pem(truncated));
        assert!(
            msg.contains("root certificate PEM #1 is malformed"),
            "{msg}"
        );
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n";
        let msg = config_error(RedisCache::builder(url).with_root_certificates_pem(bad_base64));
        assert!(msg.contains("not valid base64"), "{msg}");
        let not_der = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let msg = config_error(RedisCache::builder(url).with_root_certificates_pem(not_der));
        assert!(msg.contains("cannot be a trust anchor"), "{msg}");

        // Client certificate and key.
        let msg = config_error(
            RedisCache::builder(url).with_client_certificate_pem("", m.client_key.clone()),
        );
        assert!(
            msg.contains("client certificate PEM holds no certificate"),
            "{msg}"
        );
        let msg = config_error(
            RedisCache::builder(url).with_client_certificate_pem(m.client_cert.clone(), "nope"),
        );
        assert!(msg.contains("holds no private key"), "{msg}");
        let broken_key = m.client_key.replace("-----END PRIVATE KEY-----", "");
        let msg = config_error(
            RedisCache::builder(url)
                .with_client_certificate_pem(m.client_cert.clone(), broken_key.clone()),
        );
        assert!(msg.contains("client private key PEM is malformed"), "{msg}");
        let key_body = broken_key.lines().nth(1).unwrap();
        assert!(!msg.contains(key_body), "{msg}");
        // The server key does not belong to the client certificate.
        let msg = config_error(
            RedisCache::builder(url)
                .with_client_certificate_pem(m.client_cert.clone(), m.server_key.clone()),
        );
        assert!(
            msg.contains("does not belong to the client certificate"),
            "{msg}"
        );

        // Certificates need rediss:// URLs, for every cluster node.
        let msg = config_error(
            RedisCache::builder("redis://127.0.0.1:1").with_root_certificates_pem(m.ca.clone()),
        );
        assert!(
            msg.contains("URL #1 does not use the rediss:// scheme"),
            "{msg}"
        );
        let msg = config_error(
            RedisCache::cluster_builder(["rediss://127.0.0.1:1", "redis://127.0.0.1:2"])
                .with_client_certificate_pem(m.client_cert.clone(), m.client_key.clone()),
        );
        assert!(
            msg.contains("URL #2 does not use the rediss:// scheme"),
            "{msg}"
        );

        // Valid settings build, for a single server and a cluster.
        RedisCache::cluster_builder(["rediss://127.0.0.1:1", "rediss://127.0.0.1:2"])
            .with_root_certificates_pem(m.ca.clone())
            .with_client_certificate_pem(m.client_cert.clone(), m.client_key.clone())
            .build()
            .unwrap();
    }

    #[test]
    fn the_client_key_never_appears_in_debug_output() {
        let m = tls_material();
        let builder = RedisCache::builder("rediss://127.0.0.1:1")
            .with_root_certificates_pem(m.ca.clone())
            .with_client_certificate_pem(m.client_cert.clone(), m.client_key.clone());
        let key_lines: Vec<&str> = m
            .client_key
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert!(!key_lines.is_empty());
        let dbg = format!("{builder:?} {builder:#?}");
        assert!(dbg.contains("REDACTED"), "{dbg}");
        let cache = builder.build().unwrap();
        let dbg = format!("{dbg} {cache:?} {cache:#?}");
        assert!(dbg.contains("mutual_tls: true"), "{dbg}");
        for line in key_lines {
            assert!(!dbg.contains(line), "{dbg}");
        }
        assert!(!dbg.contains("PRIVATE KEY"), "{dbg}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cluster_conforms() {
        let (_servers, ports) = start_cluster();
        let urls: Vec<String> = ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect();
        let cache = Arc::new(
            quick(RedisCache::cluster_builder(urls.clone()))
                .build()
                .unwrap(),
        );
        conformance(
            Arc::clone(&cache) as Arc<dyn TokenCache>,
            &unique_prefix("cluster"),
        )
        .await;
        let encrypted = quick(RedisCache::cluster_builder(urls))
            .with_encryption(EncryptionKey::generate("k1").unwrap())
            .build()
            .unwrap();
        conformance(Arc::new(encrypted), &unique_prefix("cluster-enc")).await;

        // Records spread over the nodes: 16 keys all on one node of three would mean the
        // cluster is not really in use.
        let prefix = unique_prefix("cluster-spread");
        let keys: Vec<CacheKey> = (0..16).map(|i| key(&prefix, &format!("c{i}"))).collect();
        for k in &keys {
            cache.store_if_newer(k, &token("spread", 60)).await.unwrap();
            // The record and its lease are each touched by one-key scripts only.
            let lease = cache
                .try_acquire_lease(k, Duration::from_secs(5))
                .await
                .unwrap()
                .unwrap();
            cache.release_lease(k, lease).await.unwrap();
        }
        let mut nodes_used = 0;
        for p in &ports {
            let count: usize = cli(*p, &["dbsize"]).trim().parse().unwrap_or(0);
            if count > 0 {
                nodes_used += 1;
            }
        }
        assert!(nodes_used >= 2, "records on {nodes_used} node(s)");
    }
}
