//! Compact JWS signing (RFC 7515) with `ring`: the keys behind client assertions and DPoP
//! proofs, their public JWK (RFC 7517) and JWK thumbprint (RFC 7638).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use serde_json::{Map, Value};

/// A JWS signature algorithm.
///
/// Auth0 registers client credentials with [`RS256`](Self::RS256), [`RS384`](Self::RS384) or
/// [`PS256`](Self::PS256) only; [`ES256`](Self::ES256) serves DPoP proofs and client
/// assertions for token endpoints that are not Auth0's
/// ([`TokenEndpoint::not_auth0`](crate::TokenEndpoint::not_auth0)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA key).
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (RSA key).
    RS384,
    /// RSASSA-PSS with SHA-256 (RSA key).
    PS256,
    /// ECDSA on P-256 with SHA-256 (EC key in PKCS#8 form, `-----BEGIN PRIVATE KEY-----`).
    ES256,
}

/// The algorithms Auth0 registers client credentials with.
pub const AUTH0_CREDENTIAL_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::RS256, Algorithm::RS384, Algorithm::PS256];

impl Algorithm {
    /// The JOSE name: `RS256`, `RS384`, `PS256` or `ES256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::PS256 => "PS256",
            Algorithm::ES256 => "ES256",
        }
    }

    /// Whether Auth0 can register a client credential with this algorithm (`RS256`, `RS384`,
    /// `PS256`).
    pub fn is_auth0_credential_algorithm(self) -> bool {
        AUTH0_CREDENTIAL_ALGORITHMS.contains(&self)
    }

    fn is_rsa(self) -> bool {
        !matches!(self, Algorithm::ES256)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key that signs compact JWS values. `Debug` shows the algorithm and thumbprint
/// only.
pub(crate) struct Signer {
    pair: Pair,
    alg: Algorithm,
    jwk: Value,
    thumbprint: String,
}

/// Base64url without padding.
pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random (version 4) UUID in its simple form (32 lowercase hexadecimal digits): a `jti`.
pub(crate) fn random_uuid_simple() -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format!("{:032x}", u128::from_be_bytes(bytes))
}

