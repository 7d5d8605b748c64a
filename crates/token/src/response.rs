//! Turning the token endpoint's answer into an [`AccessToken`] or an [`Error`].

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::error::{Error, OAuthError};
use crate::http::{HttpResponse, MAX_RESPONSE_BODY_BYTES};
use crate::limits::RateLimit;
use crate::token::AccessToken;

/// The longest accepted `expires_in`: one year (31,536,000 seconds). Longer lifetimes are
/// treated as a broken server and refused.
pub const MAX_EXPIRES_IN: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How many characters of an unexpected error body are kept in [`Error::UnexpectedStatus`].
pub const EXCERPT_CHARS: usize = 200;

/// The marker that replaces secrets in excerpts and descriptions.
const REDACTED: &str = "[REDACTED]";

/// Secrets that must never appear in an error built from a server answer.
pub(crate) struct Scrub<'a> {
    pub(crate) secrets: Vec<&'a str>,
}

impl Scrub<'_> {
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            // Very short "secrets" would redact ordinary words; real ones are long.
            if s.len() >= 4 && out.contains(s) {
                out = out.replace(s, REDACTED);
            }
        }
        out
    }
}

/// Interprets a complete answer. `requested_scopes` are used when the answer lists none;
/// `sent_at` is when the request was sent.
pub(crate) fn interpret(
    response: &HttpResponse,
    requested_scopes: &[String],
    sent_at: SystemTime,
    received_at: SystemTime,
    scrub: &Scrub<'_>,
    dpop: bool,
) -> Result<AccessToken, Error> {
    if response.body.len() > MAX_RESPONSE_BODY_BYTES {
        return Err(Error::BodyTooLarge {
            limit: MAX_RESPONSE_BODY_BYTES,
        });
    }
    if (200..300).contains(&response.status) {
        let token = parse_token_as(&response.body, requested_scopes, sent_at, dpop)?;
        let limits = RateLimit::from_headers(&response.headers, received_at);
        Ok(token.with_quota(limits.client_quota))
    } else {
        Err(parse_error(response, received_at, scrub))
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidResponse {
        reason: reason.into(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a 2xx body. Error messages describe the problem without quoting values, since the
/// body carries the token.
#[cfg(test)]
pub(crate) fn parse_token(
    body: &[u8],
    requested_scopes: &[String],
    sent_at: SystemTime,
) -> Result<AccessToken, Error> {
    parse_token_as(body, requested_scopes, sent_at, false)
}

/// [`parse_token`], accepting `token_type: DPoP` when the request carried a DPoP proof.
pub(crate) fn parse_token_as(
    body: &[u8],
    requested_scopes: &[String],
    sent_at: SystemTime,
    dpop: bool,
) -> Result<AccessToken, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("the body is empty"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        invalid(format!(
            "the body is not JSON (parse error at line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(obj) = value else {
        return Err(invalid(format!(
            "the body is {}, expected a JSON object",
            json_type(&value)
        )));
    };

    let token = match obj.get("access_token") {
        None => return Err(invalid("`access_token` is missing")),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(invalid(format!(
                "`access_token` is {}, expected a string",
                json_type(other)
            )));
        }
    };
    if token.is_empty() {
        return Err(invalid("`access_token` is empty"));
    }
    if !token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(invalid(
            "`access_token` contains whitespace, control or non-ASCII characters and cannot be sent in a header",
        ));
    }

    let token_type = match obj.get("token_type") {
        None => return Err(invalid("`token_type` is missing (expected \"Bearer\")")),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(invalid(format!(
                "`token_type` is {}, expected the string \"Bearer\"",
                json_type(other)
            )));
        }
    };
    let token_type = if token_type.eq_ignore_ascii_case("bearer") {
        "Bearer"
    } else if dpop && token_type.eq_ignore_ascii_case("dpop") {
        "DPoP"
    } else if token_type.eq_ignore_ascii_case("dpop") {
        return Err(invalid(
            "`token_type` is \"DPoP\", but the request carried no DPoP proof; configure a DPoP key (`with_dpop`) to use DPoP-bound tokens",
        ));
    } else {
        // A token type is a short word (`Bearer`, `DPoP`, `MAC`); anything else is not echoed,
        // since a misbehaving server may have put a credential there.
        let word = token_type.len() <= 12
            && token_type
                .chars()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '_' | '-'));
        let shown = if word {
            format!("{token_type:?}")
        } else {
            format!(
                "a value of {} characters that is not a token type",
                token_type.chars().count()
            )
        };
        return Err(invalid(format!(
            "`token_type` is {shown}, only \"Bearer\" and \"DPoP\" tokens are supported"
        )));
    };

    let expires_in = parse_expires_in(obj.get("expires_in"))?;

    let scopes = match obj.get("scope") {
        None | Some(Value::Null) => requested_scopes.to_vec(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        Some(other) => {
            return Err(invalid(format!(
                "`scope` is {}, expected a space-separated string",
                json_type(other)
            )));
        }
    };

    let expires_at = sent_at
        .checked_add(expires_in)
        .ok_or_else(|| invalid("`expires_in` overflows the clock"))?;
    Ok(AccessToken::new(
        token.clone(),
        token_type,
        scopes,
        expires_at,
        sent_at,
    ))
}

fn parse_expires_in(value: Option<&Value>) -> Result<Duration, Error> {
    let secs: i128 = match value {
        None | Some(Value::Null) => {
            return Err(invalid(
                "`expires_in` is missing; the token's lifetime is unknown",
            ));
        }
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                i128::from(i)
            } else if let Some(u) = n.as_u64() {
                i128::from(u)
            } else {
                return Err(invalid(format!(
                    "`expires_in` is {n}, expected a whole number of seconds"
                )));
            }
        }
        // Some servers send the number as a string; accept plain digits only.
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse::<i128>()
                .map_err(|_| invalid("`expires_in` is not a number"))?
        }
        Some(Value::String(_)) => {
            return Err(invalid(
                "`expires_in` is a string that is not a whole number of seconds",
            ));
        }
        Some(other) => {
            return Err(invalid(format!(
                "`expires_in` is {}, expected a number of seconds",
                json_type(other)
            )));
        }
    };
    if secs <= 0 {
        return Err(invalid(format!(
            "`expires_in` is {secs}, expected a positive number of seconds"
        )));
    }
    if secs > i128::from(MAX_EXPIRES_IN.as_secs()) {
        return Err(invalid(format!(
            "`expires_in` is {secs} seconds, more than the accepted maximum of one year ({} s)",
            MAX_EXPIRES_IN.as_secs()
        )));
    }
    // Bounded by MAX_EXPIRES_IN above, so the conversion cannot fail.
    Ok(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// Builds the error for a non-2xx answer.
pub(crate) fn parse_error(response: &HttpResponse, now: SystemTime, scrub: &Scrub<'_>) -> Error {
    let rate_limit = RateLimit::from_headers(&response.headers, now);
    if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&response.body)
        && let Some(Value::String(error)) = obj.get("error")
    {
        let description = match obj.get("error_description") {
            Some(Value::String(d)) => Some(shorten(&scrub.apply(d), 1000)),
            _ => None,
        };
        return Error::OAuth(Box::new(OAuthError {
            status: response.status,
            error: shorten(&scrub.apply(error), 200),
            error_description: description,
            rate_limit,
        }));
    }
    Error::UnexpectedStatus {
        status: response.status,
        excerpt: excerpt(&response.body, scrub),
        rate_limit: Box::new(rate_limit),
    }
}

