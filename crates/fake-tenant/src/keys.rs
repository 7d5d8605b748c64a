//! The tenant's RS256 signing key, its JWKS and token signing/verification.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The RFC 7638 thumbprint of an RSA public key given as SPKI (`BEGIN PUBLIC KEY`) or PKCS#1
/// (`BEGIN RSA PUBLIC KEY`) PEM: the `kid` Auth0 assigns to a credential registered without
/// one. `None` when the PEM is not an RSA public key.
pub(crate) fn rsa_public_thumbprint(pem: &str) -> Option<String> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    let key = RsaPublicKey::from_public_key_pem(pem.trim())
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
        .ok()?;
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    Some(jwk_thumbprint(&json!({"kty": "RSA", "n": n, "e": e})))
}

/// The SHA-256 thumbprint of a DER certificate, base64url: `x5t#S256` (RFC 8705 §3.1).
pub(crate) fn x5t_s256(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(der))
}

/// The `x5t#S256` of the first certificate of a PEM, if it has one.
pub(crate) fn pem_certificate_x5t(pem: &str) -> Option<String> {
    let mut reader = pem.as_bytes();
    let cert = rustls_pemfile::certs(&mut reader).next()?.ok()?;
    Some(x5t_s256(cert.as_ref()))
}

/// The RFC 7638 thumbprint of a public JWK (RSA or EC members only).
pub(crate) fn jwk_thumbprint(jwk: &Value) -> String {
    let members: &[&str] = match jwk["kty"].as_str() {
        Some("RSA") => &["e", "kty", "n"],
        _ => &["crv", "kty", "x", "y"],
    };
    let canonical: serde_json::Map<String, Value> = members
        .iter()
        .map(|m| ((*m).to_owned(), jwk[*m].clone()))
        .collect();
    URL_SAFE_NO_PAD.encode(Sha256::digest(
        Value::Object(canonical).to_string().as_bytes(),
    ))
}

/// A signing key shared by every tenant of the process (key generation is slow).
pub(crate) struct SigningKey {
    pub(crate) kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    n: String,
    e: String,
}

static KEY: OnceLock<Result<SigningKey, String>> = OnceLock::new();

/// Returns the process-wide signing key, generating it on first use.
pub(crate) fn signing_key() -> Result<&'static SigningKey, String> {
    KEY.get_or_init(generate).as_ref().map_err(Clone::clone)
}

fn generate() -> Result<SigningKey, String> {
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map_err(|e| format!("RSA key generation failed: {e}"))?;
    let public = RsaPublicKey::from(&private);
    let der = private
        .to_pkcs1_der()
        .map_err(|e| format!("RSA key encoding failed: {e}"))?;
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    let decoding = DecodingKey::from_rsa_components(&n, &e)
        .map_err(|e| format!("RSA public key unusable: {e}"))?;
    let digest = Sha256::digest(format!("{n}.{e}").as_bytes());
    let kid = URL_SAFE_NO_PAD.encode(&digest[..16]);
    Ok(SigningKey {
        kid,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        decoding,
        n,
        e,
    })
}

impl SigningKey {
    /// The JSON Web Key Set document served at `/.well-known/jwks.json`.
    pub(crate) fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        }]})
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub(crate) fn sign(&self, claims: &Value) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// Verifies an access token's signature, `exp`, `iss` and `aud`.
    pub(crate) fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<Value, jsonwebtoken::errors::Error> {
        let mut v = Validation::new(Algorithm::RS256);
        v.leeway = 0;
        v.set_audience(&[audience]);
        v.set_issuer(&[issuer]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<Value>(token, &self.decoding, &v).map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip() {
        let key = signing_key().expect("key");
        let now = crate::util::now_secs();
        let claims = json!({"iss": "https://x/", "aud": "https://x/api/v2/", "sub": "a@clients",
            "iat": now, "exp": now + 60});
        let token = key.sign(&claims).expect("sign");
        let got = key
            .verify(&token, "https://x/", "https://x/api/v2/")
            .expect("verify");
        assert_eq!(got["sub"], "a@clients");
        assert!(
            key.verify(&token, "https://y/", "https://x/api/v2/")
                .is_err()
        );
        assert_eq!(key.jwks()["keys"][0]["kid"], key.kid.as_str());
    }
}
