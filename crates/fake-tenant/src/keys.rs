//! The tenant's RS256 signing keys, their JWKS and token signing/verification.

use crate::jwt::{self, JwtError, PublicKey};
use crate::util::IntoObject;
use crate::util::json;
use crate::util::sha256;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::Value;
use std::sync::OnceLock;

/// The fake tenant's RS256 signing keys (PKCS#1 PEM), in the order a tenant signs with them:
/// the first is current on a fresh tenant, the second its next key, and each rotation moves
/// on by one (`POST /keys/signing/rotate`), so a tenant can rotate four times (a reset keeps
/// its keys, so that the tokens they signed stay valid).
///
/// These keys are **not secrets**: they are published with the source code and sign tokens of
/// local fake tenants only, which no real service trusts. They are fixed so that a tenant
/// starts and rotates without generating an RSA key (slow, and it would need a big-integer
/// library in every build that embeds the fake). Every tenant of every process serves the
/// same JWKS until it rotates; a tenant still refuses another tenant's tokens, whose issuer
/// and audience name another address.
const SIGNING_KEY_PEMS: [&str; 6] = [
    include_str!("signing_keys/0.pem"),
    include_str!("signing_keys/1.pem"),
    include_str!("signing_keys/2.pem"),
    include_str!("signing_keys/3.pem"),
    include_str!("signing_keys/4.pem"),
    include_str!("signing_keys/5.pem"),
];

/// The modulus and public exponent (big-endian, without leading zeros) of an RSA public key
/// given as SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM. `None` when the
/// PEM is not an RSA public key, or its modulus is over 4096 bits or its exponent out of range.
pub(crate) fn rsa_public_components(pem: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let (label, der) = pem_decode(pem)?;
    let rsa_public_key = match label.as_str() {
        "PUBLIC KEY" => {
            // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
            //                                     subjectPublicKey BIT STRING }
            let mut spki = Der::new(&der).sequence()?;
            let mut algorithm = spki.sequence()?;
            if algorithm.element(TAG_OID)? != RSA_ENCRYPTION_OID {
                return None;
            }
            let bits = spki.element(TAG_BIT_STRING)?;
            if !spki.is_empty() {
                return None;
            }
            // No unused bits, then the PKCS#1 RSAPublicKey.
            match bits.split_first() {
                Some((0, rest)) => rest.to_vec(),
                _ => return None,
            }
        }
        "RSA PUBLIC KEY" => der,
        _ => return None,
    };
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    let mut seq = Der::new(&rsa_public_key).sequence()?;
    let n = seq.unsigned()?;
    let e = seq.unsigned()?;
    if !seq.is_empty() {
        return None;
    }
    // The limits of common RSA implementations: a modulus of at most 4096 bits and an
    // exponent in 2..2^33.
    let exponent = e.iter().try_fold(0u64, |acc, b| {
        (acc >> 56 == 0).then_some((acc << 8) | u64::from(*b))
    })?;
    if n.is_empty() || n.len() > 512 || !(2..(1u64 << 33)).contains(&exponent) {
        return None;
    }
    Some((n, e))
}

/// The RFC 7638 thumbprint of an RSA public key given as SPKI (`BEGIN PUBLIC KEY`) or PKCS#1
/// (`BEGIN RSA PUBLIC KEY`) PEM: the `kid` Auth0 assigns to a credential registered without
/// one. `None` when the PEM is not an RSA public key.
pub(crate) fn rsa_public_thumbprint(pem: &str) -> Option<String> {
    let (n, e) = rsa_public_components(pem)?;
    let n = URL_SAFE_NO_PAD.encode(n);
    let e = URL_SAFE_NO_PAD.encode(e);
    Some(jwk_thumbprint(&json!({"kty": "RSA", "n": n, "e": e})))
}

