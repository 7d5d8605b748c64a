//! Compact JSON Web Tokens (RFC 7515, RFC 7519) with `ring`: the tenant's RS256 access tokens
//! are signed here, and access tokens, client assertions and DPoP proofs are verified here.
//!
//! A token is `header.payload.signature`, each part base64url without padding. Its header
//! names an algorithm of RFC 7518 (any other name makes the token malformed) and may carry
//! `typ`, `kid` and, in a DPoP proof, the public key as `jwk`. Verification checks, in this
//! order: the algorithm is the one expected and fits the key, the signature, the payload is a
//! JSON object, the required claims are present (`exp` a whole number, `iss` and `aud` a string
//! or an array of strings, `sub` a string), `exp` is not past (with leeway), `iss` and `aud` are
//! among those expected.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};
use serde_json::{Map, Value};

/// The algorithm names RFC 7518 registers for signatures, as a token header's `alg`.
const ALGORITHMS: &[&str] = &[
    "HS256", "HS384", "HS512", "ES256", "ES384", "RS256", "RS384", "RS512", "PS256", "PS384",
    "PS512", "EdDSA",
];

/// The algorithm names a JSON Web Key's `alg` may hold.
const KEY_ALGORITHMS: &[&str] = &[
    "HS256",
    "HS384",
    "HS512",
    "ES256",
    "ES384",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
    "RSA1_5",
    "RSA-OAEP",
    "RSA-OAEP-256",
];

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JwtError {
    /// Not three base64url parts, a header that is not a JSON object naming a known algorithm,
    /// a payload that is not a JSON object, or a signature that is not base64url.
    Malformed,
    /// The header's algorithm is not the one expected, or does not fit the key.
    WrongAlgorithm,
    /// The signature does not verify with the key.
    InvalidSignature,
    /// A required claim is absent or of the wrong type.
    MissingClaim(&'static str),
    /// `exp` is past (beyond the leeway).
    Expired,
    /// `iss` is not the expected issuer.
    InvalidIssuer,
    /// `aud` does not name the expected audience.
    InvalidAudience,
}

/// A token's header.
#[derive(Debug)]
pub(crate) struct Header {
    /// `alg`, one of [`ALGORITHMS`].
    pub(crate) alg: &'static str,
    /// `typ`.
    pub(crate) typ: Option<String>,
    /// `kid`.
    pub(crate) kid: Option<String>,
    /// `jwk`, a public key in JSON Web Key form (checked to be one).
    pub(crate) jwk: Option<Value>,
}

/// The three parts of a compact token: header, payload, signature.
fn parts(token: &str) -> Result<(&str, &str, &str), JwtError> {
    let mut it = token.split('.');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(h), Some(p), Some(s), None) => Ok((h, p, s)),
        _ => Err(JwtError::Malformed),
    }
}

fn json_part(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JwtError::Malformed),
    }
}

/// `v[key]` is absent, `null` or a string.
fn optional_string(v: &Map<String, Value>, key: &str) -> bool {
    matches!(v.get(key), None | Some(Value::Null | Value::String(_)))
}

/// `v[key]` is absent, `null` or an array of strings.
fn optional_strings(v: &Map<String, Value>, key: &str) -> bool {
    match v.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.iter().all(Value::is_string),
        Some(_) => false,
    }
}

/// `v` has the members of a JSON Web Key (RFC 7517): a `kty` of `EC`, `RSA`, `oct` or `OKP`
/// with that type's parameters, and well-typed common members.
fn is_jwk(v: &Value) -> bool {
    let Some(k) = v.as_object() else {
        return false;
    };
    let common = ["use", "kid", "x5u", "x5t", "x5t#S256"]
        .iter()
        .all(|m| optional_string(k, m))
        && optional_strings(k, "key_ops")
        && optional_strings(k, "x5c")
        && match k.get("alg") {
            None | Some(Value::Null) => true,
            Some(Value::String(a)) => KEY_ALGORITHMS.contains(&a.as_str()),
            Some(_) => false,
        };
    let string = |m: &str| k.get(m).is_some_and(Value::is_string);
    let curve = k
        .get("crv")
        .and_then(Value::as_str)
        .is_some_and(|c| ["P-256", "P-384", "P-521", "Ed25519"].contains(&c));
    let params = match k.get("kty").and_then(Value::as_str) {
        Some("EC") => curve && string("x") && string("y"),
        Some("RSA") => string("n") && string("e"),
        Some("oct") => string("k"),
        Some("OKP") => curve && string("x"),
        _ => false,
    };
    common && params
}

