//! The stored record: versioned JSON holding one token.
//!
//! Backends that store bytes (files, Redis, a custom store) use [`encode`] and [`decode`], so
//! that every backend reads what the others write. A record that does not parse, has another
//! version or holds an empty token decodes to `None`: a miss, never an error.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0_m2m_token::AccessToken;
use serde_json::Value;

/// The version written in the `v` field of every record.
pub const RECORD_VERSION: u32 = 1;

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
///
/// The fields are written in a fixed order: `v`, `access_token`, `token_type`, `scopes`,
/// `expires_at` and `obtained_at` (milliseconds since the Unix epoch).
pub fn encode(token: &AccessToken) -> Vec<u8> {
    // Serializing a string or a list of strings cannot fail.
    let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let scopes = serde_json::to_string(token.scopes()).unwrap_or_else(|_| "[]".to_owned());
    format!(
        "{{\"v\":{RECORD_VERSION},\"access_token\":{},\"token_type\":{},\"scopes\":{scopes},\"expires_at\":{},\"obtained_at\":{}}}",
        text(token.expose_secret()),
        text(token.token_type()),
        to_millis(token.expires_at()),
        to_millis(token.obtained_at()),
    )
    .into_bytes()
}

/// Parses a record written by [`encode`]; `None` when it is not a valid record of this version.
///
/// Every field is required but `scopes` (an empty list when absent); fields it does not know
/// are ignored.
pub fn decode(bytes: &[u8]) -> Option<AccessToken> {
    let Value::Object(mut record) = serde_json::from_slice(bytes).ok()? else {
        return None;
    };
    let mut take = |key: &str| record.remove(key);
    let v = u32::try_from(take("v")?.as_u64()?).ok()?;
    let access_token = string(take("access_token")?)?;
    let token_type = string(take("token_type")?)?;
    let scopes = match take("scopes") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.into_iter().map(string).collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let expires_at = take("expires_at")?.as_u64()?;
    let obtained_at = take("obtained_at")?.as_u64()?;
    if v != RECORD_VERSION || access_token.is_empty() || expires_at < obtained_at {
        return None;
    }
    Some(AccessToken::new(
        access_token,
        token_type,
        scopes,
        from_millis(expires_at)?,
        from_millis(obtained_at)?,
    ))
}

fn string(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
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
    fn the_record_keeps_its_byte_layout() {
        // What earlier versions wrote, byte for byte: every backend and process reads the same.
        assert_eq!(
            String::from_utf8(encode(&token())).unwrap(),
            r#"{"v":1,"access_token":"tok","token_type":"Bearer","scopes":["a"],"expires_at":1700000060123,"obtained_at":1700000000123}"#
        );
        let quoted = AccessToken::new(
            "a\"b",
            "Bearer",
            Vec::new(),
            UNIX_EPOCH + Duration::from_secs(2),
            UNIX_EPOCH + Duration::from_secs(1),
        );
        assert!(decode(&encode(&quoted)).unwrap().same_secret(&quoted));
    }

    #[test]
    fn fields_of_the_wrong_kind_are_misses_and_unknown_fields_are_ignored() {
        for bad in [
            &br#"{"v":"1","access_token":"t","token_type":"Bearer","expires_at":2,"obtained_at":1}"#[..],
            br#"{"v":1,"access_token":"t","token_type":"Bearer","scopes":null,"expires_at":2,"obtained_at":1}"#,
            br#"{"v":1,"access_token":"t","token_type":"Bearer","scopes":[1],"expires_at":2,"obtained_at":1}"#,
            br#"{"v":1,"access_token":"t","token_type":"Bearer","expires_at":-2,"obtained_at":1}"#,
            br#"[1]"#,
        ] {
            assert!(decode(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        let t = decode(
            br#"{"v":1,"access_token":"t","token_type":"Bearer","expires_at":2,"obtained_at":1,"new":true}"#,
        )
        .unwrap();
        assert!(t.scopes().is_empty());
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