/// The label and DER contents of the first PEM block of `pem`.
fn pem_decode(pem: &str) -> Option<(String, Vec<u8>)> {
    let mut lines = pem.trim().lines().map(str::trim);
    let label = lines
        .next()?
        .strip_prefix("-----BEGIN ")?
        .strip_suffix("-----")?
        .to_owned();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines {
        if line == end {
            return Some((label, STANDARD.decode(body).ok()?));
        }
        if line.starts_with("-----") {
            return None;
        }
        if line.contains(':') {
            // RFC 1421 headers (`Proc-Type: …`) are not part of the key.
            return None;
        }
        body.push_str(line);
    }
    None
}

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
/// `1.2.840.113549.1.1.1`, rsaEncryption.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// A reader of consecutive DER elements (definite lengths only).
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Der(bytes)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The contents of the next element, which must have tag `tag`.
    fn element(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&t, rest) = self.0.split_first()?;
        let (&first, rest) = rest.split_first()?;
        if t != tag {
            return None;
        }
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (len_bytes, rest) = rest.split_at(count);
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            // DER: the shortest length form.
            if len < 0x80 || len_bytes[0] == 0 {
                return None;
            }
            (len, rest)
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.0 = rest;
        Some(contents)
    }

    /// The next element, a SEQUENCE, as a reader of its contents.
    fn sequence(&mut self) -> Option<Der<'a>> {
        self.element(TAG_SEQUENCE).map(Der)
    }

    /// The next element, a non-negative INTEGER, big-endian without leading zeros.
    fn unsigned(&mut self) -> Option<Vec<u8>> {
        let bytes = self.element(TAG_INTEGER)?;
        if bytes.first()? & 0x80 != 0 {
            return None;
        }
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        Some(bytes[start..].to_vec())
    }
}

/// The SHA-256 thumbprint of a DER certificate, base64url: `x5t#S256` (RFC 8705 §3.1).
pub(crate) fn x5t_s256(der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(sha256(der))
}

/// The first certificate of a PEM, if it has one.
fn first_certificate(pem: &str) -> Option<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes()).next()?.ok()
}

/// The `x5t#S256` of the first certificate of a PEM, if it has one.
pub(crate) fn pem_certificate_x5t(pem: &str) -> Option<String> {
    let cert = first_certificate(pem)?;
    Some(x5t_s256(cert.as_ref()))
}

/// One DER element of `der` at its start: `(tag, contents, rest)`.
fn der_element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The subject of the first certificate of a PEM as Auth0 writes a `cert_subject_dn`
/// credential's `subject_dn` (recordings/go-auth0/
/// TestClient_CreateAllCredential_Should_create_TLSClientAuth_Credential.json): one
/// `NAME=value` line per attribute, in the certificate's order (`C=JP\nST=Tokyo\nCN=…`).
pub(crate) fn pem_certificate_subject(pem: &str) -> Option<String> {
    let cert = first_certificate(pem)?;
    let (_, certificate, _) = der_element(cert.as_ref())?;
    let (_, tbs, _) = der_element(certificate)?;
    // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject.
    let mut rest = tbs;
    let mut fields = Vec::new();
    while fields.len() < 6 {
        let (tag, contents, next) = der_element(rest)?;
        fields.push((tag, contents));
        rest = next;
    }
    let skip = usize::from(fields[0].0 == 0xa0);
    let (_, subject) = *fields.get(4 + skip)?;
    let mut lines = Vec::new();
    let mut sets = subject;
    while !sets.is_empty() {
        let (_, set, next) = der_element(sets)?;
        sets = next;
        let mut attrs = set;
        while !attrs.is_empty() {
            let (_, attr, next) = der_element(attrs)?;
            attrs = next;
            let (_, oid, value) = der_element(attr)?;
            let (_, text, _) = der_element(value)?;
            let name = match oid {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x06] => "C",
                [0x55, 0x04, 0x07] => "L",
                [0x55, 0x04, 0x08] => "ST",
                [0x55, 0x04, 0x0a] => "O",
                [0x55, 0x04, 0x0b] => "OU",
                [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
                _ => continue,
            };
            lines.push(format!("{name}={}", String::from_utf8_lossy(text)));
        }
    }
    Some(lines.join("\n"))
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
        .into_object();
    URL_SAFE_NO_PAD.encode(sha256(Value::Object(canonical).to_string().as_bytes()))
}

