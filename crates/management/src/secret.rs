//! Secrets in models: a redacting, zeroizing secret string, a JSON object whose secret-bearing
//! values are redacted in `Debug`, and the rule that says which keys bear secrets.

use std::fmt;
use std::ops::{Deref, DerefMut};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// What `Debug` prints in place of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// A secret string (client secret, password, signing key material).
///
/// It serializes and deserializes as a plain JSON string, but its `Debug` output is
/// `"[REDACTED]"`, so a model holding a secret can be logged without leaking the value, and
/// the memory is zeroed when it is dropped (it is a [`secrecy::SecretString`] inside, the same
/// secret type as the token crate's). There is deliberately no `Display` implementation; call
/// [`Secret::expose`] to read it.
///
/// ```
/// use auth0_m2m_management::Secret;
/// let secret = Secret::new("hunter2");
/// assert_eq!(format!("{secret:?}"), "[REDACTED]");
/// assert_eq!(secret.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// Returns the secret value. Keep it out of logs and error messages.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Returns a copy of the secret value (the wrapper keeps zeroizing its own copy).
    pub fn into_inner(self) -> String {
        self.0.expose_secret().to_owned()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Whether a field name names a secret, by its words.
///
/// The name is split into words at `_`, `-`, `.` and case changes, so `datadogApiKey`,
/// `datadog_api_key` and `DATADOG-API-KEY` are the same three words. The name is a secret when
/// its **last** word is one of [`SECRET_LAST_WORDS`] (`client_secret`, `access_token`,
/// `httpAuthorization`, `mixpanelServiceAccountPassword`, `segmentWriteKey`, `private_key`), except a `key`
/// that is public by its word before (`public_key`, `site_key`, `header_key`), or when the whole
/// name is one of [`SECRET_NAMES`] (`skey`, Duo's secret key; `masterkey`). A name whose secret
/// word is not the last (`token_endpoint`, `private_key_id`, `last_password_reset`) is not.
///
/// This is the rule of the generated models: a string field whose name it marks is a
/// [`Secret`], whose `Debug` is redacted.
///
/// ```
/// use auth0_m2m_management::secret::is_secret_field;
/// assert!(is_secret_field("datadogApiKey"));
/// assert!(is_secret_field("client_secret"));
/// assert!(is_secret_field("httpAuthorization"));
/// assert!(!is_secret_field("public_key"));
/// assert!(!is_secret_field("token_endpoint"));
/// assert!(!is_secret_field("key_id"));
/// ```
pub fn is_secret_field(name: &str) -> bool {
    let words = words(name);
    let lower = name.to_ascii_lowercase();
    if SECRET_NAMES.contains(&lower.as_str()) {
        return true;
    }
    let Some(last) = words.last() else {
        return false;
    };
    if !SECRET_LAST_WORDS.contains(&last.as_str()) {
        return false;
    }
    let before = words.len().checked_sub(2).map(|i| words[i].as_str());
    !(last == "key" && before.is_some_and(|b| PUBLIC_KEY_WORDS.contains(&b)))
}

/// The last words that make a field name secret ([`is_secret_field`]).
pub const SECRET_LAST_WORDS: &[&str] = &[
    "secret",
    "password",
    "passphrase",
    "pass",
    "token",
    "authorization",
    "assertion",
    "credential",
    "key",
];

/// Whole names that are secrets though no word of theirs says so ([`is_secret_field`]).
pub const SECRET_NAMES: &[&str] = &["skey", "masterkey", "apikey"];

/// Words before a final `key` that make it public ([`is_secret_field`]).
pub const PUBLIC_KEY_WORDS: &[&str] = &["public", "site", "header"];

/// The lower-case words of a name: breaks at any character that is not an ASCII letter or
/// digit, and where a lower-case letter or digit is followed by an upper-case one, or an
/// upper-case run ends before a lower-case letter (`SCIMConfig` → `scim`, `config`).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether the value of a JSON key is redacted wherever it sits (unknown fields, request bodies,
/// values a union could not classify): every name [`is_secret_field`] marks, and, more
/// broadly for values no type describes, any key that contains `secret`, `password`, `token`,
/// `private`, `signing_key`, `credential`, `api_key`, `assertion` or `passphrase`, matched
/// case-insensitively anywhere in the key.
///
/// This is the rule of every redaction of raw JSON in this workspace: [`SecretMap`] and
/// [`Body`]'s `Debug` redact the values of such keys, wherever they sit in the JSON.
///
/// [`Body`]: crate::Body
///
/// ```
/// use auth0_m2m_management::secret::is_secret_key;
/// assert!(is_secret_key("client_secret"));
/// assert!(is_secret_key("Password"));
/// assert!(is_secret_key("datadogApiKey"));
/// assert!(!is_secret_key("client_id"));
/// ```
pub fn is_secret_key(key: &str) -> bool {
    const WORDS: [&str; 9] = [
        "secret",
        "password",
        "token",
        "private",
        "signing_key",
        "credential",
        "api_key",
        "assertion",
        "passphrase",
    ];
    let lower = key.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w)) || is_secret_field(key)
}

