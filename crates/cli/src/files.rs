//! Ownership and permission checks: the files that hold secrets are refused when another user
//! could read or replace them (as ssh refuses such keys), and the agent creates its socket and
//! key file only in directories no other user can write.

use std::fs::Metadata;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use crate::error::CliError;

/// Set to `1` to accept secret and configuration files that group or others can access, or
/// that another user owns (a warning is printed instead).
pub(crate) const ALLOW_EXPOSED: &str = "AUTH0_ALLOW_EXPOSED_SECRET_FILES";

/// The effective user id of this process.
pub(crate) fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Whether the value of [`ALLOW_EXPOSED`] turns the override on.
pub(crate) fn allows_exposed(value: Option<&str>) -> bool {
    matches!(
        value.map(str::trim),
        Some("1" | "true" | "yes" | "TRUE" | "YES")
    )
}

/// Why `meta` is not private to `uid`: another owner (root excepted, as ssh does), or any of
/// the permission bits in `forbidden`.
fn exposure(meta: &Metadata, uid: u32, forbidden: u32) -> Option<String> {
    let owner = meta.uid();
    let mode = meta.permissions().mode() & 0o7777;
    if owner != uid && owner != 0 {
        Some(format!("it belongs to another user (uid {owner})"))
    } else if mode & forbidden != 0 {
        Some(format!(
            "group or others can {} it (mode {mode:04o})",
            if forbidden & 0o044 != 0 {
                "access"
            } else {
                "write"
            }
        ))
    } else {
        None
    }
}

/// Refuses the secret file (client secret, private key) at `path` when another user owns it
/// or group or others have any access to it; with `allow`, warns instead.
pub(crate) fn check_secret_file(path: &Path, what: &str, allow: bool) -> Result<(), CliError> {
    check(path, what, 0o077, "chmod 600", allow)
}

/// Refuses the configuration file at `path` when another user owns it or group or others can
/// write it (they could point a profile at a secret of their choosing); with `allow`, warns
/// instead.
pub(crate) fn check_config_file(path: &Path, allow: bool) -> Result<(), CliError> {
    check(path, "configuration file", 0o022, "chmod go-w", allow)
}

fn check(path: &Path, what: &str, forbidden: u32, fix: &str, allow: bool) -> Result<(), CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::usage(format!("cannot read the {what} {}: {e}", path.display())))?;
    let Some(reason) = exposure(&meta, current_uid(), forbidden) else {
        return Ok(());
    };
    if allow {
        eprintln!(
            "auth0-m2m: warning: the {what} {} is not private: {reason}; accepted because \
             {ALLOW_EXPOSED} is set",
            path.display()
        );
        return Ok(());
    }
    Err(CliError::usage(format!(
        "the {what} {} is refused: {reason}; make it yours and private (`{fix} {}`), or set \
         {ALLOW_EXPOSED}=1 to accept it anyway",
        path.display(),
        path.display()
    )))
}

/// Refuses `dir` as the home of the agent's socket or key file when another user owns it or
/// group or others can write it (they could swap the files the agent creates there).
pub(crate) fn check_private_dir(dir: &Path) -> Result<(), CliError> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| CliError::usage(format!("cannot inspect {}: {e}", dir.display())))?;
    let owner = meta.uid();
    let mode = meta.permissions().mode() & 0o7777;
    let reason = if owner != current_uid() {
        format!("it belongs to another user (uid {owner})")
    } else if mode & 0o022 != 0 {
        format!("group or others can write it (mode {mode:04o})")
    } else {
        return Ok(());
    };
    Err(CliError::usage(format!(
        "the directory {} is refused for the agent's files: {reason}; choose a directory of \
         your own (--socket, --key-file) or restrict it (`chmod 700 {}`)",
        dir.display(),
        dir.display()
    )))
}

/// Creates `dir` (and its parents) with mode 0700 when missing, then checks it with
/// [`check_private_dir`].
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if !dir.is_dir() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| CliError::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    check_private_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_mode(dir: &Path, name: &str, mode: u32) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn secret_files_open_to_others_are_refused_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let private = with_mode(dir.path(), "private", 0o600);
        check_secret_file(&private, "secret file", false).unwrap();
        for mode in [0o640, 0o604, 0o660, 0o644] {
            let open = with_mode(dir.path(), &format!("open{mode:o}"), mode);
            let e = check_secret_file(&open, "secret file", false).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            let text = e.to_string();
            assert!(text.contains(&format!("mode {mode:04o}")), "{text}");
            assert!(text.contains("chmod 600"), "{text}");
            assert!(text.contains(ALLOW_EXPOSED), "{text}");
            check_secret_file(&open, "secret file", true).expect("the override accepts it");
        }
        let e = check_secret_file(&dir.path().join("missing"), "secret file", false).unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
    }

    #[test]
    fn configuration_files_may_be_readable_but_not_writable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        check_config_file(&with_mode(dir.path(), "a", 0o644), false).unwrap();
        let e = check_config_file(&with_mode(dir.path(), "b", 0o664), false).unwrap_err();
        assert!(e.to_string().contains("write"), "{e}");
        assert!(e.to_string().contains("chmod go-w"), "{e}");
    }

    #[test]
    fn foreign_owners_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let file = with_mode(dir.path(), "f", 0o600);
        let meta = std::fs::metadata(&file).unwrap();
        let me = current_uid();
        assert_eq!(exposure(&meta, me, 0o077), None);
        if me == 0 {
            // Root may hand the file to another user: refused although its mode is 0600.
            std::os::unix::fs::chown(&file, Some(4242), None).unwrap();
            let e = check_secret_file(&file, "secret file", false).unwrap_err();
            assert!(e.to_string().contains("another user (uid 4242)"), "{e}");
            let sub = dir.path().join("theirs");
            std::fs::create_dir(&sub).unwrap();
            std::os::unix::fs::chown(&sub, Some(4242), None).unwrap();
            let e = check_private_dir(&sub).unwrap_err();
            assert!(e.to_string().contains("another user"), "{e}");
        } else {
            let reason = exposure(&meta, me + 1, 0o077).expect("another owner");
            assert!(reason.contains("another user"), "{reason}");
            // The root directory belongs to root, another user here.
            let e = check_private_dir(Path::new("/")).unwrap_err();
            assert!(e.to_string().contains("another user"), "{e}");
        }
    }

    #[test]
    fn directories_writable_by_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("private");
        create_private_dir(&private).unwrap();
        let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = create_private_dir(&shared).unwrap_err();
        assert!(e.to_string().contains("mode 0777"), "{e}");
    }

    #[test]
    fn the_override_takes_plain_yes_values() {
        assert!(allows_exposed(Some("1")));
        assert!(allows_exposed(Some("yes")));
        assert!(!allows_exposed(Some("0")));
        assert!(!allows_exposed(None));
    }
}