/// One of the signing keys every tenant shares (see [`SIGNING_KEY_PEMS`]).
pub(crate) struct SigningKey {
    pub(crate) kid: String,
    pair: ring::signature::RsaKeyPair,
    pub(crate) public: PublicKey,
    n: String,
    e: String,
}

static KEYS: OnceLock<Result<Vec<SigningKey>, String>> = OnceLock::new();

/// `rsaEncryption` (1.2.840.113549.1.1.1).
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11).
const OID_SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
/// PKCS#7 `signedData` (1.2.840.113549.1.7.2).
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// PKCS#7 `data` (1.2.840.113549.1.7.1).
const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// The contents of a DER INTEGER holding the unsigned big-endian `bytes`: no leading zeros
/// but one where the first bit is set.
fn der_unsigned(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// A certificate's SHA-1 digest (of its DER) as Auth0 shows it: the fingerprint in
/// colon-separated uppercase hexadecimal pairs, the thumbprint the same digits without colons.
fn sha1_fingerprint(der: &[u8]) -> (String, String) {
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    let hex: Vec<String> = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    (hex.join(":"), hex.concat())
}

/// A PKCS#7 (RFC 2315) signed-data document that carries `cert` and nothing else (the form
/// Auth0 answers its signing keys' certificates in as well).
fn pkcs7(cert: &[u8]) -> Vec<u8> {
    use crate::tls::{TAG_INTEGER, TAG_OID, TAG_SEQUENCE, TAG_SET, tlv};
    let mut signed = tlv(TAG_INTEGER, &[1]);
    signed.extend(tlv(TAG_SET, &[]));
    signed.extend(tlv(TAG_SEQUENCE, &tlv(TAG_OID, OID_DATA)));
    signed.extend(tlv(0xa0, cert));
    signed.extend(tlv(TAG_SET, &[]));
    let mut info = tlv(TAG_OID, OID_SIGNED_DATA);
    info.extend(tlv(0xa0, &tlv(TAG_SEQUENCE, &signed)));
    tlv(TAG_SEQUENCE, &info)
}

/// Returns the signing keys (see [`SIGNING_KEY_PEMS`]), loading them on first use.
pub(crate) fn signing_keys() -> Result<&'static [SigningKey], String> {
    KEYS.get_or_init(|| SIGNING_KEY_PEMS.iter().map(|pem| load(pem)).collect())
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// Returns the key a fresh tenant signs with, loading the keys on first use.
pub(crate) fn signing_key() -> Result<&'static SigningKey, String> {
    signing_keys()?
        .first()
        .ok_or_else(|| "no signing key".to_owned())
}

/// The signing key whose `kid` is `kid`.
pub(crate) fn signing_key_by_kid(kid: &str) -> Option<&'static SigningKey> {
    signing_keys().ok()?.iter().find(|k| k.kid == kid)
}

/// The JSON Web Key Set of `keys`, as served at `/.well-known/jwks.json`.
pub(crate) fn jwks(keys: &[&SigningKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()})
}

/// The `kid` a JWT's header names, if it is a JWT with one.
pub(crate) fn token_kid(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header).ok()?;
    let header: Value = serde_json::from_slice(&bytes).ok()?;
    header["kid"].as_str().map(str::to_owned)
}

fn load(pem: &str) -> Result<SigningKey, String> {
    let unusable = || "the signing key is not a PKCS#1 RSA private key".to_owned();
    let (label, der) = pem_decode(pem).ok_or_else(unusable)?;
    if label != "RSA PRIVATE KEY" {
        return Err(unusable());
    }
    // RSAPrivateKey ::= SEQUENCE { version INTEGER, modulus INTEGER, publicExponent INTEGER, … }
    let mut seq = Der::new(&der).sequence().ok_or_else(unusable)?;
    seq.unsigned().ok_or_else(unusable)?;
    let (n_raw, e_raw) = (
        seq.unsigned().ok_or_else(unusable)?,
        seq.unsigned().ok_or_else(unusable)?,
    );
    let n = URL_SAFE_NO_PAD.encode(&n_raw);
    let e = URL_SAFE_NO_PAD.encode(&e_raw);
    let public = PublicKey::Rsa { n: n_raw, e: e_raw };
    let pair = ring::signature::RsaKeyPair::from_der(&der)
        .map_err(|e| format!("the signing key is unusable: {e}"))?;
    let digest = sha256(format!("{n}.{e}").as_bytes());
    let kid = URL_SAFE_NO_PAD.encode(&digest[..16]);
    Ok(SigningKey {
        kid,
        pair,
        public,
        n,
        e,
    })
}