/// Base64url (no padding) of the SHA-256 of `bytes`.
pub(crate) fn sha256_b64(bytes: &[u8]) -> String {
    b64(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// The RFC 7638 thumbprint of a public JWK: the SHA-256 of its required members in
/// lexicographic order without whitespace, base64url-encoded.
pub(crate) fn jwk_thumbprint(jwk: &Value) -> String {
    let members: &[&str] = match jwk["kty"].as_str() {
        Some("RSA") => &["e", "kty", "n"],
        _ => &["crv", "kty", "x", "y"],
    };
    // serde_json's map keeps keys sorted, and `to_string` writes no whitespace.
    let canonical: Map<String, Value> = members
        .iter()
        .map(|m| ((*m).to_owned(), jwk[*m].clone()))
        .collect();
    sha256_b64(Value::Object(canonical).to_string().as_bytes())
}

const EC_HINT: &str = "expected an EC P-256 key in PKCS#8 form (`BEGIN PRIVATE KEY`); convert a \
    `BEGIN EC PRIVATE KEY` file with `openssl pkcs8 -topk8 -nocrypt -in key.pem`";
const RSA_HINT: &str = "expected an RSA key, `BEGIN RSA PRIVATE KEY` or `BEGIN PRIVATE KEY`, of \
    2,048 to 8,192 bits";

impl Signer {
    /// Reads a PEM private key for `alg`. The error names what is wrong and the fix, and never
    /// contains key material.
    pub(crate) fn from_pem(pem_bytes: &[u8], alg: Algorithm) -> Result<Self, String> {
        let parsed = crate::pem::parse(pem_bytes).map_err(|_| {
            format!(
                "not a PEM file ({}); {}",
                "no `-----BEGIN …-----` block could be read",
                if alg.is_rsa() { RSA_HINT } else { EC_HINT }
            )
        })?;
        let der = parsed.contents();
        match parsed.tag() {
            _ if parsed.is_encrypted() => {
                return Err(
                    "the key is encrypted; decrypt it first (`openssl pkcs8 -in key.pem -out plain.pem`) and keep the file readable by this process only"
                        .to_owned(),
                );
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" => {
                return Err(format!(
                    "this is a {}, not a private key; give the private key file",
                    parsed.tag().to_ascii_lowercase()
                ));
            }
            "EC PRIVATE KEY" => {
                return Err(format!("a SEC1 `BEGIN EC PRIVATE KEY` file; {EC_HINT}"));
            }
            "RSA PRIVATE KEY" | "PRIVATE KEY" => {}
            other => {
                return Err(format!(
                    "unexpected PEM block `{other}`; {}",
                    if alg.is_rsa() { RSA_HINT } else { EC_HINT }
                ));
            }
        }
        let pkcs1 = parsed.tag() == "RSA PRIVATE KEY";
        let rng = SystemRandom::new();
        let pair = if alg.is_rsa() {
            let rsa = if pkcs1 {
                RsaKeyPair::from_der(der)
            } else {
                RsaKeyPair::from_pkcs8(der)
            };
            match rsa {
                Ok(k) => Pair::Rsa(k),
                Err(e) => {
                    let is_ec = !pkcs1
                        && (EcdsaKeyPair::from_pkcs8(
                            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                            der,
                            &rng,
                        )
                        .is_ok()
                            || EcdsaKeyPair::from_pkcs8(
                                &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                                der,
                                &rng,
                            )
                            .is_ok());
                    return Err(if is_ec {
                        format!("this is an EC key, and {alg} needs an RSA key; {RSA_HINT}")
                    } else {
                        format!("not a usable RSA key ({}); {RSA_HINT}", e)
                    });
                }
            }
        } else {
            if pkcs1 {
                return Err(format!(
                    "this is an RSA key, and {alg} needs an EC P-256 key; {EC_HINT}"
                ));
            }
            match EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng) {
                Ok(k) => Pair::Ec(k),
                Err(e) => {
                    let p384 = EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                        der,
                        &rng,
                    )
                    .is_ok();
                    return Err(if p384 {
                        format!(
                            "this is an EC key on the P-384 curve, and {alg} needs the P-256 curve; generate one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`"
                        )
                    } else if RsaKeyPair::from_pkcs8(der).is_ok() {
                        format!("this is an RSA key, and {alg} needs an EC P-256 key; {EC_HINT}")
                    } else {
                        format!("not a usable EC key ({}); {EC_HINT}", e)
                    });
                }
            }
        };
        Self::new(pair, alg)
    }

    /// A fresh ES256 (P-256) key, held in memory only.
    pub(crate) fn generate_es256() -> Result<Self, String> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "EC key generation failed".to_owned())?;
        let pair = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            doc.as_ref(),
            &rng,
        )
        .map_err(|e| format!("EC key generation failed ({})", e))?;
        Self::new(Pair::Ec(pair), Algorithm::ES256)
    }

    fn new(pair: Pair, alg: Algorithm) -> Result<Self, String> {
        let jwk = match &pair {
            Pair::Rsa(k) => {
                let c: signature::RsaPublicKeyComponents<Vec<u8>> = k.public().into();
                let trim = |b: &[u8]| {
                    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
                    b[start..].to_vec()
                };
                serde_json::json!({"kty": "RSA", "n": b64(&trim(&c.n)), "e": b64(&trim(&c.e))})
            }
            Pair::Ec(k) => {
                let point = k.public_key().as_ref();
                if point.len() != 65 || point[0] != 4 {
                    return Err("unexpected EC public key encoding".to_owned());
                }
                serde_json::json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..])})
            }
        };
        let thumbprint = jwk_thumbprint(&jwk);
        let signer = Self {
            pair,
            alg,
            jwk,
            thumbprint,
        };
        // Prove the key signs with this algorithm before accepting it.
        signer.sign_bytes(b"probe")?;
        Ok(signer)
    }

    #[cfg_attr(not(feature = "private-key-jwt"), allow(dead_code))]
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public JWK (`kty` and the key's public members only).
    pub(crate) fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// The RFC 7638 thumbprint of the public key.
    pub(crate) fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(k) => {
                let padding: &'static dyn signature::RsaEncoding = match self.alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::ES256 => return Err("ES256 needs an EC key".to_owned()),
                };
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(padding, &rng, message, &mut sig)
                    .map_err(|_| "RSA signing failed".to_owned())?;
                Ok(sig)
            }
            Pair::Ec(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "ECDSA signing failed".to_owned()),
        }
    }

    /// Signs `header` (to which `alg` is added) and `claims` as a compact JWS.
    pub(crate) fn sign_jwt(
        &self,
        mut header: Map<String, Value>,
        claims: &Value,
    ) -> Result<String, String> {
        header.insert("alg".to_owned(), Value::String(self.alg.name().to_owned()));
        let signing_input = format!(
            "{}.{}",
            b64(Value::Object(header).to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = self.sign_bytes(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", b64(&sig)))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.alg)
            .field("thumbprint", &self.thumbprint)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_keys_are_refused_with_the_way_to_decrypt_them() {
        let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
            DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
        let pkcs8 =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAEC\n-----END ENCRYPTED PRIVATE KEY-----\n";
        for pem in [&legacy[..], &pkcs8[..]] {
            let err = Signer::from_pem(pem, Algorithm::RS256).err().unwrap();
            assert!(
                err.starts_with("the key is encrypted; decrypt it first"),
                "{err}"
            );
        }
        let public = b"-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PUBLIC KEY-----\n";
        let err = Signer::from_pem(public, Algorithm::RS256).err().unwrap();
        assert!(
            err.contains("this is a public key, not a private key"),
            "{err}"
        );
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1.
        let jwk = serde_json::json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            jwk_thumbprint(&jwk),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn generated_key_signs_and_has_a_public_jwk() {
        let s = Signer::generate_es256().unwrap();
        assert_eq!(s.public_jwk()["crv"], "P-256");
        assert!(s.public_jwk().get("d").is_none());
        let jwt = s
            .sign_jwt(Map::new(), &serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(jwt.split('.').count(), 3);
        assert!(!format!("{s:?}").contains(&jwt));
    }
}
