//! Small helpers: time, identifiers, dates.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    now_ms() / 1000
}

/// 64 random bits from the operating system.
///
/// # Panics
///
/// When the operating system has no random numbers to give.
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes)
        .expect("the operating system's random number generator failed");
    u64::from_le_bytes(bytes)
}

/// A uniformly random number in `0..n` (`0` when `n` is `0`).
pub(crate) fn random_below(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    // Rejects the draws of the incomplete last block of `n` values (no modulo bias).
    let limit = u64::MAX - u64::MAX % n;
    loop {
        let x = random_u64();
        if x < limit {
            return x % n;
        }
    }
}

/// A uniformly random number in `low..=high` (`low` when `high < low`).
pub(crate) fn random_in(low: u64, high: u64) -> u64 {
    match high.checked_sub(low) {
        Some(span) => match span.checked_add(1) {
            Some(count) => low + random_below(count),
            None => random_u64(),
        },
        None => low,
    }
}

/// `true` with probability `p`.
pub(crate) fn random_bool(p: f64) -> bool {
    ((random_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
}

/// The SHA-256 digest of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// A random (version 4) UUID in its simple form: 32 lowercase hexadecimal digits.
pub(crate) fn random_uuid_simple() -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format!("{:032x}", u128::from_be_bytes(bytes))
}

/// A random (version 4) UUID in its hyphenated form (`8-4-4-4-12` lowercase hexadecimal).
pub(crate) fn random_uuid() -> String {
    let s = random_uuid_simple();
    format!(
        "{}-{}-{}-{}-{}",
        &s[..8],
        &s[8..12],
        &s[12..16],
        &s[16..20],
        &s[20..]
    )
}

/// A random alphanumeric string of `len` characters.
pub(crate) fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_chars(len, ALPHABET)
}

/// A random lowercase hexadecimal string of `len` characters.
pub(crate) fn random_hex(len: usize) -> String {
    random_chars(len, b"0123456789abcdef")
}

/// `len` characters drawn uniformly from `alphabet` (at most 256 ASCII characters).
pub(crate) fn random_chars(len: usize, alphabet: &[u8]) -> String {
    // Bytes at or over the largest multiple of the alphabet's size are dropped (no bias).
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    let mut bytes = [0u8; 64];
    while out.len() < len {
        getrandom::getrandom(&mut bytes)
            .expect("the operating system's random number generator failed");
        for b in bytes {
            if out.len() < len && usize::from(b) < limit {
                out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
            }
        }
    }
    out
}

/// Formats Unix milliseconds as an ISO 8601 UTC timestamp with milliseconds
/// (`2024-01-02T03:04:05.678Z`), the format Auth0 uses for dates.
pub(crate) fn iso8601(ms: u64) -> String {
    let (y, mo, d, h, mi, s, milli) = civil(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// Compact digits `YYYYMMDDhhmmssmmm` used in log identifiers.
pub(crate) fn compact_date(ms: u64) -> String {
    let (y, mo, d, h, mi, s, milli) = civil(ms);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{milli:03}")
}

fn civil(ms: u64) -> (i64, u32, u32, u64, u64, u64, u64) {
    let secs = ms / 1000;
    let milli = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60, milli)
}

/// Locks a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Collects key-value pairs into a JSON object by inserting them one by one (the last of equal
/// keys wins, as with `collect()`). `collect()` into a map sorts a vector of the pairs first,
/// which compiles a whole stable sort for every iterator type it is called with.
pub(crate) trait IntoObject: Iterator<Item = (String, Value)> + Sized {
    /// The pairs as a JSON object.
    fn into_object(self) -> Map<String, Value> {
        let mut map = Map::new();
        for (key, value) in self {
            map.insert(key, value);
        }
        map
    }
}

impl<I: Iterator<Item = (String, Value)>> IntoObject for I {}

/// The JSON value `value` serializes to. Every value this crate writes serializes, so a
/// failure is a bug in the type's `Serialize` implementation.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).expect("the value serializes to JSON")
}

/// An empty list of an object's pairs, which `json!` pushes one by one (a macro cannot count
/// them up front).
pub(crate) fn pairs<'a>() -> Vec<(&'a str, Value)> {
    Vec::new()
}

/// A JSON object with `pairs`, in order; of equal keys the last wins (as in `json!`).
pub(crate) fn object_of(pairs: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in pairs {
        map.insert(key.to_owned(), value);
    }
    Value::Object(map)
}