fn shorten(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if s.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// A short, single-line, secret-free excerpt of a body.
pub(crate) fn excerpt(body: &[u8], scrub: &Scrub<'_>) -> String {
    excerpt_of(body, scrub, EXCERPT_CHARS)
}

/// A short, single-line excerpt of an answer body, safe to put in an error message. This is
/// how [`Error::UnexpectedStatus`] excerpts are made (with [`EXCERPT_CHARS`]); layers above
/// use it for their own error bodies.
///
/// - Every occurrence of each of `secrets` is replaced by `[REDACTED]` before the text is
///   cut, so a secret split by the cut cannot survive in part. Secrets shorter than 4
///   characters are ignored (they would redact ordinary words).
/// - Invalid UTF-8 is replaced, runs of whitespace become one space and other control
///   characters become spaces.
/// - The text is cut to `max_chars` characters; `…` is appended when it was cut.
/// - An empty body gives `(empty body)`.
///
/// ```
/// let body = b"<html>\n  upstream said token=eyJ.abc.def  </html>";
/// let excerpt = auth0_m2m_token::body_excerpt(body, &["eyJ.abc.def"], 30);
/// assert_eq!(excerpt, "<html> upstream said token=[RE…");
/// ```
pub fn body_excerpt(body: &[u8], secrets: &[&str], max_chars: usize) -> String {
    let scrub = Scrub {
        secrets: secrets.to_vec(),
    };
    excerpt_of(body, &scrub, max_chars)
}

fn excerpt_of(body: &[u8], scrub: &Scrub<'_>, max_chars: usize) -> String {
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    // Scrub before cutting, so that a secret split by the cut cannot survive in part.
    let scrubbed = scrub.apply(&text);
    let collapsed = scrubbed.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&collapsed, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn at() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn requested() -> Vec<String> {
        vec!["read:clients".to_owned(), "read:users".to_owned()]
    }

    fn reason(body: &str) -> String {
        match parse_token(body.as_bytes(), &requested(), at()) {
            Ok(t) => panic!("accepted {body:?}: {t:?}"),
            Err(Error::InvalidResponse { reason }) => {
                assert!(!reason.contains("SECRETTOKEN"), "{reason}");
                reason
            }
            Err(other) => panic!("unexpected error for {body:?}: {other:?}"),
        }
    }

    #[test]
    fn good_response() {
        let t = parse_token(
            br#"{"access_token":"eyJ.a.b","expires_in":86400,"scope":"read:clients create:clients","token_type":"Bearer"}"#,
            &requested(),
            at(),
        )
        .unwrap();
        assert_eq!(t.expose_secret(), "eyJ.a.b");
        assert_eq!(t.token_type(), "Bearer");
        assert_eq!(t.scopes(), ["read:clients", "create:clients"]);
        assert_eq!(t.expires_at(), at() + Duration::from_secs(86400));
        assert_eq!(t.obtained_at(), at());
    }

    #[test]
    fn absent_scope_means_requested_and_lenient_forms() {
        let t = parse_token(
            br#"{"access_token":"x.y.z","expires_in":"3600","token_type":"bearer","extra":{"a":1}}"#,
            &requested(),
            at(),
        )
        .unwrap();
        assert_eq!(t.scopes(), requested().as_slice());
        assert_eq!(t.lifetime(), Duration::from_secs(3600));
        let t = parse_token(
            br#"{"access_token":"x","expires_in":1,"token_type":"BEARER","scope":""}"#,
            &requested(),
            at(),
        )
        .unwrap();
        assert!(t.scopes().is_empty());
        let max = MAX_EXPIRES_IN.as_secs();
        let body = format!(r#"{{"access_token":"x","expires_in":{max},"token_type":"Bearer"}}"#);
        assert!(parse_token(body.as_bytes(), &[], at()).is_ok());
    }

    #[test]
    fn malformed_and_hostile_bodies_are_refused_precisely() {
        let cases: &[(&str, &str)] = &[
            ("", "the body is empty"),
            ("   \n", "the body is empty"),
            (
                "<html>SECRETTOKEN</html>",
                "the body is not JSON (parse error at line 1, column 1)",
            ),
            ("{\"access_token\":\"SECRETTOKEN\"", "the body is not JSON"),
            ("null", "the body is null, expected a JSON object"),
            ("[]", "the body is an array, expected a JSON object"),
            (
                "\"SECRETTOKEN\"",
                "the body is a string, expected a JSON object",
            ),
            ("42", "the body is a number, expected a JSON object"),
            ("{}", "`access_token` is missing"),
            (
                r#"{"token_type":"Bearer","expires_in":60}"#,
                "`access_token` is missing",
            ),
            (
                r#"{"access_token":null,"token_type":"Bearer","expires_in":60}"#,
                "`access_token` is null, expected a string",
            ),
            (
                r#"{"access_token":123,"token_type":"Bearer","expires_in":60}"#,
                "`access_token` is a number, expected a string",
            ),
            (
                r#"{"access_token":["SECRETTOKEN"],"token_type":"Bearer","expires_in":60}"#,
                "`access_token` is an array, expected a string",
            ),
            (
                r#"{"access_token":"","token_type":"Bearer","expires_in":60}"#,
                "`access_token` is empty",
            ),
            (
                r#"{"access_token":"SECRETTOKEN with space","token_type":"Bearer","expires_in":60}"#,
                "`access_token` contains whitespace",
            ),
            (
                "{\"access_token\":\"SECRETTOKEN\\r\\nX-Injected: 1\",\"token_type\":\"Bearer\",\"expires_in\":60}",
                "`access_token` contains whitespace, control",
            ),
            (
                r#"{"access_token":"SECRETTOKENé","token_type":"Bearer","expires_in":60}"#,
                "`access_token` contains whitespace, control or non-ASCII",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","expires_in":60}"#,
                "`token_type` is missing (expected \"Bearer\")",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"mac","expires_in":60}"#,
                "`token_type` is \"mac\", only \"Bearer\" and \"DPoP\" tokens are supported",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"DPoP","expires_in":60}"#,
                "`token_type` is \"DPoP\"",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"SECRETTOKEN-0123","expires_in":60}"#,
                "`token_type` is a value of 16 characters that is not a token type",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer ","expires_in":60}"#,
                "`token_type` is \"Bearer \"",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":1,"expires_in":60}"#,
                "`token_type` is a number, expected the string \"Bearer\"",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer"}"#,
                "`expires_in` is missing; the token's lifetime is unknown",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":null}"#,
                "`expires_in` is missing",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":0}"#,
                "`expires_in` is 0, expected a positive number of seconds",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":-5}"#,
                "`expires_in` is -5, expected a positive number of seconds",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":31536001}"#,
                "`expires_in` is 31536001 seconds, more than the accepted maximum of one year (31536000 s)",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":18446744073709551615}"#,
                "`expires_in` is 18446744073709551615 seconds, more than the accepted maximum of one year",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":1e300}"#,
                "`expires_in` is 1e+300, expected a whole number of seconds",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":3600.5}"#,
                "`expires_in` is 3600.5, expected a whole number of seconds",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":"soon"}"#,
                "`expires_in` is a string that is not a whole number of seconds",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":"-60"}"#,
                "`expires_in` is a string that is not a whole number",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":"99999999999999999999"}"#,
                "`expires_in` is 99999999999999999999 seconds, more than the accepted maximum",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":true}"#,
                "`expires_in` is a boolean, expected a number of seconds",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":60,"scope":["a"]}"#,
                "`scope` is an array, expected a space-separated string",
            ),
            (
                r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":60,"scope":7}"#,
                "`scope` is a number",
            ),
        ];
        assert!(cases.len() >= 25);
        for (body, want) in cases {
            let got = reason(body);
            assert!(
                got.starts_with(want),
                "{body:?}: got {got:?}, want {want:?}"
            );
        }
    }

    #[test]
    fn duplicate_keys_and_deep_nesting_do_not_panic() {
        // serde_json keeps the last duplicate.
        let t = parse_token(
            br#"{"access_token":"a","access_token":"b","token_type":"Bearer","expires_in":60}"#,
            &[],
            at(),
        )
        .unwrap();
        assert_eq!(t.expose_secret(), "b");
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(reason(&deep).starts_with("the body is not JSON"));
    }

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        HttpResponse::new(status, h, body.to_owned())
    }

    #[test]
    fn oauth_errors_keep_their_fields() {
        let scrub = Scrub {
            secrets: vec!["the-client-secret"],
        };
        let r = resp(
            429,
            &[
                ("x-ratelimit-limit", "10"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000060"),
                ("retry-after", "7"),
                ("auth0-client-quota-limit", "b=per_hour;q=100;r=0;t=3600"),
            ],
            r#"{"error":"too_many_requests","error_description":"Global limit has been reached"}"#,
        );
        let Error::OAuth(e) = parse_error(&r, SystemTime::now(), &scrub) else {
            panic!("not oauth")
        };
        assert_eq!(e.status, 429);
        assert_eq!(e.error, "too_many_requests");
        assert_eq!(
            e.error_description.as_deref(),
            Some("Global limit has been reached")
        );
        assert_eq!(e.rate_limit.limit, Some(10));
        assert_eq!(e.rate_limit.remaining, Some(0));
        assert_eq!(
            e.rate_limit.reset,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_060))
        );
        assert_eq!(e.rate_limit.retry_after, Some(Duration::from_secs(7)));
        let quota = e.rate_limit.client_quota.as_ref().unwrap();
        assert_eq!(quota.per_hour().unwrap().quota, 100);
        assert_eq!(quota.remaining(), Some(0));
    }

    #[test]
    fn missing_grant_403_says_how_to_fix_it() {
        let r = resp(
            403,
            &[],
            r#"{"error":"access_denied","error_description":"Client is not authorized to access \"https://t.auth0.com/api/v2/\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"}"#,
        );
        let err = parse_error(&r, SystemTime::now(), &Scrub { secrets: vec![] });
        let msg = err.to_string();
        assert!(
            msg.starts_with(
                "token endpoint answered HTTP 403: access_denied: Client is not authorized"
            ),
            "{msg}"
        );
        assert!(msg.contains("authorize this client"), "{msg}");
        assert!(!err.is_retryable());
    }

    #[test]
    fn body_excerpt_scrubs_every_secret_and_cuts_at_the_given_length() {
        let body = "first hunter2-secret then eyJ.a.b\r\n\tand abc";
        assert_eq!(
            body_excerpt(body.as_bytes(), &["hunter2-secret", "eyJ.a.b", "abc"], 100),
            // "abc" is too short to be treated as a secret.
            "first [REDACTED] then [REDACTED] and abc"
        );
        let cut = body_excerpt(body.as_bytes(), &["hunter2-secret"], 10);
        assert_eq!(cut, "first [RED…");
        assert_eq!(body_excerpt(b"", &[], 10), "(empty body)");
        assert_eq!(
            body_excerpt(b"\xffok", &[], 10),
            "\u{fffd}ok",
            "invalid UTF-8 is replaced"
        );
    }

    #[test]
    fn html_error_bodies_become_short_scrubbed_excerpts() {
        let scrub = Scrub {
            secrets: vec!["hunter2-secret"],
        };
        let body = format!(
            "<html>\n<body>  Bad gateway: upstream said client_secret=hunter2-secret {} </body></html>",
            "x".repeat(1000)
        );
        let err = parse_error(&resp(502, &[], &body), SystemTime::now(), &scrub);
        let Error::UnexpectedStatus {
            status, excerpt, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*status, 502);
        assert!(
            excerpt.starts_with(
                "<html> <body> Bad gateway: upstream said client_secret=[REDACTED] xxx"
            ),
            "{excerpt}"
        );
        assert!(excerpt.chars().count() <= EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
        assert!(err.is_retryable());
        let err = parse_error(&resp(404, &[], ""), SystemTime::now(), &scrub);
        assert_eq!(
            err.to_string(),
            "token endpoint answered HTTP 404 with an unexpected body: (empty body)"
        );
        // JSON without an `error` string is not an OAuth error.
        let err = parse_error(
            &resp(400, &[], r#"{"error":{"code":1}}"#),
            SystemTime::now(),
            &scrub,
        );
        assert!(
            matches!(err, Error::UnexpectedStatus { status: 400, .. }),
            "{err:?}"
        );
        // An OAuth description that echoes the secret is scrubbed.
        let err = parse_error(
            &resp(
                401,
                &[],
                r#"{"error":"access_denied","error_description":"bad secret hunter2-secret"}"#,
            ),
            SystemTime::now(),
            &scrub,
        );
        assert!(!format!("{err} {err:?}").contains("hunter2-secret"));
        assert!(err.to_string().contains("bad secret [REDACTED]"));
    }

    #[test]
    fn retry_after_as_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(12));
        let r = resp(503, &[("retry-after", &date)], "");
        let rl = RateLimit::from_headers(&r.headers, now);
        assert_eq!(rl.retry_after, Some(Duration::from_secs(12)));
        let r = resp(
            503,
            &[("retry-after", "garbage"), ("x-ratelimit-limit", "-1")],
            "",
        );
        let rl = RateLimit::from_headers(&r.headers, now);
        assert_eq!(rl, RateLimit::default());
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let big = HttpResponse::new(
            200,
            HeaderMap::new(),
            vec![b' '; MAX_RESPONSE_BODY_BYTES + 1],
        );
        let err = interpret(&big, &[], at(), at(), &Scrub { secrets: vec![] }, false).unwrap_err();
        assert!(
            matches!(err, Error::BodyTooLarge { limit } if limit == 65536),
            "{err:?}"
        );
    }

    #[test]
    fn a_body_of_exactly_the_cap_is_read() {
        let json = r#"{"access_token":"eyJ.a.b","expires_in":60,"token_type":"Bearer"}"#;
        let mut body = json.as_bytes().to_vec();
        body.resize(MAX_RESPONSE_BODY_BYTES, b' ');
        let at_cap = HttpResponse::new(200, HeaderMap::new(), body);
        let token = interpret(&at_cap, &[], at(), at(), &Scrub { secrets: vec![] }, false)
            .expect("a body of exactly the cap is not too large");
        assert_eq!(token.expose_secret(), "eyJ.a.b");
    }

    #[test]
    fn a_token_type_is_echoed_only_as_a_short_word() {
        let body = |token_type: &str| {
            format!(r#"{{"access_token":"x","token_type":"{token_type}","expires_in":60}}"#)
        };
        // Twelve letters are a word and are shown.
        assert!(
            reason(&body("Macmacmacmac")).starts_with("`token_type` is \"Macmacmacmac\", only"),
            "{}",
            reason(&body("Macmacmacmac"))
        );
        // Thirteen letters are not: a credential could be made of letters only.
        assert_eq!(
            reason(&body("SECRETTOKENab")),
            "`token_type` is a value of 13 characters that is not a token type, only \"Bearer\" and \"DPoP\" tokens are supported"
        );
    }

    #[test]
    fn a_text_of_exactly_the_limit_is_not_marked_as_cut() {
        assert_eq!(body_excerpt(b"0123456789", &[], 10), "0123456789");
        assert_eq!(body_excerpt(b"0123456789a", &[], 10), "0123456789…");
    }
}
