//! The state document: the tenant's whole store as versioned JSON, as `GET /__fake/state`
//! answers it and a state file holds it; loading one, and writing one atomically.
//!
//! ```json
//! {"version": 2, "audience": "https://127.0.0.1:PORT/api/v2/", "client_id": "…",
//!  "store": {"collections": {"/clients": […], …}, "singletons": {…}, …}}
//! ```
//!
//! `audience` is the Management API audience of the tenant that wrote it (a tenant loading it on
//! another port moves the Management API and its grants to its own audience); `client_id` is
//! the client the tenant named (its `client_id`), which a tenant loading the document names
//! too unless it is given clients of its own.

use crate::json_form::{self as form, Fields};
use crate::state::{App, Store, lock};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The version of the document this tenant writes and reads.
pub(crate) const VERSION: u64 = 2;

/// A state document.
pub(crate) struct Document {
    pub(crate) audience: String,
    pub(crate) client_id: String,
    pub(crate) store: Store,
}

impl Document {
    /// Reads a state document; a field this version does not know is refused.
    fn from_json(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "a tenant state")?;
        // Its value was checked before, with its own message.
        f.required("version", form::u64_)?;
        let doc = Document {
            audience: f.required("audience", form::string)?,
            client_id: f.required("client_id", form::string)?,
            store: f.required("store", Store::from_state)?,
        };
        f.deny_unknown()?;
        Ok(doc)
    }
}

/// The document of `app`'s current state.
pub(crate) fn document(app: &App) -> Result<Value, serde_json::Error> {
    let client_id = app.fresh.clients.first().map_or("", |c| c.id.as_str());
    let store = lock(&app.store);
    let mut doc = serde_json::Map::new();
    doc.insert("version".into(), Value::from(VERSION));
    doc.insert("audience".into(), Value::from(app.audience.as_str()));
    doc.insert("client_id".into(), Value::from(client_id));
    doc.insert("store".into(), store.to_state());
    Ok(Value::Object(doc))
}

/// A state file that cannot be loaded: why, in words that never quote the file's content (it
/// holds client secrets).
fn refused(path: &Path, reason: impl Into<String>) -> crate::Error {
    crate::Error::State {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// What a serde error says, without quoting values of the document.
fn shape_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        Category::Io => format!("it could not be read ({at})"),
        Category::Syntax => format!("it is not valid JSON ({at})"),
        Category::Eof => format!("it is not valid JSON: it ends early ({at})"),
        // Reading into a `Value` refuses no value; the document's shape is checked after.
        Category::Data => format!("it is not a tenant state ({at})"),
    }
}

/// Reads the state file at `path`: `Ok(None)` when there is none, the document when it holds
/// one of this version, else an error naming the file and what is wrong with it. The file is
/// only read.
pub(crate) fn load(path: &Path) -> Result<Option<Document>, crate::Error> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refused(path, format!("it could not be read: {e}"))),
    };
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| refused(path, shape_error(&e)))?;
    let Some(obj) = value.as_object() else {
        return Err(refused(
            path,
            "it is not a tenant state: the document is not a JSON object",
        ));
    };
    match obj.get("version") {
        None => {
            return Err(refused(
                path,
                "it is not a tenant state: it has no \"version\"",
            ));
        }
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(v) => {
            let shown = match v {
                Value::Number(n) => n.to_string(),
                _ => "not a number".to_owned(),
            };
            return Err(refused(
                path,
                format!("its version is {shown}; this tenant reads version {VERSION}"),
            ));
        }
    }
    // The messages name fields and what was expected, never a value.
    let doc = Document::from_json(value)
        .map_err(|e| refused(path, format!("it is not a tenant state: {e}")))?;
    Ok(Some(doc))
}

/// Moves a loaded store to the Management API audience `audience`: the Management API and the
/// grants for it named the audience of the tenant that wrote the document.
pub(crate) fn rebase(store: &mut Store, from: &str, audience: &str) {
    if from == audience {
        return;
    }
    for rs in store.items_mut(crate::store::RESOURCE_SERVERS) {
        if rs["identifier"].as_str() == Some(from) {
            rs["identifier"] = Value::from(audience);
        }
    }
    for g in store.items_mut(crate::store::GRANTS) {
        if g["audience"].as_str() == Some(from) {
            g["audience"] = Value::from(audience);
        }
    }
}

/// Writes `bytes` to `path` atomically: into a new file of the same directory (readable by its
/// owner only, on Unix), flushed to disk, then renamed over `path`. A reader sees the old file
/// or the new one, never a part.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the state file path names no file",
        )
    })?;
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        crate::util::random_alnum(8)
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    // The rename itself reaches the disk with the directory.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "fake-persist-{}-{}-{name}",
            std::process::id(),
            crate::util::random_alnum(6)
        ))
    }

    #[test]
    fn a_missing_file_is_no_state() {
        assert!(load(&temp("missing.json")).expect("no error").is_none());
    }

    #[test]
    fn refusals_name_the_file_and_never_quote_it() {
        let cases: &[(&str, &str)] = &[
            ("", "ends early"),
            ("{\"version\": 1, \"store\": ", "ends early"),
            ("not json s3cr3t", "not valid JSON"),
            ("[1, 2]", "not a JSON object"),
            ("{\"audience\": \"a\"}", "no \"version\""),
            (
                "{\"version\": 1, \"store\": {\"clients\": []}}",
                "version is 1; this tenant reads version 2",
            ),
            ("{\"version\": \"s3cr3t\"}", "version is not a number"),
            (
                "{\"version\": 2, \"audience\": \"a\", \"client_id\": \"c\"}",
                "missing field `store`",
            ),
            (
                "{\"version\": 2, \"audience\": \"a\", \"client_id\": \"s3cr3t\", \"store\": {\"collections\": \"s3cr3t\"}}",
                "invalid type: expected an object at `store.collections`",
            ),
            (
                "{\"version\": 2, \"audience\": \"a\", \"client_id\": \"c\", \"store\": {}, \"extra\": 1}",
                "missing field `collections` at `store`",
            ),
            (
                "{\"version\": 2, \"audience\": \"a\", \"client_id\": \"c\", \"surplus\": 1, \"store\": {\"collections\": {}, \"singletons\": {}, \"role_permissions\": {}, \"user_roles\": {}, \"user_permissions\": {}, \"org_members\": {}, \"logs\": {\"events\": []}, \"user_blocks\": {}, \"credentials\": {}, \"used_jti\": {}, \"log_seq\": 0, \"next_id\": 0}}",
                "unknown field `surplus`",
            ),
        ];
        for (text, expected) in cases {
            let path = temp("bad.json");
            std::fs::write(&path, text).expect("write");
            let e = match load(&path) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{text:?} was accepted"),
            };
            let _ = std::fs::remove_file(&path);
            assert!(e.contains(&path.display().to_string()), "{e}");
            assert!(e.contains(expected), "{text:?}: {e}");
            assert!(!e.contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = temp("dir");
        std::fs::create_dir(&dir).expect("dir");
        let path = dir.join("state.json");
        std::fs::write(&path, b"old").expect("write");
        write_atomic(&path, b"new").expect("atomic write");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("state.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A directory that does not exist: an error, and nothing written.
        assert!(write_atomic(&dir.join("nope").join("state.json"), b"x").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
