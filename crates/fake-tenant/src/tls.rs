//! Certificate authority and server certificate generation: ECDSA P-256 keys and X.509 v3
//! certificates written as DER by hand (a few fixed shapes; no certificate library).

use crate::util::sha256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::IpAddr;
use std::sync::Arc;

/// A generated CA and the server configurations using a leaf it signed: one without client
/// authentication, and one for the mTLS alias that asks every client for a certificate.
pub(crate) struct Tls {
    pub(crate) ca_pem: String,
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) mtls_config: Arc<ServerConfig>,
}

/// Accepts any client certificate whose holder proves possession of its key in the handshake
/// (the handshake signature is verified); which certificate belongs to which client is the
/// token endpoint's business, as with Auth0's `self_signed_tls_client_auth`.
#[derive(Debug)]
struct AnyClientCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::server::danger::ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Generates a CA and a leaf for `127.0.0.1`, `localhost` and `extra_ip`.
pub(crate) fn generate(extra_ip: IpAddr) -> Result<Tls, String> {
    let rng = SystemRandom::new();
    let ca = Key::generate(&rng)?;
    let ca_name = name("auth0-m2m-fake local CA");
    let ca_cert = certificate(
        &ca_name,
        &ca,
        &ca_name,
        &ca,
        &[
            // keyUsage (critical): digitalSignature, keyCertSign, cRLSign.
            extension(OID_KEY_USAGE, true, &[0x03, 0x02, 0x01, 0x86]),
            extension(
                OID_SUBJECT_KEY_IDENTIFIER,
                false,
                &tlv(TAG_OCTET_STRING, &ca.identifier()),
            ),
            // basicConstraints (critical): cA, no path length constraint.
            extension(OID_BASIC_CONSTRAINTS, true, &[0x30, 0x03, 0x01, 0x01, 0xff]),
        ],
        &rng,
    )?;

    let mut alt_names = tlv(TAG_DNS_NAME, b"localhost");
    alt_names.extend(tlv(TAG_IP_ADDRESS, &[127, 0, 0, 1]));
    if !extra_ip.is_unspecified() && extra_ip != IpAddr::from([127, 0, 0, 1]) {
        match extra_ip {
            IpAddr::V4(ip) => alt_names.extend(tlv(TAG_IP_ADDRESS, &ip.octets())),
            IpAddr::V6(ip) => alt_names.extend(tlv(TAG_IP_ADDRESS, &ip.octets())),
        }
    }
    let leaf_key = Key::generate(&rng)?;
    let leaf_cert = certificate(
        &name("localhost"),
        &leaf_key,
        &ca_name,
        &ca,
        &[
            extension(OID_SUBJECT_ALT_NAME, false, &tlv(TAG_SEQUENCE, &alt_names)),
            // keyUsage (critical): digitalSignature, keyEncipherment.
            extension(OID_KEY_USAGE, true, &[0x03, 0x02, 0x05, 0xa0]),
            // extKeyUsage: serverAuth.
            extension(
                OID_EXT_KEY_USAGE,
                false,
                &tlv(TAG_SEQUENCE, &tlv(TAG_OID, OID_SERVER_AUTH)),
            ),
            // authorityKeyIdentifier: [0] the CA's key identifier.
            extension(
                OID_AUTHORITY_KEY_IDENTIFIER,
                false,
                &tlv(TAG_SEQUENCE, &tlv(0x80, &ca.identifier())),
            ),
        ],
        &rng,
    )?;

    let ca_pem = pem("CERTIFICATE", &ca_cert);
    let chain: Vec<CertificateDer<'static>> = vec![
        CertificateDer::from(leaf_cert),
        CertificateDer::from(ca_cert),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.pkcs8));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_err = |e: rustls::Error| format!("TLS configuration failed: {e}");
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(chain.clone(), key.clone_key())
        .map_err(tls_err)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let mut mtls_config = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_client_cert_verifier(Arc::new(AnyClientCertificate(provider)))
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    mtls_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem,
        config: Arc::new(config),
        mtls_config: Arc::new(mtls_config),
    })
}

/// An ECDSA P-256 key pair and its PKCS#8 document.
struct Key {
    pair: EcdsaKeyPair,
    pkcs8: Vec<u8>,
}

impl Key {
    fn generate(rng: &SystemRandom) -> Result<Key, String> {
        let err = |e: &dyn std::fmt::Display| format!("certificate key generation failed: {e}");
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, rng)
            .map_err(|e| err(&e))?
            .as_ref()
            .to_vec();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, rng)
            .map_err(|e| err(&e))?;
        Ok(Key { pair, pkcs8 })
    }

    /// The SubjectPublicKeyInfo: id-ecPublicKey on prime256v1, the uncompressed point.
    fn spki(&self) -> Vec<u8> {
        let mut algorithm = tlv(TAG_OID, OID_EC_PUBLIC_KEY);
        algorithm.extend(tlv(TAG_OID, OID_PRIME256V1));
        let mut spki = tlv(TAG_SEQUENCE, &algorithm);
        spki.extend(bit_string(self.pair.public_key().as_ref()));
        tlv(TAG_SEQUENCE, &spki)
    }

    /// The key identifier: the first 20 bytes of the SHA-256 of the SubjectPublicKeyInfo.
    fn identifier(&self) -> Vec<u8> {
        sha256(&self.spki())[..20].to_vec()
    }
}

