//! Where tokens come from: an Auth0 domain or an explicit token URL.

use std::fmt;

use url::Url;

use crate::error::ConfigError;

/// The token endpoint to call.
///
/// Build it from an Auth0 domain with [`TokenEndpoint::auth0_domain`] (the token URL becomes
/// `https://{domain}/oauth/token` and the default audience `https://{domain}/api/v2/`), or from
/// any OAuth 2.0 token URL with [`TokenEndpoint::url`] (no default audience).
///
/// Plain `http://` URLs are accepted here but refused by
/// [`TokenClientBuilder::build`](crate::TokenClientBuilder::build) unless
/// [`allow_insecure_http(true)`](crate::TokenClientBuilder::allow_insecure_http) was set.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenEndpoint {
    url: Url,
    default_audience: Option<String>,
    auth0: bool,
}

impl TokenEndpoint {
    /// The token endpoint of an Auth0 tenant, given its bare domain: `tenant.eu.auth0.com`, a
    /// custom domain such as `login.example.com`, or `host:port` (`127.0.0.1:8443`).
    ///
    /// Anything that is not a bare host is rejected with a [`ConfigError::InvalidDomain`] that
    /// says what is wrong: a scheme (`https://…`), a path, a query, a fragment, user
    /// information (`user@host`), whitespace, an empty value, a bad port or non-ASCII characters
    /// (use the punycode `xn--` form).
    ///
    /// The default audience is the Management API of that domain, `https://{domain}/api/v2/`.
    /// With a custom domain, the Management API audience is still the canonical tenant domain,
    /// so set it with [`with_audience`](crate::TokenClientBuilder::with_audience).
    pub fn auth0_domain(domain: &str) -> Result<Self, ConfigError> {
        validate_domain(domain)?;
        let url = Url::parse(&format!("https://{domain}/oauth/token"))
            .map_err(|e| invalid_domain(domain, format!("not a valid host: {e}")))?;
        // The URL parser may normalise the host (lower case, IP forms); keep what it produced.
        let host = url
            .host_str()
            .ok_or_else(|| invalid_domain(domain, "has no host".to_owned()))?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self {
            default_audience: Some(format!("https://{authority}/api/v2/")),
            url,
            auth0: true,
        })
    }

    /// An explicit token URL (`https://login.example.com/oauth/token` for an Auth0 custom
    /// domain, or `https://idp.example.com/oauth2/token` for any standards-compliant OAuth 2.0
    /// server).
    ///
    /// Auth0's client-authentication rules apply by default; for a server that is not Auth0's,
    /// say so with [`not_auth0`](Self::not_auth0).
    ///
    /// The URL must be absolute, use `https` (or `http`, which the builder only accepts with
    /// [`allow_insecure_http(true)`](crate::TokenClientBuilder::allow_insecure_http)), have a
    /// host, and carry neither user information nor a fragment. There is no default audience.
    pub fn url(url: &str) -> Result<Self, ConfigError> {
        if url.trim().is_empty() {
            return Err(ConfigError::Empty { field: "token URL" });
        }
        if url.trim() != url {
            return Err(invalid_url(url, "has leading or trailing whitespace"));
        }
        let parsed = Url::parse(url).map_err(|e| {
            invalid_url(
                url,
                &format!(
                    "not an absolute URL ({e}); expected e.g. https://idp.example.com/oauth/token"
                ),
            )
        })?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            // Never echo credentials back in the error.
            let mut shown = parsed.clone();
            let _ = shown.set_username("");
            let _ = shown.set_password(None);
            return Err(ConfigError::InvalidUrl {
                url: shown.to_string(),
                reason: "contains user information (user:password@); credentials go in the client authentication, not in the URL".to_owned(),
            });
        }
        match parsed.scheme() {
            "https" | "http" => {}
            other => {
                return Err(invalid_url(
                    url,
                    &format!("scheme {other:?} is not supported; use https"),
                ));
            }
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid_url(url, "has no host"));
        }
        if parsed.fragment().is_some() {
            return Err(invalid_url(url, "contains a fragment (#…)"));
        }
        Ok(Self {
            url: parsed,
            default_audience: None,
            auth0: true,
        })
    }

    /// Declares that this token endpoint is not Auth0's but another OAuth 2.0 server, for
    /// which Auth0's rules do not hold:
    ///
    /// | rule | Auth0 (default) | `not_auth0()` |
    /// | --- | --- | --- |
    /// | assertion `aud` | the issuer URL, `https://{host}/` | the token URL (RFC 7523 §3) |
    /// | assertion algorithms | `RS256`, `RS384`, `PS256` | also `ES256` |
    /// | assertion `kid` | the one set, else the key's thumbprint | the one set, else none |
    /// | assertion size | at most 2,048 bytes | no limit |
    ///
    /// ```
    /// use auth0_m2m_token::TokenEndpoint;
    /// let e = TokenEndpoint::url("https://idp.example.com/oauth2/token")?.not_auth0();
    /// assert!(!e.is_auth0());
    /// # Ok::<(), auth0_m2m_token::ConfigError>(())
    /// ```
    pub fn not_auth0(mut self) -> Self {
        self.auth0 = false;
        self
    }

    /// Whether Auth0's rules apply to this endpoint (`true` unless
    /// [`not_auth0`](Self::not_auth0) was called).
    pub fn is_auth0(&self) -> bool {
        self.auth0
    }

    /// The issuer URL of the token host with its trailing slash, `{scheme}://{host[:port]}/`:
    /// the `aud` Auth0 expects in client assertions (the tenant's domain, or the custom
    /// domain the request goes to).
    pub fn issuer_url(&self) -> String {
        format!("{}/", self.url.origin().ascii_serialization())
    }

    /// The token URL.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The audience used when none is set on the builder: `https://{domain}/api/v2/` for
    /// [`auth0_domain`](Self::auth0_domain), none for [`url`](Self::url).
    pub fn default_audience(&self) -> Option<&str> {
        self.default_audience.as_deref()
    }

    /// Whether the URL uses plain `http`.
    pub fn is_insecure(&self) -> bool {
        self.url.scheme() == "http"
    }
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("url", &self.url.as_str())
            .field("default_audience", &self.default_audience)
            .field("auth0", &self.auth0)
            .finish()
    }
}