/// Reads a token's header without verifying anything else.
pub(crate) fn header(token: &str) -> Result<Header, JwtError> {
    let (h, _, _) = parts(token)?;
    let h = json_part(h)?;
    let alg = h
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|a| ALGORITHMS.iter().find(|k| **k == a))
        .ok_or(JwtError::Malformed)?;
    let strings = ["typ", "cty", "jku", "kid", "x5u", "x5t", "x5t#S256"];
    if !strings.iter().all(|m| optional_string(&h, m)) || !optional_strings(&h, "x5c") {
        return Err(JwtError::Malformed);
    }
    let jwk = match h.get("jwk") {
        None | Some(Value::Null) => None,
        Some(k) if is_jwk(k) => Some(k.clone()),
        Some(_) => return Err(JwtError::Malformed),
    };
    let text = |m: &str| h.get(m).and_then(Value::as_str).map(str::to_owned);
    Ok(Header {
        alg,
        typ: text("typ"),
        kid: text("kid"),
        jwk,
    })
}

/// A public key that verifies signatures.
pub(crate) enum PublicKey {
    /// An RSA key: modulus and exponent, big-endian.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// An elliptic-curve point, uncompressed (`0x04 ‖ x ‖ y`).
    Ec(Vec<u8>),
    /// An Ed25519 key.
    Ed(Vec<u8>),
    /// A shared secret (an `oct` key).
    Secret,
}

impl PublicKey {
    /// The key of a JSON Web Key (see [`Header::jwk`]); `None` when a parameter is not
    /// base64url.
    pub(crate) fn from_jwk(jwk: &Value) -> Option<Self> {
        let b64 = |m: &str| jwk[m].as_str().and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
        match jwk["kty"].as_str()? {
            "RSA" => Some(Self::Rsa {
                n: b64("n")?,
                e: b64("e")?,
            }),
            "EC" => {
                let (x, y) = (b64("x")?, b64("y")?);
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Some(Self::Ec(point))
            }
            "OKP" => b64("x").map(Self::Ed),
            "oct" => b64("k").map(|_| Self::Secret),
            _ => None,
        }
    }

    /// Whether `signature` over `message` verifies with this key under `alg`.
    fn verifies(&self, alg: &str, message: &[u8], signature: &[u8]) -> Result<bool, JwtError> {
        let rsa: &'static signature::RsaParameters = match alg {
            "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
            "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
            "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
            "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
            "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
            "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
            _ => {
                let other: &'static dyn VerificationAlgorithm = match (alg, self) {
                    ("ES256", Self::Ec(_)) => &signature::ECDSA_P256_SHA256_FIXED,
                    ("ES384", Self::Ec(_)) => &signature::ECDSA_P384_SHA384_FIXED,
                    ("EdDSA", Self::Ed(_)) => &signature::ED25519,
                    _ => return Err(JwtError::WrongAlgorithm),
                };
                let (Self::Ec(key) | Self::Ed(key)) = self else {
                    return Err(JwtError::WrongAlgorithm);
                };
                return Ok(UnparsedPublicKey::new(other, key)
                    .verify(message, signature)
                    .is_ok());
            }
        };
        let Self::Rsa { n, e } = self else {
            return Err(JwtError::WrongAlgorithm);
        };
        Ok(RsaPublicKeyComponents { n, e }
            .verify(rsa, message, signature)
            .is_ok())
    }
}

/// What [`verify`] checks beyond the signature.
pub(crate) struct Validation<'a> {
    /// The algorithm the header must name.
    pub(crate) alg: &'a str,
    /// Claims that must be present, checked in this order.
    pub(crate) required: &'a [&'static str],
    /// Whether `exp` is checked against the clock.
    pub(crate) check_exp: bool,
    /// Seconds `exp` may be past.
    pub(crate) leeway: u64,
    /// The issuer `iss` must be, if any.
    pub(crate) issuer: Option<&'a str>,
    /// The audience `aud` must name, if any.
    pub(crate) audience: Option<&'a str>,
}

impl<'a> Validation<'a> {
    /// The signature alone, with `alg`: no claim required, no time or party checked.
    pub(crate) fn signature_only(alg: &'a str) -> Self {
        Self {
            alg,
            required: &[],
            check_exp: false,
            leeway: 0,
            issuer: None,
            audience: None,
        }
    }
}

/// Whether claim `value` names `expected` (a string equal to it, or an array holding it);
/// `None` when the claim is not a string or an array of strings.
fn names(value: &Value, expected: &str) -> Option<bool> {
    match value {
        Value::String(s) => Some(s == expected),
        Value::Array(a) => {
            let mut found = false;
            for v in a {
                found |= v.as_str()? == expected;
            }
            Some(found)
        }
        _ => None,
    }
}

