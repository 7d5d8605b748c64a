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