impl fmt::Display for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

fn invalid_domain(domain: &str, reason: String) -> ConfigError {
    ConfigError::InvalidDomain {
        domain: domain.to_owned(),
        reason,
    }
}

fn invalid_url(url: &str, reason: &str) -> ConfigError {
    ConfigError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Maximum length of a DNS name.
const MAX_HOST_LEN: usize = 253;

fn validate_domain(domain: &str) -> Result<(), ConfigError> {
    let err = |reason: &str| Err(invalid_domain(domain, reason.to_owned()));
    if domain.is_empty() {
        return Err(ConfigError::Empty {
            field: "Auth0 domain",
        });
    }
    if domain.contains("://") {
        return err(
            "looks like a URL; give the bare host (e.g. `tenant.eu.auth0.com`), or use TokenEndpoint::url for a full token URL",
        );
    }
    if domain.chars().any(char::is_whitespace) {
        return err("contains whitespace");
    }
    if !domain.is_ascii() {
        return err("contains non-ASCII characters; use the punycode (xn--) form of the domain");
    }
    if domain.chars().any(|c| c.is_ascii_control()) {
        return err("contains control characters");
    }
    if domain.contains('@') {
        return err("contains user information (`…@`); give only the host");
    }
    if domain.contains('/') {
        return err("contains a path; give only the host (e.g. `tenant.eu.auth0.com`)");
    }
    if domain.contains('?') {
        return err("contains a query (`?…`); give only the host");
    }
    if domain.contains('#') {
        return err("contains a fragment (`#…`); give only the host");
    }
    if domain.contains('\\') {
        return err("contains a backslash; give only the host");
    }

    // Split off a port. A bracketed IPv6 literal keeps its colons inside the brackets.
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return err("has an unterminated IPv6 literal (`[` without `]`)");
        };
        let host = &rest[..end];
        let after = &rest[end + 1..];
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(p) => Some(p),
                None => return err("has unexpected characters after the IPv6 literal"),
            },
        };
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return err("has an invalid IPv6 literal");
        }
        (None, port)
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(domain), None),
        }
    };

    if let Some(port) = port {
        if port.is_empty() {
            return err("has an empty port after `:`");
        }
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return err("has a port that is not a number (at most one `:` is allowed)");
        }
        match port.parse::<u32>() {
            Ok(p) if (1..=65535).contains(&p) => {}
            _ => return err("has a port outside 1-65535"),
        }
    }

    if let Some(host) = host {
        if host.is_empty() {
            return err("has an empty host");
        }
        if host.len() > MAX_HOST_LEN {
            return err("is longer than 253 characters");
        }
        for label in host.split('.') {
            if label.is_empty() {
                return err("has an empty label (leading, trailing or doubled `.`)");
            }
            if label.len() > 63 {
                return err("has a label longer than 63 characters");
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return err(
                    "contains characters not allowed in a host name (letters, digits, `-` and `.` only)",
                );
            }
            if label.starts_with('-') || label.ends_with('-') {
                return err("has a label that starts or ends with `-`");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain_err(d: &str) -> String {
        match TokenEndpoint::auth0_domain(d) {
            Ok(e) => panic!("{d:?} accepted as {e:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn good_domains() {
        let e = TokenEndpoint::auth0_domain("tenant.eu.auth0.com").unwrap();
        assert_eq!(e.as_str(), "https://tenant.eu.auth0.com/oauth/token");
        assert_eq!(
            e.default_audience(),
            Some("https://tenant.eu.auth0.com/api/v2/")
        );
        assert!(!e.is_insecure());

        let e = TokenEndpoint::auth0_domain("127.0.0.1:8443").unwrap();
        assert_eq!(e.as_str(), "https://127.0.0.1:8443/oauth/token");
        assert_eq!(e.default_audience(), Some("https://127.0.0.1:8443/api/v2/"));

        let e = TokenEndpoint::auth0_domain("Login.Example.COM").unwrap();
        assert_eq!(e.as_str(), "https://login.example.com/oauth/token");

        let e = TokenEndpoint::auth0_domain("localhost:3000").unwrap();
        assert_eq!(e.as_str(), "https://localhost:3000/oauth/token");

        let e = TokenEndpoint::auth0_domain("[::1]:8443").unwrap();
        assert_eq!(e.as_str(), "https://[::1]:8443/oauth/token");
        assert_eq!(e.default_audience(), Some("https://[::1]:8443/api/v2/"));

        // The default port is dropped by the URL parser.
        let e = TokenEndpoint::auth0_domain("tenant.auth0.com:443").unwrap();
        assert_eq!(e.as_str(), "https://tenant.auth0.com/oauth/token");
    }

    #[test]
    fn bad_domains_say_what_is_wrong() {
        let cases: &[(&str, &str)] = &[
            ("https://tenant.auth0.com", "looks like a URL"),
            ("http://tenant.auth0.com/", "looks like a URL"),
            ("tenant.auth0.com/", "contains a path"),
            ("tenant.auth0.com/oauth/token", "contains a path"),
            ("tenant.auth0.com?x=1", "contains a query"),
            ("tenant.auth0.com#frag", "contains a fragment"),
            ("user:pw@tenant.auth0.com", "contains user information"),
            ("tenant .auth0.com", "contains whitespace"),
            (" tenant.auth0.com", "contains whitespace"),
            ("tenant.auth0.com\n", "contains whitespace"),
            ("tenänt.auth0.com", "non-ASCII"),
            ("tenant.auth0.com:", "empty port"),
            ("tenant.auth0.com:0", "outside 1-65535"),
            ("tenant.auth0.com:65536", "outside 1-65535"),
            ("tenant.auth0.com:99999999999", "outside 1-65535"),
            ("tenant.auth0.com:https", "not a number"),
            ("tenant.auth0.com:80:80", "not a number"),
            ("tenant..auth0.com", "empty label"),
            (".tenant.auth0.com", "empty label"),
            ("tenant.auth0.com.", "empty label"),
            (":8443", "empty host"),
            ("-tenant.auth0.com", "starts or ends with `-`"),
            ("ten%41nt.auth0.com", "characters not allowed"),
            ("tenant\u{0}.auth0.com", "control characters"),
            ("[::1", "unterminated IPv6"),
            ("[zz::1]:80", "invalid IPv6"),
            ("[::1]x", "unexpected characters"),
            ("tenant\\auth0.com", "backslash"),
        ];
        for (d, want) in cases {
            let msg = domain_err(d);
            assert!(msg.contains(want), "{d:?}: {msg}");
            assert!(msg.starts_with("invalid Auth0 domain"), "{d:?}: {msg}");
        }
        let long = format!("{}.com", "a".repeat(64));
        assert!(domain_err(&long).contains("longer than 63"));
        let very_long = format!("{}com", "abcdefghi.".repeat(30));
        assert!(domain_err(&very_long).contains("longer than 253"));
        assert_eq!(
            TokenEndpoint::auth0_domain(""),
            Err(ConfigError::Empty {
                field: "Auth0 domain"
            })
        );
    }

    #[test]
    fn token_urls() {
        let e = TokenEndpoint::url("https://idp.example.com/oauth2/v1/token").unwrap();
        assert_eq!(e.as_str(), "https://idp.example.com/oauth2/v1/token");
        assert_eq!(e.default_audience(), None);
        let e = TokenEndpoint::url("http://127.0.0.1:8080/oauth/token").unwrap();
        assert!(e.is_insecure());

        let cases: &[(&str, &str)] = &[
            ("idp.example.com/token", "not an absolute URL"),
            ("ftp://idp.example.com/token", "scheme \"ftp\""),
            ("https://idp.example.com/token#x", "fragment"),
            (" https://idp.example.com/token", "whitespace"),
            ("https://", "not an absolute URL"),
            ("file:///etc/passwd", "scheme \"file\""),
        ];
        for (u, want) in cases {
            let msg = TokenEndpoint::url(u).unwrap_err().to_string();
            assert!(msg.contains(want), "{u:?}: {msg}");
        }
        assert_eq!(
            TokenEndpoint::url(""),
            Err(ConfigError::Empty { field: "token URL" })
        );
    }

    #[test]
    fn url_with_credentials_is_rejected_without_echoing_them() {
        let err = TokenEndpoint::url("https://me:hunter2@idp.example.com/token").unwrap_err();
        let msg = format!("{err} {err:?}");
        assert!(msg.contains("user information"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(!msg.contains("me:"), "{msg}");
    }
}