/// A copy of `value` in which the value of every secret-bearing key ([`is_secret_key`]), at any
/// depth, is replaced by `"[REDACTED]"`.
///
/// ```
/// use serde_json::json;
/// let redacted = auth0_m2m_management::secret::redact_json(&json!({
///     "name": "google",
///     "options": {"client_id": "abc", "client_secret": "s3cr3t"}
/// }));
/// assert_eq!(redacted["options"]["client_secret"], "[REDACTED]");
/// assert_eq!(redacted["options"]["client_id"], "abc");
/// ```
pub fn redact_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact_json(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

/// A JSON object that may hold secrets, such as a connection's `options` (social and
/// enterprise connections keep their `client_secret` there).
///
/// It serializes transparently and dereferences to the map, but its `Debug` output redacts
/// the values of secret-bearing keys ([`is_secret_key`]).
///
/// ```
/// use auth0_m2m_management::secret::SecretMap;
/// let options: SecretMap =
///     serde_json::from_str(r#"{"client_id":"abc","client_secret":"s3cr3t"}"#).unwrap();
/// assert_eq!(options["client_secret"], "s3cr3t");
/// assert!(!format!("{options:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct SecretMap(pub Map<String, Value>);

impl Serialize for SecretMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SecretMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self)
    }
}

/// A JSON map newtype that dereferences to the map, converts from one, and redacts the values
/// of secret-bearing keys in its `Debug` output.
macro_rules! redacting_map {
    ($name:ident) => {
        impl Deref for $name {
            type Target = Map<String, Value>;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }

        impl From<Map<String, Value>> for $name {
            fn from(map: Map<String, Value>) -> Self {
                Self(map)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&redact_json(&Value::Object(self.0.clone())), f)
            }
        }
    };
}

redacting_map!(SecretMap);
redacting_map!(ExtraFields);

/// The fields of a model that the model does not name, kept as received and serialized back.
///
/// It dereferences to the JSON map and its `Debug` output redacts secret-bearing values like
/// [`SecretMap`]'s. [`collect_extra_keys`] reports which keys landed here while reading JSON,
/// which is how the conformance check finds a field the API description names but a model
/// misses (it would otherwise round-trip silently through `extra`).
///
/// ```
/// use auth0_m2m_management::shared::Role;
/// let role: Role = serde_json::from_str(r#"{"id":"rol_1","shiny_new":true}"#).unwrap();
/// assert_eq!(role.extra["shiny_new"], true);
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct ExtraFields(pub Map<String, Value>);

impl Serialize for ExtraFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

thread_local! {
    static EXTRA_KEYS: std::cell::RefCell<Option<Vec<String>>> =
        const { std::cell::RefCell::new(None) };
}

impl ExtraFields {
    /// The fields a model read but does not name, reported to [`collect_extra_keys`].
    pub(crate) fn received(map: Map<String, Value>) -> Self {
        if !map.is_empty() {
            EXTRA_KEYS.with(|keys| {
                if let Some(keys) = keys.borrow_mut().as_mut() {
                    keys.extend(map.keys().cloned());
                }
            });
        }
        Self(map)
    }
}