/// Verifies `token` with `key` as `v` says and returns its claims.
pub(crate) fn verify(token: &str, key: &PublicKey, v: &Validation<'_>) -> Result<Value, JwtError> {
    let (h, p, s) = parts(token)?;
    let header = header(token)?;
    if header.alg != v.alg {
        return Err(JwtError::WrongAlgorithm);
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let message = &token[..h.len() + 1 + p.len()];
    if !key.verifies(v.alg, message.as_bytes(), &signature)? {
        return Err(JwtError::InvalidSignature);
    }
    let claims = json_part(p)?;
    for claim in v.required {
        let present = match claims.get(*claim) {
            Some(Value::Number(n)) if *claim == "exp" => n.is_u64(),
            Some(Value::String(_)) => *claim != "exp",
            Some(a @ Value::Array(_)) => {
                (*claim == "iss" || *claim == "aud") && names(a, "").is_some()
            }
            _ => false,
        };
        if !present {
            return Err(JwtError::MissingClaim(claim));
        }
    }
    if v.check_exp
        && let Some(exp) = claims.get("exp").and_then(Value::as_u64)
        && exp < crate::util::now_secs().saturating_sub(v.leeway)
    {
        return Err(JwtError::Expired);
    }
    if let (Some(iss), Some(expected)) = (claims.get("iss"), v.issuer)
        && names(iss, expected) == Some(false)
    {
        return Err(JwtError::InvalidIssuer);
    }
    if let Some(expected) = v.audience
        && let Some(aud) = claims.get("aud")
        && names(aud, expected) == Some(false)
    {
        return Err(JwtError::InvalidAudience);
    }
    Ok(Value::Object(claims))
}

/// Signs `claims` as an RS256 token whose header is `{"typ":"JWT","alg":"RS256","kid":…}`.
pub(crate) fn sign_rs256(
    key: &signature::RsaKeyPair,
    kid: &str,
    claims: &Value,
) -> Result<String, String> {
    let header = format!(
        r#"{{"typ":"JWT","alg":"RS256","kid":{}}}"#,
        Value::String(kid.to_owned())
    );
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        token.as_bytes(),
        &mut sig,
    )
    .map_err(|_| "the token could not be signed".to_owned())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(sig));
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encode(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn headers_name_a_known_algorithm_and_well_typed_members() {
        let token = |h: Value| format!("{}.{}.c2ln", encode(&h), encode(&json!({})));
        let h = header(&token(
            json!({"alg": "ES256", "typ": "dpop+jwt", "kid": "k"}),
        ))
        .expect("header");
        assert_eq!(
            (h.alg, h.typ.as_deref(), h.kid.as_deref()),
            ("ES256", Some("dpop+jwt"), Some("k"))
        );
        for bad in [
            json!({"alg": "none"}),
            json!({"typ": "JWT"}),
            json!({"alg": "RS256", "kid": 7}),
            json!({"alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": "AA"}}),
            json!({"alg": "ES256", "jwk": {"kty": "RSA", "n": "AA", "e": "AQAB", "alg": "XX1"}}),
        ] {
            assert_eq!(
                header(&token(bad.clone())).err(),
                Some(JwtError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(header("a.b").err(), Some(JwtError::Malformed));
        assert_eq!(header("a.b.c.d").err(), Some(JwtError::Malformed));
    }

    #[test]
    fn claims_are_checked_in_order() {
        let key = crate::keys::signing_key().expect("key");
        let now = crate::util::now_secs();
        let v = Validation {
            alg: "RS256",
            required: &["exp", "iss", "aud", "sub"],
            check_exp: true,
            leeway: 0,
            issuer: Some("https://x/"),
            audience: Some("https://x/api/v2/"),
        };
        let good = json!({"iss": "https://x/", "aud": ["https://x/api/v2/", "o"], "sub": "s",
                          "exp": now + 60});
        let check = |claims: &Value| verify(&key.sign(claims).expect("sign"), &key.public, &v);
        assert!(check(&good).is_ok());
        let mut c = good.clone();
        c["exp"] = json!("soon");
        assert_eq!(check(&c).err(), Some(JwtError::MissingClaim("exp")));
        let mut c = good.clone();
        c["exp"] = json!(now - 1);
        assert_eq!(check(&c).err(), Some(JwtError::Expired));
        let mut c = good.clone();
        c["iss"] = json!("https://y/");
        assert_eq!(check(&c).err(), Some(JwtError::InvalidIssuer));
        let mut c = good.clone();
        c["aud"] = json!("o");
        assert_eq!(check(&c).err(), Some(JwtError::InvalidAudience));
        let mut c = good;
        c.as_object_mut().expect("object").remove("sub");
        assert_eq!(check(&c).err(), Some(JwtError::MissingClaim("sub")));
        let token = key.sign(&json!({"exp": now + 60})).expect("sign");
        let (h, p, _) = parts(&token).expect("parts");
        let forged = format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode([0u8; 256]));
        assert_eq!(
            verify(&forged, &key.public, &v).err(),
            Some(JwtError::InvalidSignature)
        );
        let other = Validation::signature_only("RS384");
        assert_eq!(
            verify(&token, &key.public, &other).err(),
            Some(JwtError::WrongAlgorithm)
        );
    }
}