const TAG_BOOLEAN: u8 = 0x01;
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
const TAG_UTF8_STRING: u8 = 0x0c;
pub(crate) const TAG_UTC_TIME: u8 = 0x17;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
pub(crate) const TAG_SET: u8 = 0x31;
/// `[2] IMPLICIT IA5String` of a GeneralName.
const TAG_DNS_NAME: u8 = 0x82;
/// `[7] IMPLICIT OCTET STRING` of a GeneralName.
const TAG_IP_ADDRESS: u8 = 0x87;

/// `1.2.840.10045.2.1`
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// `1.2.840.10045.3.1.7`
const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// `1.2.840.10045.4.3.2`
const OID_ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// `2.5.4.3`
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// `2.5.29.14`
const OID_SUBJECT_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x0e];
/// `2.5.29.15`
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
/// `2.5.29.17`
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// `2.5.29.19`
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// `2.5.29.35`
const OID_AUTHORITY_KEY_IDENTIFIER: &[u8] = &[0x55, 0x1d, 0x23];
/// `2.5.29.37`
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
/// `1.3.6.1.5.5.7.3.1`
const OID_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];

/// A DER element: tag, definite length, contents.
pub(crate) fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// A BIT STRING of whole bytes.
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut contents = vec![0];
    contents.extend_from_slice(bytes);
    tlv(TAG_BIT_STRING, &contents)
}

/// A Name of one common name.
pub(crate) fn name(common_name: &str) -> Vec<u8> {
    let mut attribute = tlv(TAG_OID, OID_COMMON_NAME);
    attribute.extend(tlv(TAG_UTF8_STRING, common_name.as_bytes()));
    tlv(TAG_SEQUENCE, &tlv(TAG_SET, &tlv(TAG_SEQUENCE, &attribute)))
}

/// An Extension; `value` is the DER of its extnValue's contents.
fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut contents = tlv(TAG_OID, oid);
    if critical {
        contents.extend(tlv(TAG_BOOLEAN, &[0xff]));
    }
    contents.extend(tlv(TAG_OCTET_STRING, value));
    tlv(TAG_SEQUENCE, &contents)
}

/// A certificate of `subject_key` named `subject`, issued and signed by `issuer_key` named
/// `issuer`; valid from 1975 to 4096, its serial number derived from its public key.
fn certificate(
    subject: &[u8],
    subject_key: &Key,
    issuer: &[u8],
    issuer_key: &Key,
    extensions: &[Vec<u8>],
    rng: &SystemRandom,
) -> Result<Vec<u8>, String> {
    let algorithm = tlv(TAG_SEQUENCE, &tlv(TAG_OID, OID_ECDSA_WITH_SHA256));
    let spki = subject_key.spki();
    // 20 bytes (the most RFC 5280 allows), positive, and distinct per key.
    let mut serial = sha256(&spki)[..20].to_vec();
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let mut validity = tlv(TAG_UTC_TIME, b"750101000000Z");
    validity.extend(tlv(TAG_GENERALIZED_TIME, b"40960101000000Z"));

    let mut tbs = tlv(0xa0, &tlv(TAG_INTEGER, &[2])); // version: v3
    tbs.extend(tlv(TAG_INTEGER, &serial));
    tbs.extend_from_slice(&algorithm);
    tbs.extend_from_slice(issuer);
    tbs.extend(tlv(TAG_SEQUENCE, &validity));
    tbs.extend_from_slice(subject);
    tbs.extend(spki);
    tbs.extend(tlv(0xa3, &tlv(TAG_SEQUENCE, &extensions.concat())));
    let tbs = tlv(TAG_SEQUENCE, &tbs);

    let signature = issuer_key
        .pair
        .sign(rng, &tbs)
        .map_err(|e| format!("certificate signing failed: {e}"))?;
    let mut cert = tbs;
    cert.extend(algorithm);
    cert.extend(bit_string(signature.as_ref()));
    Ok(tlv(TAG_SEQUENCE, &cert))
}

/// PEM text of a DER document.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;

    #[test]
    fn generated_certificates_parse_and_chain() {
        let tls = generate(IpAddr::from([10, 1, 2, 3])).expect("generate");
        let certs: Vec<_> = CertificateDer::pem_slice_iter(tls.ca_pem.as_bytes())
            .collect::<Result<_, _>>()
            .expect("PEM");
        assert_eq!(certs.len(), 1);
        // A client trusting the CA accepts the server: the handshake below is the check.
        let mut roots = rustls::RootCertStore::empty();
        roots.add(certs[0].clone()).expect("a CA certificate");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        for name in ["localhost", "127.0.0.1", "10.1.2.3"] {
            let server_name = rustls::pki_types::ServerName::try_from(name).expect("name");
            let mut c = rustls::ClientConnection::new(Arc::new(client.clone()), server_name)
                .expect("client");
            let mut s = rustls::ServerConnection::new(tls.config.clone()).expect("server");
            let mut buf = Vec::new();
            for _ in 0..4 {
                buf.clear();
                while c.wants_write() {
                    c.write_tls(&mut buf).expect("client write");
                }
                let mut r = &buf[..];
                while !r.is_empty() {
                    s.read_tls(&mut r).expect("server read");
                }
                s.process_new_packets().expect("server accepts the client");
                buf.clear();
                while s.wants_write() {
                    s.write_tls(&mut buf).expect("server write");
                }
                let mut r = &buf[..];
                while !r.is_empty() {
                    c.read_tls(&mut r).expect("client read");
                }
                c.process_new_packets()
                    .unwrap_or_else(|e| panic!("client refuses {name}: {e}"));
            }
            assert!(!c.is_handshaking() && !s.is_handshaking(), "{name}");
        }
    }
}