impl<'de> Deserialize<'de> for ExtraFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::received)
    }
}

impl crate::json::FromJson for Secret {
    fn from_json(value: Value) -> Result<Self, crate::json::JsonError> {
        <String as crate::json::FromJson>::from_json(value).map(Secret::new)
    }
}

impl crate::json::ToJson for Secret {
    fn to_json(&self) -> Value {
        Value::String(self.expose().to_owned())
    }
}

impl crate::json::FromJson for SecretMap {
    fn from_json(value: Value) -> Result<Self, crate::json::JsonError> {
        crate::json::object(value, "an object").map(Self)
    }
}

impl crate::json::ToJson for SecretMap {
    fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// Runs `f` and returns its result with the keys that went into any model's `extra` while it
/// ran on this thread (in the order met, repeated as often as met).
///
/// ```
/// use auth0_m2m_management::shared::Role;
/// use auth0_m2m_management::secret::collect_extra_keys;
/// let (role, keys) = collect_extra_keys(|| {
///     serde_json::from_str::<Role>(r#"{"id":"rol_1","descripton":"typo"}"#)
/// });
/// assert!(role.is_ok());
/// assert_eq!(keys, ["descripton"]);
/// ```
pub fn collect_extra_keys<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = EXTRA_KEYS.with(|keys| keys.borrow_mut().replace(Vec::new()));
    let result = f();
    let collected = EXTRA_KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        let collected = keys.take().unwrap_or_default();
        *keys = outer;
        collected
    });
    (result, collected)
}

/// Adds `keys` to the keys [`collect_extra_keys`] is collecting on this thread, if any (a union
/// reads each of its shapes under its own collection, then reports the chosen shape's keys).
pub(crate) fn report_extra_keys(keys: Vec<String>) {
    EXTRA_KEYS.with(|collected| {
        if let Some(collected) = collected.borrow_mut().as_mut() {
            collected.extend(keys);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new("hunter2-very-secret");
        let printed = format!("{secret:?} {secret:#?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[REDACTED]"));
    }

    #[test]
    fn serializes_transparently() {
        let secret: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(secret.expose(), "abc");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"abc\"");
        assert_eq!(Secret::from("x").into_inner(), "x");
        assert_eq!(Secret::new("a"), Secret::from("a".to_owned()));
    }

    #[test]
    fn the_field_rule_reads_words() {
        for secret in [
            "datadogApiKey",
            "segmentWriteKey",
            "httpAuthorization",
            "splunkToken",
            "sasKey",
            "secretAccessKey",
            "aws_secret_access_key",
            "access_token_secret",
            "mixpanelServiceAccountPassword",
            "smtp_pass",
            "skey",
            "key",
            "client_assertion",
        ] {
            assert!(is_secret_field(secret), "{secret}");
            assert!(is_secret_key(secret), "{secret}");
        }
        for public in [
            "public_key",
            "site_key",
            "header_key",
            "key_id",
            "private_key_id",
            "token_endpoint",
            "subject_token_type",
            "last_password_reset",
            "ikey",
            "credential_type",
            "",
        ] {
            assert!(!is_secret_field(public), "{public}");
        }
        assert_eq!(
            words("SCIMConfig-x_y2Z"),
            ["scim", "config", "x", "y2", "z"]
        );
    }

    #[test]
    fn nested_secrets_are_redacted_at_any_depth() {
        let value = serde_json::json!({
            "options": {"upstream": [{"password": "p4ss-word-1"}], "token_endpoint": null},
            "signing_keys": [{"private_key": "-----BEGIN PRIVATE KEY-----x"}],
            "name": "visible"
        });
        let map = SecretMap(value.as_object().unwrap().clone());
        let printed = format!("{map:?} {map:#?}");
        for hidden in ["p4ss-word-1", "BEGIN PRIVATE KEY"] {
            assert!(!printed.contains(hidden), "{printed}");
        }
        assert!(printed.contains("visible"));
        // Null stays null: nothing is hidden, and the shape is kept.
        assert_eq!(
            redact_json(&value)["options"]["token_endpoint"],
            Value::Null
        );
    }
}
