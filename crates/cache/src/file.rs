//! [`FileCache`]: token files shared by the processes of one host.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use auth0_m2m_token::AccessToken;
use auth0_m2m_token::BoxFuture;

use crate::cache::{CacheError, Lease, StoreOutcome, TokenCache};
use crate::key::CacheKey;
use crate::record;

/// The largest record file read; anything bigger is treated as corrupt.
const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// A cache of token files in one directory, shared by the processes of a host and kept across
/// restarts (a CLI or a cron job reuses the token of its previous run).
///
/// - The directory is created with mode `0700`, files with mode `0600` (on Unix).
/// - A record is written to a temporary file, flushed to disk and renamed over the old one, so
///   readers see either the old or the new record, never a torn one.
/// - Writers of the same key are serialized by an advisory lock on `<key>.wlock`; the refresh
///   lease is an advisory lock on `<key>.lease`, released when the holder releases it or exits.
/// - A record that cannot be read is a miss and is replaced by the next store.
///
/// File operations run on tokio's blocking thread pool.
#[derive(Debug, Clone)]
pub struct FileCache {
    dir: PathBuf,
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> CacheError + 'a {
    move |source| CacheError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// The user's cache directory, from the environment variables `var` reads (the rules of
/// [`FileCache::default_dir`]).
fn user_cache_dir(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let dir = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        dir("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        dir("HOME").map(|h| h.join("Library").join("Caches"))
    } else {
        dir("XDG_CACHE_HOME")
            .filter(|d| d.is_absolute())
            .or_else(|| dir("HOME").map(|h| h.join(".cache")))
    }
}

impl FileCache {
    /// A cache in the default directory, [`FileCache::default_dir`] (`auth0-m2m` in the user's
    /// cache directory, e.g. `~/.cache/auth0-m2m` on Linux).
    pub fn new() -> Result<Self, CacheError> {
        let dir = Self::default_dir().ok_or_else(|| {
            CacheError::Config(
                "the user's cache directory is unknown; use FileCache::in_dir with a directory"
                    .into(),
            )
        })?;
        Self::in_dir(dir)
    }

    /// The default directory: `auth0-m2m` in the user's cache directory, if there is one:
    ///
    /// - Linux and other Unix systems: `$XDG_CACHE_HOME` when it is an absolute path, else
    ///   `$HOME/.cache`;
    /// - macOS: `$HOME/Library/Caches`;
    /// - Windows: `%LOCALAPPDATA%`.
    ///
    /// `None` when the variable it needs is unset or empty.
    pub fn default_dir() -> Option<PathBuf> {
        user_cache_dir(|name| std::env::var_os(name)).map(|d| d.join("auth0-m2m"))
    }