/// `serde_json::json!` with the same syntax and values, expanded into less code: an object is
/// one vector of `(key, value)` pairs handed to [`object_of`] and every other value one call
/// of [`to_json`], where `serde_json`'s macro writes an insert, a key conversion and an unwrap
/// for each. The tenant writes hundreds of JSON literals, and this keeps their code small.
/// Keys are `&str` (a literal, or an expression in parentheses or a single identifier).
macro_rules! json {
    // Arrays: `@array [elements so far] rest`.
    (@array [$($elems:expr,)*]) => { vec![$($elems,)*] };
    (@array [$($elems:expr),*]) => { vec![$($elems),*] };
    (@array [$($elems:expr,)*] null $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)* serde_json::Value::Null] $($rest)*)
    };
    (@array [$($elems:expr,)*] true $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)* serde_json::Value::Bool(true)] $($rest)*)
    };
    (@array [$($elems:expr,)*] false $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)* serde_json::Value::Bool(false)] $($rest)*)
    };
    (@array [$($elems:expr,)*] [$($array:tt)*] $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)* $crate::util::json!([$($array)*])] $($rest)*)
    };
    (@array [$($elems:expr,)*] {$($map:tt)*} $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)* $crate::util::json!({$($map)*})] $($rest)*)
    };
    (@array [$($elems:expr,)*] $next:expr, $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)* $crate::util::json!($next),] $($rest)*)
    };
    (@array [$($elems:expr,)*] $last:expr) => {
        $crate::util::json!(@array [$($elems,)* $crate::util::json!($last)])
    };
    (@array [$($elems:expr),*] , $($rest:tt)*) => {
        $crate::util::json!(@array [$($elems,)*] $($rest)*)
    };

    // Objects: `@object pairs (key so far) (rest) (copy of rest)`, one pushed pair at a time.
    (@object $pairs:ident () () ()) => {};
    (@object $pairs:ident [$($key:tt)+] ($value:expr) , $($rest:tt)*) => {
        $pairs.push(($($key)+, $value));
        $crate::util::json!(@object $pairs () ($($rest)*) ($($rest)*));
    };
    (@object $pairs:ident [$($key:tt)+] ($value:expr)) => {
        $pairs.push(($($key)+, $value));
    };
    (@object $pairs:ident ($($key:tt)+) (: null $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] (serde_json::Value::Null) $($rest)*);
    };
    (@object $pairs:ident ($($key:tt)+) (: true $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] (serde_json::Value::Bool(true)) $($rest)*);
    };
    (@object $pairs:ident ($($key:tt)+) (: false $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] (serde_json::Value::Bool(false)) $($rest)*);
    };
    (@object $pairs:ident ($($key:tt)+) (: [$($array:tt)*] $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] ($crate::util::json!([$($array)*])) $($rest)*);
    };
    (@object $pairs:ident ($($key:tt)+) (: {$($map:tt)*} $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] ($crate::util::json!({$($map)*})) $($rest)*);
    };
    (@object $pairs:ident ($($key:tt)+) (: $value:expr , $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] ($crate::util::json!($value)) , $($rest)*);
    };
    (@object $pairs:ident ($($key:tt)+) (: $value:expr) $copy:tt) => {
        $crate::util::json!(@object $pairs [$($key)+] ($crate::util::json!($value)));
    };
    (@object $pairs:ident () (($key:expr) : $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs ($key) (: $($rest)*) (: $($rest)*));
    };
    (@object $pairs:ident ($($key:tt)*) ($tt:tt $($rest:tt)*) $copy:tt) => {
        $crate::util::json!(@object $pairs ($($key)* $tt) ($($rest)*) ($($rest)*));
    };

    (null) => { serde_json::Value::Null };
    (true) => { serde_json::Value::Bool(true) };
    (false) => { serde_json::Value::Bool(false) };
    ([]) => { serde_json::Value::Array(Vec::new()) };
    ([ $($tt:tt)+ ]) => { serde_json::Value::Array($crate::util::json!(@array [] $($tt)+)) };
    ({}) => { serde_json::Value::Object(serde_json::Map::new()) };
    ({ $($tt:tt)+ }) => {{
        let mut pairs = $crate::util::pairs();
        $crate::util::json!(@object pairs () ($($tt)+) ($($tt)+));
        $crate::util::object_of(pairs)
    }};
    ($other:expr) => { $crate::util::to_json(&$other) };
}
pub(crate) use json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_into_an_object_keep_the_last_of_equal_keys() {
        let pairs = vec![
            ("b".to_owned(), Value::from(1)),
            ("a".to_owned(), Value::from(2)),
            ("b".to_owned(), Value::from(3)),
        ];
        let object = pairs.into_iter().into_object();
        assert_eq!(Value::Object(object), serde_json::json!({"a": 2, "b": 3}));
    }

    #[test]
    fn the_json_macro_writes_what_serde_json_writes() {
        let name = String::from("Default App");
        let key = String::from("dynamic");
        let ids = vec![1u64, 2, 3];
        let nested = serde_json::json!({"x": [1, {"y": null}]});
        let f = |a: u64, b: u64| a + b;
        let ours = json!({
            "null": null, "yes": true, "no": false,
            "name": name, "len": name.len(), "sum": f(1, 2), "negative": -1,
            "empty_array": [], "empty_object": {},
            "array": [null, true, false, "text", f(3, 4), [1, [2]], {"k": "v"}],
            "ids": ids, "nested": nested,
            (key.as_str()): "from an expression",
            "same": 1, "same": 2,
            "trailing": {"a": 1,},
        });
        let theirs = serde_json::json!({
            "null": null, "yes": true, "no": false,
            "name": name, "len": name.len(), "sum": f(1, 2), "negative": -1,
            "empty_array": [], "empty_object": {},
            "array": [null, true, false, "text", f(3, 4), [1, [2]], {"k": "v"}],
            "ids": ids, "nested": nested,
            key: "from an expression",
            "same": 1, "same": 2,
            "trailing": {"a": 1,},
        });
        assert_eq!(ours, theirs);
        assert_eq!(ours.to_string(), theirs.to_string());
        assert_eq!(json!("text"), serde_json::json!("text"));
        assert_eq!(json!([1, "two",]), serde_json::json!([1, "two"]));
    }

    #[test]
    fn formats_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_630_700_180_123), "2021-09-03T20:16:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(compact_date(1_630_700_180_123), "20210903201620123");
    }

    #[test]
    fn random_ids_have_the_requested_shape() {
        let h = random_hex(24);
        assert_eq!(h.len(), 24);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(random_alnum(32).len(), 32);
    }
}
