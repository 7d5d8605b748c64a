//! The stored record: versioned JSON holding one token.
//!
//! Backends that store bytes (files, Redis, a custom store) use [`encode`] and [`decode`], so
//! that every backend reads what the others write. A record that does not parse, has another
//! version or holds an empty token decodes to `None`: a miss, never an error.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_m2m_token::AccessToken;
use serde::{Deserialize, Serialize};

/// The version written in the `v` field of every record.
pub const RECORD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Record<'a> {
    v: u32,
    access_token: std::borrow::Cow<'a, str>,
    token_type: std::borrow::Cow<'a, str>,
    #[serde(default)]
    scopes: Vec<String>,
    /// Milliseconds since the Unix epoch.
    expires_at: u64,
    /// Milliseconds since the Unix epoch.
    obtained_at: u64,
}

fn to_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn from_millis(ms: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(ms))
}

/// The expiry of `token` as milliseconds since the Unix epoch, as stored in records.
pub fn expires_at_millis(token: &AccessToken) -> u64 {
    to_millis(token.expires_at())
}

/// Serializes `token` as a record (JSON bytes). The result contains the token: keep it secret.
pub fn encode(token: &AccessToken) -> Vec<u8> {
    let record = Record {
        v: RECORD_VERSION,
        access_token: token.expose_secret().into(),
        token_type: token.token_type().into(),
        scopes: token.scopes().to_vec(),
        expires_at: to_millis(token.expires_at()),
        obtained_at: to_millis(token.obtained_at()),
    };
    // Serializing plain strings and integers cannot fail.
    serde_json::to_vec(&record).unwrap_or_default()
}

/// Parses a record written by [`encode`]; `None` when it is not a valid record of this version.
pub fn decode(bytes: &[u8]) -> Option<AccessToken> {
    let r: Record<'_> = serde_json::from_slice(bytes).ok()?;
    if r.v != RECORD_VERSION || r.access_token.is_empty() || r.expires_at < r.obtained_at {
        return None;
    }
    Some(AccessToken::new(
        r.access_token.into_owned(),
        r.token_type.into_owned(),
        r.scopes,
        from_millis(r.expires_at)?,
        from_millis(r.obtained_at)?,
    ))
}

/// Whether `candidate` should replace `current`: it expires later (ties broken by the later
/// `obtained_at`). Used by every backend's store-if-newer.
pub fn is_newer(candidate: &AccessToken, current: &AccessToken) -> bool {
    (
        to_millis(candidate.expires_at()),
        to_millis(candidate.obtained_at()),
    ) > (
        to_millis(current.expires_at()),
        to_millis(current.obtained_at()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> AccessToken {
        let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        AccessToken::new(
            "tok",
            "Bearer",
            vec!["a".into()],
            now + Duration::from_secs(60),
            now,
        )
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let t = token();
        let back = decode(&encode(&t)).unwrap();
        assert!(back.same_secret(&t));
        assert_eq!(back.token_type(), "Bearer");
        assert_eq!(back.scopes(), t.scopes());
        assert_eq!(back.expires_at(), t.expires_at());
        assert_eq!(back.obtained_at(), t.obtained_at());
        let json: serde_json::Value = serde_json::from_slice(&encode(&t)).unwrap();
        assert_eq!(json["v"], 1);
        assert_eq!(json["expires_at"], 1_700_000_060_123u64);
    }

    #[test]
    fn bad_records_are_misses() {
        for bad in [
            &b""[..],
            b"{",
            b"null",
            br#"{"v":2,"access_token":"t","token_type":"Bearer","expires_at":2,"obtained_at":1}"#,
            br#"{"v":1,"access_token":"","token_type":"Bearer","expires_at":2,"obtained_at":1}"#,
            br#"{"v":1,"access_token":"t","token_type":"Bearer","expires_at":1,"obtained_at":2}"#,
            br#"{"v":1,"token_type":"Bearer","expires_at":2,"obtained_at":1}"#,
        ] {
            assert!(decode(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(decode(
            br#"{"v":1,"access_token":"t","token_type":"Bearer","expires_at":2,"obtained_at":1}"#
        )
        .is_some());
    }

    #[test]
    fn a_record_that_expires_when_obtained_is_a_token_already_expired() {
        // Consistent (not expiring before it was obtained), so it is a token, not a miss;
        // callers see that it has expired.
        let t = decode(
            br#"{"v":1,"access_token":"t","token_type":"Bearer","expires_at":5000,"obtained_at":5000}"#,
        )
        .expect("a zero-lifetime record is readable");
        assert_eq!(t.expires_at(), t.obtained_at());
        assert_eq!(t.expires_at(), UNIX_EPOCH + Duration::from_secs(5));
        assert!(t.is_expired_at(UNIX_EPOCH + Duration::from_secs(5)));
    }

    #[test]
    fn expires_at_millis_is_the_stored_expiry() {
        let t = token();
        assert_eq!(expires_at_millis(&t), 1_700_000_060_123);
        let json: serde_json::Value = serde_json::from_slice(&encode(&t)).unwrap();
        assert_eq!(json["expires_at"], expires_at_millis(&t));
    }

    #[test]
    fn newer_means_later_expiry() {
        let t = token();
        let later = AccessToken::new(
            "b",
            "Bearer",
            vec![],
            t.expires_at() + Duration::from_secs(1),
            t.obtained_at(),
        );
        assert!(is_newer(&later, &t));
        assert!(!is_newer(&t, &later));
        assert!(!is_newer(&t, &t));
    }
}
