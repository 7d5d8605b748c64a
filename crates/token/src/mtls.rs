//! mTLS client authentication and certificate-bound tokens (RFC 8705).

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretSlice};

use crate::error::ConfigError;
use crate::jws::sha256_b64;

/// A client certificate and its private key, presented in the TLS handshake with the token
/// endpoint's mTLS alias (`tls_client_auth`, `self_signed_tls_client_auth`) and, for
/// certificate-bound tokens, with every call that uses the token.
///
/// `Debug` shows the thumbprint and expiry only; the key never appears in an output.
#[derive(Clone)]
pub struct ClientCertificate {
    pem: SecretSlice<u8>,
    thumbprint: String,
    not_after: SystemTime,
}

impl ClientCertificate {
    /// Reads a PEM certificate (the first one is the client's; more may follow as its chain)
    /// and its PEM private key (PKCS#8, PKCS#1 or SEC1).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming the fix: no certificate, no key (a certificate without
    /// its key cannot prove anything), a certificate that has expired or is not valid yet, or
    /// an unreadable file. Errors never contain key material.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            field: "client certificate",
            reason,
        };
        let blocks = crate::pem::parse_many(cert_pem)
            .map_err(|_| invalid("the certificate file is not PEM".to_owned()))?;
        let Some(cert) = blocks.iter().find(|b| b.tag() == "CERTIFICATE") else {
            return Err(invalid(
                "no `BEGIN CERTIFICATE` block in the certificate file; give the client certificate (AUTH0_CLIENT_CERT) and its key (AUTH0_CLIENT_KEY) as two files".to_owned(),
            ));
        };
        let key_blocks = crate::pem::parse_many(key_pem).unwrap_or_default();
        let key = key_blocks.iter().find(|b| {
            !b.is_encrypted()
                && matches!(
                    b.tag(),
                    "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY"
                )
        });
        let Some(key) = key else {
            let hint = if key_blocks.iter().any(crate::pem::Block::is_encrypted) {
                "the private key is encrypted; decrypt it first (`openssl pkcs8 -in key.pem -out plain.pem`)"
            } else {
                "the certificate comes without its private key: give the key file (AUTH0_CLIENT_KEY), a `BEGIN PRIVATE KEY` PEM"
            };
            return Err(invalid(hint.to_owned()));
        };
        let (not_before, not_after) = validity(cert.contents())
            .ok_or_else(|| invalid("the certificate cannot be read (bad DER)".to_owned()))?;
        let now = SystemTime::now();
        if now > not_after {
            return Err(invalid(format!(
                "the certificate expired {} days ago; issue a new one, register it with the tenant as a credential of the client, then use it",
                now.duration_since(not_after).unwrap_or_default().as_secs() / 86_400
            )));
        }
        if now < not_before {
            return Err(invalid(
                "the certificate is not valid yet (its notBefore is in the future); check the clock or the certificate".to_owned(),
            ));
        }
        let identity_pem =
            format!("{}{}", crate::pem::encode(cert), crate::pem::encode(key)).into_bytes();
        reqwest::Identity::from_pem(&identity_pem).map_err(|_| {
            invalid("the certificate and key cannot be used together for TLS".to_owned())
        })?;
        Ok(Self {
            pem: SecretSlice::from(identity_pem),
            thumbprint: sha256_b64(cert.contents()),
            not_after,
        })
    }

    /// Reads the certificate and key files (see [`from_pem`](Self::from_pem)); errors name the
    /// file that could not be read.
    pub fn from_files(
        cert_path: impl AsRef<std::path::Path>,
        key_path: impl AsRef<std::path::Path>,
    ) -> Result<Self, ConfigError> {
        let read = |p: &std::path::Path, what: &'static str| {
            std::fs::read(p).map_err(|e| ConfigError::Invalid {
                field: what,
                reason: format!("cannot read {}: {e}", p.display()),
            })
        };
        let cert = read(cert_path.as_ref(), "client certificate")?;
        let key = read(key_path.as_ref(), "client certificate key")?;
        Self::from_pem(&cert, &key)
    }

    /// The certificate's SHA-256 thumbprint, base64url: the `cnf.x5t#S256` of tokens bound
    /// to it (RFC 8705 §3.1).
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// When the certificate expires.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    pub(crate) fn identity(&self) -> Result<reqwest::Identity, ConfigError> {
        reqwest::Identity::from_pem(self.pem.expose_secret()).map_err(|_| ConfigError::Invalid {
            field: "client certificate",
            reason: "the certificate and key cannot be used together for TLS".to_owned(),
        })
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("thumbprint", &self.thumbprint)
            .field("not_after", &self.not_after)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// One DER element: tag, contents, rest.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
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
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The `notBefore` and `notAfter` of an X.509 certificate (RFC 5280 §4.1).
fn validity(cert: &[u8]) -> Option<(SystemTime, SystemTime)> {
    let (_, certificate, _) = der(cert)?;
    let (_, tbs, _) = der(certificate)?;
    let mut rest = tbs;
    let (tag, _, r) = der(rest)?;
    if tag == 0xa0 {
        rest = r; // version
    }
    for _ in 0..3 {
        // serialNumber, signature, issuer
        let (_, _, r) = der(rest)?;
        rest = r;
    }
    let (_, validity, _) = der(rest)?;
    let (t1, nb, r) = der(validity)?;
    let (t2, na, _) = der(r)?;
    Some((time(t1, nb)?, time(t2, na)?))
}

/// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, v: &[u8]) -> Option<SystemTime> {
    let s = std::str::from_utf8(v).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if s.len() == 12 => {
            let yy: i64 = s[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &s[2..])
        }
        0x18 if s.len() == 14 => (s[..4].parse().ok()?, &s[4..]),
        _ => return None,
    };
    let n = |i: usize| rest.get(i..i + 2)?.parse::<i64>().ok();
    let (month, day, hour, min, sec) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    if secs >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs as u64))
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(not_after: (i32, u8, u8)) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(vec!["client".to_owned()]).unwrap();
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let c = p.self_signed(&key).unwrap();
        (c.pem(), key.serialize_pem())
    }

    #[test]
    fn reads_a_certificate_and_its_thumbprint() {
        let (c, k) = cert((2090, 6, 30));
        let cc = ClientCertificate::from_pem(c.as_bytes(), k.as_bytes()).unwrap();
        let der = crate::pem::parse(c.as_bytes()).unwrap();
        assert_eq!(cc.thumbprint(), sha256_b64(der.contents()));
        // 2090-06-30T00:00:00Z
        assert_eq!(
            cc.not_after()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            3_802_464_000
        );
        let dbg = format!("{cc:?}");
        assert!(!dbg.contains(k.lines().nth(1).unwrap()), "{dbg}");
    }

    #[test]
    fn hostile_certificates_name_the_fix() {
        let (c, k) = cert((2021, 1, 1));
        let e = ClientCertificate::from_pem(c.as_bytes(), k.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expired") && e.contains("issue a new one"),
            "{e}"
        );
        let (c, _) = cert((2090, 1, 1));
        let e = ClientCertificate::from_pem(c.as_bytes(), b"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("without its private key"), "{e}");
        let e = ClientCertificate::from_pem(b"", b"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("BEGIN CERTIFICATE"), "{e}");
    }
}
