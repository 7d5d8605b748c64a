//! File cache specifics: permissions, atomic writes, corrupt files.
#![cfg(feature = "file")]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth0_m2m_cache::{CacheKey, CacheKeyParts, FileCache, StoreOutcome, TokenCache};
use auth0_m2m_token::AccessToken;

fn key(client: &str) -> CacheKey {
    CacheKey::with_default_prefix(&CacheKeyParts::new("https://t.test/oauth/token", client))
}

fn token(secret: &str, expires_in: u64) -> AccessToken {
    let now = SystemTime::now();
    AccessToken::new(
        secret,
        "Bearer",
        vec![],
        now + Duration::from_secs(expires_in),
        now,
    )
}

#[cfg(unix)]
#[tokio::test]
async fn directory_is_0700_and_files_0600() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a").join("auth0-m2m");
    let cache = FileCache::in_dir(&dir).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let k = key("perm");
    cache.store_if_newer(&k, &token("t", 60)).await.unwrap();
    let lease = cache
        .try_acquire_lease(&k, Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    cache.release_lease(&k, lease).await.unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        seen += 1;
    }
    assert_eq!(
        seen, 3,
        "record, writer lock and lease files; no temp file left"
    );
    assert_eq!(cache.record_path(&k).parent(), Some(dir.as_path()));
}

#[tokio::test]
async fn corrupt_file_is_a_miss_and_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = FileCache::in_dir(tmp.path()).unwrap();
    let k = key("corrupt");
    for garbage in [
        &b"{\"v\":1,\"access_tok"[..],
        b"\0\0\0",
        b"",
        &[b'x'; 100_000][..],
    ] {
        std::fs::write(cache.record_path(&k), garbage).unwrap();
        assert!(cache.get(&k).await.unwrap().is_none());
        let t = token("replacement", 60);
        assert_eq!(
            cache.store_if_newer(&k, &t).await.unwrap(),
            StoreOutcome::Stored
        );
        assert!(cache.get(&k).await.unwrap().unwrap().same_secret(&t));
    }
}

#[tokio::test]
async fn unwritable_directory_is_a_typed_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    assert!(FileCache::in_dir(file.join("sub")).is_err());
    assert!(FileCache::in_dir("").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_never_see_a_torn_record_under_concurrent_writers() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = Arc::new(FileCache::in_dir(tmp.path()).unwrap());
    let k = key("torn");
    // Large records make a torn write likely if writes were not atomic.
    let big = |i: u64| {
        let now = SystemTime::now();
        AccessToken::new(
            format!("{i:08}{}", "x".repeat(20_000)),
            "Bearer",
            (0..50).map(|s| format!("scope:{s}")).collect(),
            now + Duration::from_secs(1000 + i),
            now,
        )
    };
    cache.store_if_newer(&k, &big(0)).await.unwrap();
    let mut writers = Vec::new();
    for w in 0..4u64 {
        let cache = Arc::clone(&cache);
        let k = k.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..25u64 {
                cache.store_if_newer(&k, &big(1 + w + i * 4)).await.unwrap();
            }
        }));
    }
    let reader = {
        let cache = Arc::clone(&cache);
        let k = k.clone();
        tokio::spawn(async move {
            let mut reads = 0;
            let path = cache.record_path(&k);
            for _ in 0..300 {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    auth0_m2m_cache::record::decode(&bytes).is_some(),
                    "torn read"
                );
                assert!(cache.get(&k).await.unwrap().is_some());
                reads += 1;
            }
            reads
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(reader.await.unwrap(), 300);
    let last = cache.get(&k).await.unwrap().unwrap();
    assert!(last.expose_secret().starts_with("00000100"));
}

#[tokio::test]
async fn lease_is_exclusive_between_cache_instances() {
    let tmp = tempfile::tempdir().unwrap();
    let a = FileCache::in_dir(tmp.path()).unwrap();
    let b = FileCache::in_dir(tmp.path()).unwrap();
    let k = key("lease");
    let l = a
        .try_acquire_lease(&k, Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert!(
        b.try_acquire_lease(&k, Duration::from_secs(5))
            .await
            .unwrap()
            .is_none()
    );
    drop(l); // a crashed holder: the lock ends with the file handle
    assert!(
        b.try_acquire_lease(&k, Duration::from_secs(5))
            .await
            .unwrap()
            .is_some()
    );
}

#[test]
fn default_dir_is_in_the_user_cache_dir() {
    if let Some(d) = FileCache::default_dir() {
        assert!(d.ends_with("auth0-m2m"));
    }
}