    /// A cache in `dir`, created (with its parents, mode `0700`) if missing. An existing
    /// directory's permissions are left alone.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let dir = dir.into();
        if dir.as_os_str().is_empty() {
            return Err(CacheError::Config(
                "the cache directory path is empty".into(),
            ));
        }
        if !dir.is_dir() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(&dir).map_err(io_err("create_dir", &dir))?;
        }
        Ok(Self { dir })
    }

    /// The directory of the cache.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the record file of `key`.
    pub fn record_path(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.json", file_stem(key)))
    }

    fn side_path(&self, key: &CacheKey, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", file_stem(key)))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(FileCache) -> Result<T, CacheError> + Send + 'static,
    ) -> Result<T, CacheError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(this))
            .await
            .map_err(|e| CacheError::Backend {
                backend: "file",
                message: "a file cache task did not complete".into(),
                source: Some(Box::new(e)),
            })?
    }

    fn read_record(path: &Path) -> Result<Option<AccessToken>, CacheError> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("open", path)(e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err("read", path))?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Ok(None);
        }
        Ok(record::decode(&bytes))
    }

    /// Takes the writers' lock of `key` (blocking; held only for a read and a rename).
    fn write_lock(&self, key: &CacheKey) -> Result<File, CacheError> {
        let path = self.side_path(key, "wlock");
        let file = open_private(&path, false).map_err(io_err("open", &path))?;
        file.lock().map_err(io_err("lock", &path))?;
        Ok(file)
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
        let tmp = self.dir.join(format!(
            ".{}.tmp.{}.{}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("record"),
            std::process::id(),
            crate::cache::hex(crate::cache::random_bytes::<6>())
        ));
        let result = (|| {
            let mut f = open_private(&tmp, true).map_err(io_err("create", &tmp))?;
            f.write_all(bytes).map_err(io_err("write", &tmp))?;
            f.sync_all().map_err(io_err("fsync", &tmp))?;
            fs::rename(&tmp, path).map_err(io_err("rename", path))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
        // Make the rename itself durable; not every platform can sync a directory.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Opens (creating with mode 0600) a file for reading and writing; `new` requires it not to
/// exist.
fn open_private(path: &Path, new: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    if new {
        o.create_new(true);
    } else {
        o.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// A file-name-safe form of the key.
fn file_stem(key: &CacheKey) -> String {
    key.as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl TokenCache for FileCache {
    fn get<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
    ) -> BoxFuture<'fut, Result<Option<AccessToken>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let path = self.record_path(key);
            self.blocking(move |_| Self::read_record(&path)).await
        })
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
            let key = key.clone();
            let token = token.clone();
            self.blocking(move |this| {
                let _lock = this.write_lock(&key)?;
                let path = this.record_path(&key);
                // An unreadable record counts as absent and is replaced.
                if let Ok(Some(current)) = Self::read_record(&path)
                    && !record::is_newer(&token, &current)
                {
                    return Ok(StoreOutcome::NotNewer);
                }
                this.write_atomically(&path, &record::encode(&token))?;
                Ok(StoreOutcome::Stored)
            })
            .await
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
            let key = key.clone();
            let token = token.clone();
            self.blocking(move |this| {
                let _lock = this.write_lock(&key)?;
                let path = this.record_path(&key);
                match Self::read_record(&path)? {
                    Some(current) if current.same_secret(&token) => {
                        fs::remove_file(&path).map_err(io_err("remove", &path))?;
                        Ok(true)
                    }
                    _ => Ok(false),
                }
            })
            .await
        })
    }

    fn try_acquire_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        _ttl: Duration,
    ) -> BoxFuture<'fut, Result<Option<Lease>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            // The lock lives as long as the lease (or the process): no time limit is needed.
            let path = self.side_path(key, "lease");
            self.blocking(move |_| {
                let file = open_private(&path, false).map_err(io_err("open", &path))?;
                match file.try_lock() {
                    Ok(()) => Ok(Some(Lease::with_guard(Lease::random_id(), Box::new(file)))),
                    Err(fs::TryLockError::WouldBlock) => Ok(None),
                    Err(fs::TryLockError::Error(e)) => Err(io_err("lock", &path)(e)),
                }
            })
            .await
        })
    }

    fn release_lease<'a, 'b, 'fut>(
        &'a self,
        _key: &'b CacheKey,
        lease: Lease,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            if let Some(file) = lease.guard().and_then(|g| g.downcast_ref::<File>()) {
                // Closing the file releases the lock too; unlocking first makes it immediate.
                let _ = file.unlock();
            }
            drop(lease);
            Ok(())
        })
    }

    fn backend_name(&self) -> &'static str {
        "file"
    }
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use std::ffi::OsString;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn the_cache_dir_follows_xdg_then_home() {
        let xdg = env(&[("XDG_CACHE_HOME", "/var/cache/me"), ("HOME", "/home/me")]);
        assert_eq!(user_cache_dir(xdg), Some(PathBuf::from("/var/cache/me")));
        // A relative XDG_CACHE_HOME is ignored, as the XDG specification says.
        let relative = env(&[("XDG_CACHE_HOME", "cache"), ("HOME", "/home/me")]);
        assert_eq!(
            user_cache_dir(relative),
            Some(PathBuf::from("/home/me/.cache"))
        );
        let home = env(&[("HOME", "/home/me")]);
        assert_eq!(user_cache_dir(home), Some(PathBuf::from("/home/me/.cache")));
        let empty = env(&[("XDG_CACHE_HOME", ""), ("HOME", "")]);
        assert_eq!(user_cache_dir(empty), None);
        assert_eq!(user_cache_dir(env(&[])), None);
    }
}