impl SigningKey {
    /// The key as a JSON Web Key.
    pub(crate) fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }

    /// The key as the Management API lists it among the tenant's signing keys
    /// (`GET /keys/signing`, recordings/go-auth0/TestSigningKey_List.json): its `kid`, a
    /// certificate of it for the tenant's `domain` (self-signed, as Auth0's are) and that
    /// certificate as PKCS#7, its SHA-1 fingerprint and thumbprint, and its state: the
    /// current key, which signs every token.
    pub(crate) fn management_record(&self, domain: &str) -> Result<Value, String> {
        let der = self.certificate(domain, b"")?;
        let (fingerprint, thumbprint) = sha1_fingerprint(&der);
        Ok(json!({
            "kid": self.kid,
            "cert": crate::tls::pem("CERTIFICATE", &der),
            "pkcs7": crate::tls::pem("PKCS7", &pkcs7(&der)),
            "fingerprint": fingerprint,
            "thumbprint": thumbprint,
            "current": true,
            "next": false,
            "previous": false,
            "revoked": false,
        }))
    }

    /// The public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub(crate) fn public_pem(&self) -> Result<String, String> {
        Ok(crate::tls::pem("PUBLIC KEY", &self.spki()?))
    }

    /// The public key's SubjectPublicKeyInfo (DER).
    fn spki(&self) -> Result<Vec<u8>, String> {
        use crate::tls::{TAG_INTEGER, TAG_OID, TAG_SEQUENCE, bit_string, tlv};
        let PublicKey::Rsa { n, e } = &self.public else {
            return Err("the signing key is not an RSA key".into());
        };
        let mut rsa_algorithm = tlv(TAG_OID, OID_RSA_ENCRYPTION);
        rsa_algorithm.extend_from_slice(&[0x05, 0x00]);
        let mut rsa_public = tlv(TAG_INTEGER, &der_unsigned(n));
        rsa_public.extend(tlv(TAG_INTEGER, &der_unsigned(e)));
        let mut spki = tlv(TAG_SEQUENCE, &rsa_algorithm);
        spki.extend(bit_string(&tlv(TAG_SEQUENCE, &rsa_public)));
        Ok(tlv(TAG_SEQUENCE, &spki))
    }

    /// A signing key of a connection named `name` (an OIDC or Okta connection signs its
    /// requests to the identity provider), as `GET /connections/{id}/keys` lists it
    /// (recordings/go-auth0/TestConnectionManager_ReadKeys.json): a certificate named after
    /// the connection, its PKCS#7 form, fingerprint, thumbprint and `kid`, current since
    /// `since`. The fake holds one RSA key: a connection's certificate is of that key, and
    /// `generation` (0 at first, one more at each rotation) gives each rotation a certificate,
    /// and so a `kid`, of its own.
    pub(crate) fn connection_key(
        &self,
        name: &str,
        since: &str,
        generation: u64,
    ) -> Result<Value, String> {
        let der = self.certificate(name, &generation.to_be_bytes())?;
        let (fingerprint, thumbprint) = sha1_fingerprint(&der);
        Ok(json!({
            "kid": URL_SAFE_NO_PAD.encode(sha256(&der)),
            "algorithm": "RS256",
            "key_use": "signing",
            "cert": crate::tls::pem("CERTIFICATE", &der),
            "pkcs": crate::tls::pem("PKCS7", &pkcs7(&der)),
            "fingerprint": fingerprint,
            "thumbprint": thumbprint,
            "subject_dn": format!("CN={name}"),
            "current": true,
            "current_since": since,
        }))
    }

    /// A self-signed X.509 certificate of this key named `common_name` (DER); `salt` makes
    /// its serial number, and so the certificate, differ between certificates of one name.
    fn certificate(&self, common_name: &str, salt: &[u8]) -> Result<Vec<u8>, String> {
        use crate::tls::{
            TAG_GENERALIZED_TIME, TAG_INTEGER, TAG_OID, TAG_SEQUENCE, TAG_UTC_TIME, bit_string,
            name, tlv,
        };
        let null = [0x05, 0x00];
        let spki = self.spki()?;
        let mut signature_algorithm = tlv(TAG_OID, OID_SHA256_WITH_RSA);
        signature_algorithm.extend_from_slice(&null);
        let signature_algorithm = tlv(TAG_SEQUENCE, &signature_algorithm);
        // Positive, distinct per key, name and salt.
        let mut serial =
            sha256(&[spki.as_slice(), common_name.as_bytes(), salt].concat())[..16].to_vec();
        serial[0] = (serial[0] & 0x7f) | 0x01;
        let mut validity = tlv(TAG_UTC_TIME, b"750101000000Z");
        validity.extend(tlv(TAG_GENERALIZED_TIME, b"40960101000000Z"));
        let subject = name(common_name);

        let mut tbs = tlv(0xa0, &tlv(TAG_INTEGER, &[2])); // version: v3
        tbs.extend(tlv(TAG_INTEGER, &serial));
        tbs.extend_from_slice(&signature_algorithm);
        tbs.extend_from_slice(&subject);
        tbs.extend(tlv(TAG_SEQUENCE, &validity));
        tbs.extend_from_slice(&subject);
        tbs.extend(spki);
        let tbs = tlv(TAG_SEQUENCE, &tbs);
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                &tbs,
                &mut signature,
            )
            .map_err(|_| "certificate signing failed".to_owned())?;
        let mut cert = tbs;
        cert.extend(signature_algorithm);
        cert.extend(bit_string(&signature));
        Ok(tlv(TAG_SEQUENCE, &cert))
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub(crate) fn sign(&self, claims: &Value) -> Result<String, String> {
        jwt::sign_rs256(&self.pair, &self.kid, claims)
    }

    /// Verifies an access token's signature, `exp`, `iss` and `aud`.
    pub(crate) fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<Value, JwtError> {
        let v = jwt::Validation {
            alg: "RS256",
            required: &["exp", "iss", "aud", "sub"],
            check_exp: true,
            leeway: 0,
            issuer: Some(issuer),
            audience: Some(audience),
        };
        jwt::verify(token, &self.public, &v)
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
        assert_eq!(jwks(&[key])["keys"][0]["kid"], key.kid.as_str());
    }

    #[test]
    fn rsa_public_pem_components() {
        use rsa::pkcs1::EncodeRsaPublicKey;
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa");
        let public = rsa::RsaPublicKey::from(&private);
        let want = (public.n().to_bytes_be(), public.e().to_bytes_be());
        let spki = public.to_public_key_pem(LineEnding::LF).expect("spki");
        let pkcs1 = public.to_pkcs1_pem(LineEnding::CRLF).expect("pkcs1");
        assert_eq!(rsa_public_components(&spki), Some(want.clone()));
        assert_eq!(rsa_public_components(&pkcs1), Some(want));
        assert_eq!(
            rsa_public_thumbprint(&spki),
            rsa_public_thumbprint(&format!("\n  {pkcs1}  \n"))
        );
        // Not RSA public keys: an EC key, a private key, a truncated or altered PEM.
        let ec = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----\n";
        assert_eq!(rsa_public_components(ec), None);
        assert_eq!(rsa_public_components(SIGNING_KEY_PEMS[0]), None);
        assert_eq!(rsa_public_components(&spki[..spki.len() / 2]), None);
        assert_eq!(rsa_public_components(&spki.replace("MII", "MIJ")), None);
        assert_eq!(rsa_public_components("not a key"), None);
    }
}
