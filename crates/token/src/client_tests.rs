use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use base64::Engine as _;
use mockall::Sequence;

use super::*;
use crate::http::{HttpResponse, MockHttpClient};

const SECRET: &str = "super-secret-value-42";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.sig";

fn ok_body() -> String {
    format!(r#"{{"access_token":"{TOKEN}","expires_in":86400,"token_type":"Bearer"}}"#)
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.insert(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    HttpResponse::new(status, h, body.to_owned())
}

fn builder(mock: impl HttpClient + 'static) -> TokenClientBuilder {
    TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.eu.auth0.com").unwrap(),
        "my-client",
        ClientAuth::client_secret_post(SECRET),
    )
    .with_http_client(Arc::new(mock))
    .with_retry_policy(RetryPolicy::default().with_jitter(false))
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// A transport that records requests and answers from a script, optionally after a delay.
struct Scripted {
    answers: Mutex<Vec<(Duration, Result<HttpResponse, Error>)>>,
    requests: Mutex<Vec<HttpRequest>>,
    calls: AtomicUsize,
}

impl Scripted {
    fn new(answers: Vec<(Duration, Result<HttpResponse, Error>)>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into_iter().rev().collect()),
            requests: Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl HttpClient for Scripted {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.requests.lock().unwrap().push(request);
        let next = self.answers.lock().unwrap().pop();
        match next {
            Some((delay, answer)) => {
                tokio::time::sleep(delay).await;
                answer
            }
            None => Err(Error::transport("script exhausted", None)),
        }
    }
}

fn scripted_client(script: &Arc<Scripted>) -> TokenClientBuilder {
    TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.eu.auth0.com").unwrap(),
        "my-client",
        ClientAuth::client_secret_post(SECRET),
    )
    .with_http_client(script.clone())
    .with_retry_policy(RetryPolicy::default().with_jitter(false))
}

#[tokio::test]
async fn form_body_with_client_secret_post() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(1)
        .withf(|req| {
            let f = form(&req.body);
            req.method == Method::POST
                && req.url == "https://tenant.eu.auth0.com/oauth/token"
                && req.headers[CONTENT_TYPE] == "application/x-www-form-urlencoded"
                && req.headers[ACCEPT] == "application/json"
                && !req.headers.contains_key(AUTHORIZATION)
                && f["grant_type"] == "client_credentials"
                && f["client_id"] == "my-client"
                && f["client_secret"] == SECRET
                && f["audience"] == "https://tenant.eu.auth0.com/api/v2/"
                && f["scope"] == "read:clients read:users"
                && f["organization"] == "org_123"
                && f["k"] == "v & w"
                && f.len() == 7
        })
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = builder(mock)
        .with_scopes(["read:users", "read:clients", "read:users"])
        .with_organization("org_123")
        .with_extra_param("k", "v & w")
        .build()
        .unwrap();
    assert_eq!(client.scopes(), ["read:clients", "read:users"]);
    let before = SystemTime::now();
    let token = client.fetch_token().await.unwrap();
    let after = SystemTime::now();
    assert_eq!(token.expose_secret(), TOKEN);
    // No `scope` in the answer: the requested scopes are assumed.
    assert_eq!(token.scopes(), ["read:clients", "read:users"]);
    assert!(token.obtained_at() >= before && token.obtained_at() <= after);
    assert_eq!(token.lifetime(), Duration::from_secs(86400));
}

#[tokio::test]
async fn json_body_and_basic_auth() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(1)
        .withf(|req| {
            let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let auth = req.headers[AUTHORIZATION].clone();
            let b64 = auth
                .to_str()
                .unwrap()
                .strip_prefix("Basic ")
                .unwrap()
                .to_owned();
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            req.headers[CONTENT_TYPE] == "application/json"
                && auth.is_sensitive()
                && raw == b"my+client%3A1:p%40ss+word"
                && v == serde_json::json!({
                    "grant_type": "client_credentials",
                    "client_id": "my client:1",
                    "audience": "https://api.example.com/",
                })
        })
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = TokenClient::builder(
        TokenEndpoint::url("https://idp.example.com/oauth2/token").unwrap(),
        "my client:1",
        ClientAuth::client_secret_basic("p@ss word"),
    )
    .with_http_client(Arc::new(mock))
    .with_audience("https://api.example.com/")
    .with_json_body(true)
    .build()
    .unwrap();
    assert_eq!(client.auth_method(), "client_secret_basic");
    client.fetch_token().await.unwrap();
}

#[tokio::test]
async fn url_endpoint_has_no_default_audience() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(1)
        .withf(|req| !form(&req.body).contains_key("audience"))
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = TokenClient::builder(
        TokenEndpoint::url("https://idp.example.com/token").unwrap(),
        "id",
        ClientAuth::client_secret_post("secret"),
    )
    .with_http_client(Arc::new(mock))
    .build()
    .unwrap();
    assert_eq!(client.audience(), None);
    client.fetch_token().await.unwrap();
}

#[tokio::test]
async fn telemetry_header_and_switch() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(1)
        .withf(|req| {
            let v = req.headers.get(TELEMETRY_HEADER).unwrap().to_str().unwrap();
            let json: serde_json::Value = serde_json::from_slice(
                &base64::engine::general_purpose::STANDARD.decode(v).unwrap(),
            )
            .unwrap();
            json["name"] == "auth0-m2m"
                && json["version"] == env!("CARGO_PKG_VERSION")
                && json["env"]["rust"].as_str().is_some_and(|s| !s.is_empty())
                && req.headers[USER_AGENT] == USER_AGENT_VALUE
        })
        .returning(|_| Ok(response(200, &[], &ok_body())));
    builder(mock).build().unwrap().fetch_token().await.unwrap();

    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(1)
        .withf(|req| !req.headers.contains_key(TELEMETRY_HEADER))
        .returning(|_| Ok(response(200, &[], &ok_body())));
    builder(mock)
        .with_telemetry(false)
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn retries_5xx_with_exponential_backoff() {
    let mut mock = MockHttpClient::new();
    let mut seq = Sequence::new();
    for _ in 0..2 {
        mock.expect_execute()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(response(503, &[], "<html>unavailable</html>")));
    }
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = builder(mock).build().unwrap();
    let start = tokio::time::Instant::now();
    client.fetch_token().await.unwrap();
    // 200 ms + 400 ms without jitter.
    assert_eq!(start.elapsed(), Duration::from_millis(600));
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_retries() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(3)
        .returning(|_| Ok(response(500, &[], "")));
    let client = builder(mock)
        .with_retry_policy(
            RetryPolicy::default()
                .with_max_retries(2)
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let err = client.fetch_token().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn honours_retry_after_on_429() {
    let mut mock = MockHttpClient::new();
    let mut seq = Sequence::new();
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| {
            Ok(response(
                429,
                &[("retry-after", "7"), ("x-ratelimit-limit", "30")],
                r#"{"error":"too_many_requests","error_description":"Global limit has been reached"}"#,
            ))
        });
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = builder(mock).build().unwrap();
    let start = tokio::time::Instant::now();
    client.fetch_token().await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn honours_rate_limit_reset_when_no_retry_after() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut mock = MockHttpClient::new();
    let mut seq = Sequence::new();
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| {
            Ok(response(
                429,
                &[
                    ("x-ratelimit-reset", "1700000004"),
                    ("x-ratelimit-remaining", "0"),
                ],
                r#"{"error":"too_many_requests"}"#,
            ))
        });
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = builder(mock)
        .with_clock(Arc::new(crate::TokioClock::starting_at(start)))
        .build()
        .unwrap();
    let t0 = tokio::time::Instant::now();
    client.fetch_token().await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_server_wait_beyond_the_cap_is_not_waited_for() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute().times(1).returning(|_| {
        Ok(response(
            429,
            &[
                ("retry-after", "3600"),
                ("auth0-client-quota-limit", "b=per_hour;q=10;r=0;t=3600"),
            ],
            r#"{"error":"too_many_requests","error_description":"Quota exceeded"}"#,
        ))
    });
    let client = builder(mock).build().unwrap();
    let start = tokio::time::Instant::now();
    let err = client.fetch_token().await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    let rl = err.rate_limit().unwrap();
    let hourly = rl.client_quota.as_ref().and_then(|q| q.per_hour()).unwrap();
    assert_eq!((hourly.quota, hourly.remaining), (10, 0));
    assert_eq!(hourly.resets_in, Duration::from_secs(3600));
    assert_eq!(
        err.to_string(),
        "token endpoint answered HTTP 429: too_many_requests: Quota exceeded"
    );
}

#[tokio::test(start_paused = true)]
async fn other_4xx_are_never_retried() {
    for (status, body) in [
        (
            400,
            r#"{"error":"invalid_request","error_description":"Missing required parameter: audience"}"#,
        ),
        (
            401,
            r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
        ),
        (
            403,
            r#"{"error":"access_denied","error_description":"Client is not authorized to access \"x\". You need to create a \"client-grant\" associated to this API."}"#,
        ),
        (404, "Not Found"),
    ] {
        let mut mock = MockHttpClient::new();
        mock.expect_execute()
            .times(1)
            .returning(move |_| Ok(response(status, &[], body)));
        let err = builder(mock)
            .build()
            .unwrap()
            .fetch_token()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(!err.is_retryable(), "{err}");
    }
}

#[tokio::test(start_paused = true)]
async fn invalid_2xx_is_not_retried() {
    let mut mock = MockHttpClient::new();
    mock.expect_execute()
        .times(1)
        .returning(|_| Ok(response(200, &[], "<html>captive portal</html>")));
    let err = builder(mock)
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponse { .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn transport_errors_are_retried() {
    let script = Scripted::new(vec![
        (
            Duration::ZERO,
            Err(Error::transport("connection refused", None)),
        ),
        (Duration::ZERO, Ok(response(200, &[], &ok_body()))),
    ]);
    let client = scripted_client(&script).build().unwrap();
    client.fetch_token().await.unwrap();
    assert_eq!(script.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn slow_answers_time_out_and_are_retried() {
    let script = Scripted::new(vec![
        (Duration::from_secs(60), Ok(response(200, &[], &ok_body()))),
        (
            Duration::from_millis(100),
            Ok(response(200, &[], &ok_body())),
        ),
    ]);
    let client = scripted_client(&script)
        .with_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    client.fetch_token().await.unwrap();
    // 2 s timeout + 200 ms backoff + 100 ms answer.
    assert_eq!(start.elapsed(), Duration::from_millis(2300));
    assert_eq!(script.calls.load(Ordering::SeqCst), 2);
    let reqs = script.requests.lock().unwrap();
    assert_eq!(reqs[0].timeout, Some(Duration::from_secs(2)));
}

#[tokio::test(start_paused = true)]
async fn timeout_error_when_every_attempt_is_slow() {
    let script = Scripted::new(vec![(
        Duration::from_secs(60),
        Ok(response(200, &[], &ok_body())),
    )]);
    let client = scripted_client(&script)
        .with_timeout(Duration::from_secs(1))
        .with_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.fetch_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_secs(1)),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "token request timed out after 1s");
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn expiry_counts_from_when_the_request_was_sent() {
    struct Slow;
    #[async_trait]
    impl HttpClient for Slow {
        async fn execute(&self, _: HttpRequest) -> Result<HttpResponse, Error> {
            // Paused time: the injected clock moves with it.
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok(response(200, &[], &ok_body()))
        }
    }
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let clock = Arc::new(crate::TokioClock::starting_at(start));
    let client = TokenClient::builder(
        TokenEndpoint::auth0_domain("t.auth0.com").unwrap(),
        "id",
        ClientAuth::client_secret_post("secret"),
    )
    .with_http_client(Arc::new(Slow))
    .with_clock(clock.clone())
    .build()
    .unwrap();
    let token = client.fetch_token().await.unwrap();
    assert_eq!(token.obtained_at(), start);
    assert_eq!(clock.now(), start + Duration::from_secs(3));
    assert_eq!(token.expires_at(), start + Duration::from_secs(86400));
}

/// What Auth0 sends on every answer: rate-limit headers whose reset lies up to an hour ahead.
fn rate_limit_headers_one_hour_ahead(now: SystemTime) -> Vec<(&'static str, String)> {
    let reset = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    vec![
        ("x-ratelimit-limit", "50".to_owned()),
        ("x-ratelimit-remaining", "49".to_owned()),
        ("x-ratelimit-reset", reset.to_string()),
    ]
}

#[tokio::test(start_paused = true)]
async fn a_503_is_retried_on_the_backoff_not_on_the_rate_limit_reset() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let headers = rate_limit_headers_one_hour_ahead(start);
    for status in [500u16, 502, 503, 504] {
        let h = headers.clone();
        let mut mock = MockHttpClient::new();
        let mut seq = Sequence::new();
        mock.expect_execute()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_| {
                let pairs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Ok(response(status, &pairs, "<html>unavailable</html>"))
            });
        mock.expect_execute()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(response(200, &[], &ok_body())));
        let client = builder(mock)
            .with_clock(Arc::new(crate::TokioClock::starting_at(start)))
            .build()
            .unwrap();
        let t0 = tokio::time::Instant::now();
        client.fetch_token().await.unwrap();
        // The first backoff (200 ms without jitter), not the hour until the reset.
        assert_eq!(t0.elapsed(), Duration::from_millis(200), "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_503_honours_retry_after() {
    let mut mock = MockHttpClient::new();
    let mut seq = Sequence::new();
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(response(503, &[("retry-after", "4")], "")));
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = builder(mock).build().unwrap();
    let t0 = tokio::time::Instant::now();
    client.fetch_token().await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_zero_server_wait_backs_off() {
    let mut mock = MockHttpClient::new();
    let mut seq = Sequence::new();
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| {
            Ok(response(
                429,
                &[("retry-after", "0")],
                r#"{"error":"too_many_requests"}"#,
            ))
        });
    mock.expect_execute()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(response(200, &[], &ok_body())));
    let client = builder(mock).build().unwrap();
    let t0 = tokio::time::Instant::now();
    client.fetch_token().await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_millis(200));
}

#[test]
fn configuration_errors() {
    let endpoint = || TokenEndpoint::auth0_domain("t.auth0.com").unwrap();
    let mk = |id: &str, auth: ClientAuth| TokenClient::builder(endpoint(), id, auth);
    let secret = || ClientAuth::client_secret_post("secret");

    let err = TokenClient::builder(
        TokenEndpoint::url("http://127.0.0.1:1/oauth/token").unwrap(),
        "id",
        secret(),
    )
    .build()
    .unwrap_err();
    assert!(matches!(err, ConfigError::InsecureHttp { .. }));
    assert!(
        err.to_string().contains("allow_insecure_http(true)"),
        "{err}"
    );
    assert!(
        TokenClient::builder(
            TokenEndpoint::url("http://127.0.0.1:1/oauth/token").unwrap(),
            "id",
            secret(),
        )
        .allow_insecure_http(true)
        .build()
        .is_ok()
    );

    assert_eq!(
        mk("", secret()).build().unwrap_err(),
        ConfigError::Empty { field: "client id" }
    );
    assert_eq!(
        mk("id", ClientAuth::client_secret_basic(""))
            .build()
            .unwrap_err(),
        ConfigError::Empty {
            field: "client secret"
        }
    );
    assert_eq!(
        mk("id", secret()).with_audience("").build().unwrap_err(),
        ConfigError::Empty { field: "audience" }
    );
    let err = mk("id\n", secret()).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid client id: contains control characters"
    );
    let err = mk("id", secret())
        .with_scopes(["read:clients read:users"])
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid scope: \"read:clients read:users\" contains a space"),
        "{err}"
    );
    let err = mk("id", secret()).with_scopes([""]).build().unwrap_err();
    assert_eq!(err.to_string(), "invalid scope: a scope is empty");
    let err = mk("id", secret())
        .with_extra_param("client_secret", "x")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid extra parameter: \"client_secret\" is set by the client itself; use the dedicated builder method"
    );
    let err = mk("id", secret())
        .with_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid timeout: must be greater than zero"
    );
    let err = mk("id", secret())
        .with_root_certificate_pem("garbage")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid root certificate: no `-----BEGIN CERTIFICATE-----` block found in the PEM"
    );
    let err = mk("id", secret())
        .with_root_certificate_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("invalid root certificate: "),
        "{err}"
    );
    let err = mk("id", secret())
        .with_root_certificate_pem([0xff, 0xfe, 0x00])
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("not PEM text"), "{err}");
    let ca = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    assert!(
        mk("id", secret())
            .with_root_certificate_pem(ca.cert.pem())
            .build()
            .is_ok()
    );
    let err = mk("id", secret())
        .with_root_certificate_pem(ca.cert.pem())
        .with_reqwest_client(reqwest::Client::new())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("default transport only"), "{err}");
}

#[test]
fn accessors_clone_and_debug_redaction() {
    let client = TokenClient::builder(
        TokenEndpoint::auth0_domain("t.auth0.com").unwrap(),
        "my-client",
        ClientAuth::client_secret_post(SECRET),
    )
    .with_audience("https://api/")
    .with_organization("org_1")
    .with_extra_param("hidden", "param-value-x")
    .build()
    .unwrap();
    let clone = client.clone();
    assert_eq!(clone.token_url(), "https://t.auth0.com/oauth/token");
    assert_eq!(clone.client_id(), "my-client");
    assert_eq!(clone.audience(), Some("https://api/"));
    assert_eq!(clone.organization(), Some("org_1"));
    let dbg = format!("{client:?} {client:#?}");
    assert!(!dbg.contains(SECRET), "{dbg}");
    assert!(!dbg.contains("param-value-x"), "{dbg}");
    assert!(dbg.contains("[REDACTED]"));
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<TokenClient>();
}

#[cfg(feature = "private-key-jwt")]
mod assertions {
    use std::sync::OnceLock;

    use super::*;
    use crate::jws::Algorithm;
    use crate::jwt::{PrivateKey, PrivateKeyFile};

    /// One RSA key per test binary (generation is slow).
    fn rsa_pem() -> &'static str {
        static PEM: OnceLock<String> = OnceLock::new();
        PEM.get_or_init(|| {
            use rsa::pkcs8::{EncodePrivateKey, LineEnding};
            let k = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
            k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
        })
    }

    fn decode(part: &str) -> serde_json::Value {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    /// Sends one token request through a scripted transport and returns the assertion's
    /// header and claims.
    async fn sent_assertion(
        endpoint: TokenEndpoint,
        key: PrivateKey,
        tweak: impl FnOnce(TokenClientBuilder) -> TokenClientBuilder,
    ) -> (serde_json::Value, serde_json::Value, String) {
        let script = Scripted::new(vec![(Duration::ZERO, Ok(response(200, &[], &ok_body())))]);
        let b = TokenClient::builder(endpoint, "my-client", ClientAuth::private_key_jwt(key))
            .with_http_client(script.clone());
        tweak(b).build().unwrap().fetch_token().await.unwrap();
        let req = script.requests.lock().unwrap()[0].clone();
        let f = form(&req.body);
        assert_eq!(
            f["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        assert!(!f.contains_key("client_secret"));
        let a = f["client_assertion"].clone();
        let parts: Vec<&str> = a.split('.').collect();
        (decode(parts[0]), decode(parts[1]), a)
    }

    #[tokio::test]
    async fn the_assertion_carries_what_auth0_checks() {
        let key = PrivateKey::from_pem(rsa_pem().as_bytes(), Algorithm::RS384).unwrap();
        let thumb = key.thumbprint().to_owned();
        let (h, c, a) = sent_assertion(
            TokenEndpoint::auth0_domain("tenant.eu.auth0.com").unwrap(),
            key,
            |b| b,
        )
        .await;
        assert_eq!(h["alg"], "RS384");
        assert_eq!(h["typ"], "JWT");
        assert_eq!(h["kid"], thumb.as_str());
        assert_eq!(c["aud"], "https://tenant.eu.auth0.com/");
        assert_eq!(c["iss"], "my-client");
        assert_eq!(c["sub"], "my-client");
        let jti = c["jti"].as_str().unwrap();
        assert!(!jti.is_empty() && jti.len() <= 64, "{jti}");
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 60);
        assert!(a.len() <= 2048);
    }

    #[tokio::test]
    async fn a_custom_domain_is_the_audience_and_the_lifetime_is_configurable() {
        let key = PrivateKey::from_pem(rsa_pem().as_bytes(), Algorithm::PS256)
            .unwrap()
            .with_key_id("registered-kid-1");
        let (h, c, _) = sent_assertion(
            TokenEndpoint::url("https://login.example.com/oauth/token").unwrap(),
            key,
            |b| b.with_assertion_lifetime(Duration::from_secs(300)),
        )
        .await;
        assert_eq!(h["alg"], "PS256");
        assert_eq!(h["kid"], "registered-kid-1");
        assert_eq!(c["aud"], "https://login.example.com/");
        assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 300);
    }

    #[tokio::test]
    async fn another_server_gets_the_token_url_and_no_invented_kid() {
        let kp_pem = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .unwrap()
            .serialize_pem();
        let key = PrivateKey::from_pem(kp_pem.as_bytes(), Algorithm::ES256).unwrap();
        let (h, c, _) = sent_assertion(
            TokenEndpoint::url("https://idp.example.com/oauth2/token")
                .unwrap()
                .not_auth0(),
            key,
            |b| b,
        )
        .await;
        assert_eq!(h["alg"], "ES256");
        assert!(h.get("kid").is_none(), "{h}");
        assert_eq!(c["aud"], "https://idp.example.com/oauth2/token");
    }

    #[test]
    fn lifetimes_over_five_minutes_or_of_zero_are_refused() {
        let key = PrivateKey::from_pem(rsa_pem().as_bytes(), Algorithm::RS256).unwrap();
        for bad in [
            Duration::ZERO,
            Duration::from_secs(301),
            Duration::from_millis(1500),
        ] {
            let err = TokenClient::builder(
                TokenEndpoint::auth0_domain("t.auth0.com").unwrap(),
                "id",
                ClientAuth::private_key_jwt(key.clone()),
            )
            .with_assertion_lifetime(bad)
            .build()
            .unwrap_err();
            assert!(err.to_string().contains("five minutes"), "{err}");
        }
    }

    #[test]
    fn keys_stay_out_of_debug_and_errors() {
        let key = PrivateKey::from_pem(rsa_pem().as_bytes(), Algorithm::RS256).unwrap();
        let body_line = rsa_pem().lines().nth(3).unwrap().to_owned();
        let auth = ClientAuth::private_key_jwt_keys([key.clone(), key.clone()]).unwrap();
        let client = TokenClient::builder(
            TokenEndpoint::auth0_domain("t.auth0.com").unwrap(),
            "id",
            auth.clone(),
        )
        .build()
        .unwrap();
        let dbg = format!("{key:?} {auth:?} {client:#?}");
        assert!(!dbg.contains(&body_line), "{dbg}");
        assert!(dbg.contains("[REDACTED]"));
        // An EC key for an RSA algorithm, and a P-384 key for ES256, name the fix.
        let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
            .unwrap()
            .serialize_pem();
        let e = PrivateKey::from_pem(p384.as_bytes(), Algorithm::ES256)
            .unwrap_err()
            .to_string();
        assert!(e.contains("P-384") && e.contains("P-256"), "{e}");
        let e = PrivateKey::from_pem(p384.as_bytes(), Algorithm::RS256)
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs an RSA key"), "{e}");
        assert!(!e.contains(&body_line));
    }

    #[tokio::test]
    async fn key_files_are_read_again_when_they_change() {
        let dir = std::env::temp_dir().join(format!("auth0-m2m-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = dir.join("key.pem");
        let second = dir.join("next.pem");
        std::fs::write(&first, rsa_pem()).unwrap();
        let auth = ClientAuth::private_key_jwt_files([
            PrivateKeyFile::new(&first, Algorithm::RS256),
            PrivateKeyFile::new(&second, Algorithm::RS256),
        ])
        .unwrap();
        let AuthKind::PrivateKeyJwt(ring) = &auth.kind else {
            unreachable!()
        };
        assert_eq!(
            ring.candidates().len(),
            1,
            "the second file does not exist yet"
        );
        // The second key appears; garbage replacing the first keeps the key read before.
        std::fs::copy(&first, &second).unwrap();
        assert_eq!(ring.candidates().len(), 2);
        std::fs::write(
            &first,
            "garbage that is longer than the key was, to change the size",
        )
        .unwrap();
        let c = ring.candidates();
        assert_eq!(c.len(), 2, "an unusable file keeps its previous key");
        // A removed file empties its slot.
        std::fs::remove_file(&second).unwrap();
        assert_eq!(ring.candidates().len(), 1);
        // A missing first file is a configuration error that names it.
        let e = ClientAuth::private_key_jwt_files([PrivateKeyFile::new(
            dir.join("absent.pem"),
            Algorithm::RS256,
        )])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("absent.pem") && e.contains("does not exist"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn an_mtls_alias_is_the_token_url_and_needs_https_like_the_token_url() {
    let mk = || builder(MockHttpClient::new());
    let client = mk()
        .with_mtls_endpoint("https://mtls.tenant.eu.auth0.com/oauth/token")
        .build()
        .unwrap();
    assert_eq!(
        client.token_url(),
        "https://mtls.tenant.eu.auth0.com/oauth/token"
    );
    let err = mk()
        .with_mtls_endpoint("http://127.0.0.1:1/oauth/token")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        ConfigError::InsecureHttp {
            url: "http://127.0.0.1:1/oauth/token".to_owned()
        }
    );
    let client = mk()
        .with_mtls_endpoint("http://127.0.0.1:1/oauth/token")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert_eq!(client.token_url(), "http://127.0.0.1:1/oauth/token");
}

#[test]
fn the_client_reports_its_certificate_dpop_key_and_retry_policy() {
    let plain = builder(MockHttpClient::new()).build().unwrap();
    assert!(plain.client_certificate().is_none());
    assert!(plain.dpop_key().is_none());
    assert_eq!(plain.retry_policy().max_retries(), 3);

    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["client".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let certificate =
        ClientCertificate::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    let dpop = DpopKey::generate().unwrap();
    let client = builder(MockHttpClient::new())
        .with_client_certificate(certificate.clone())
        .with_dpop(dpop.clone())
        .with_retry_policy(RetryPolicy::default().with_max_retries(7))
        .build()
        .unwrap();
    assert_eq!(
        client
            .client_certificate()
            .map(ClientCertificate::thumbprint),
        Some(certificate.thumbprint())
    );
    assert_eq!(
        client.dpop_key().map(DpopKey::thumbprint),
        Some(dpop.thumbprint())
    );
    assert_eq!(client.retry_policy().max_retries(), 7);
}

fn oauth_error(status: u16, error: &str) -> Error {
    Error::OAuth(Box::new(crate::error::OAuthError {
        status,
        error: error.to_owned(),
        error_description: None,
        rate_limit: Default::default(),
    }))
}

#[test]
fn only_a_refusal_of_the_client_rejects_its_credentials() {
    for (status, error) in [
        (401, "invalid_client"),
        (401, "access_denied"),
        (400, "invalid_client"),
    ] {
        assert!(
            rejects_client(&oauth_error(status, error)),
            "{status} {error}"
        );
    }
    for (status, error) in [
        (403, "access_denied"),
        (400, "invalid_request"),
        (401, "invalid_request"),
        (400, "access_denied"),
        (429, "too_many_requests"),
    ] {
        assert!(
            !rejects_client(&oauth_error(status, error)),
            "{status} {error}"
        );
    }
    assert!(!rejects_client(&Error::Timeout(Duration::from_secs(1))));
}

/// A `tracing` writer into a shared buffer, for the events of one test.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The `attempt` field of each log line that contains `message`.
fn attempts(logs: &str, message: &str) -> Vec<String> {
    logs.lines()
        .filter(|l| l.contains(message))
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("attempt="))
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn attempts_are_numbered_from_one_in_the_logs() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let script = Scripted::new(vec![
        (Duration::ZERO, Ok(response(500, &[], "down"))),
        (Duration::ZERO, Ok(response(503, &[], "down"))),
        (Duration::ZERO, Ok(response(200, &[], &ok_body()))),
    ]);
    scripted_client(&script)
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert_eq!(
        attempts(&text, "sending token request"),
        ["1", "2", "3"],
        "{text}"
    );
    assert_eq!(
        attempts(&text, "token request failed; retrying"),
        ["1", "2"],
        "{text}"
    );
}

/// The `nonce` claim of the DPoP proof a request carried, if any.
fn proof_nonce(request: &HttpRequest) -> Option<String> {
    let proof = request.headers[crate::dpop::DPOP_HEADER].to_str().unwrap();
    let claims = proof.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    claims
        .get("nonce")
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}

fn nonce_challenge(nonce: &str) -> (Duration, Result<HttpResponse, Error>) {
    (
        Duration::ZERO,
        Ok(response(
            400,
            &[("dpop-nonce", nonce)],
            r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#,
        )),
    )
}

fn dpop_ok() -> (Duration, Result<HttpResponse, Error>) {
    let body = format!(r#"{{"access_token":"{TOKEN}","expires_in":86400,"token_type":"DPoP"}}"#);
    (Duration::ZERO, Ok(response(200, &[], &body)))
}

#[tokio::test(start_paused = true)]
async fn a_dpop_nonce_challenge_is_answered_once_with_the_nonce() {
    let script = Scripted::new(vec![nonce_challenge("nonce-1"), dpop_ok()]);
    let client = scripted_client(&script)
        .with_dpop(DpopKey::generate().unwrap())
        .build()
        .unwrap();
    let token = client.fetch_token().await.unwrap();
    assert_eq!(token.token_type(), "DPoP");
    let requests = script.requests.lock().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(proof_nonce(&requests[0]), None);
    assert_eq!(proof_nonce(&requests[1]).as_deref(), Some("nonce-1"));
}

/// What `fetch_token` returns for these answers, with a DPoP key or without, and how many
/// requests it sent.
async fn refused(
    answers: Vec<(Duration, Result<HttpResponse, Error>)>,
    dpop: bool,
) -> (Error, usize) {
    let script = Scripted::new(answers);
    let mut builder = scripted_client(&script);
    if dpop {
        builder = builder.with_dpop(DpopKey::generate().unwrap());
    }
    let err = builder.build().unwrap().fetch_token().await.unwrap_err();
    (err, script.calls.load(Ordering::SeqCst))
}

/// A 400 or 401 asking for what `error` names, with a nonce header as a challenge has.
fn refusal(status: u16, error: &str) -> (Duration, Result<HttpResponse, Error>) {
    let body = format!(r#"{{"error":"{error}"}}"#);
    (
        Duration::ZERO,
        Ok(response(status, &[("dpop-nonce", "nonce-1")], &body)),
    )
}

#[tokio::test(start_paused = true)]
async fn a_second_dpop_nonce_challenge_is_returned() {
    let answers = vec![
        nonce_challenge("nonce-1"),
        nonce_challenge("nonce-2"),
        dpop_ok(),
    ];
    let (err, calls) = refused(answers, true).await;
    assert!(
        matches!(&err, Error::OAuth(e) if e.status == 400 && e.error == "use_dpop_nonce"),
        "{err:?}"
    );
    assert_eq!(calls, 2);
}

#[tokio::test(start_paused = true)]
async fn a_nonce_challenge_is_not_retried_without_a_dpop_key_nor_another_400_with_one() {
    // Without a DPoP key there is no proof to send again.
    let (err, calls) = refused(vec![nonce_challenge("nonce-1"), dpop_ok()], false).await;
    assert!(
        matches!(&err, Error::OAuth(e) if e.error == "use_dpop_nonce"),
        "{err:?}"
    );
    assert_eq!(calls, 1);

    // With one, a 400 that asks for something else is not a nonce challenge.
    let (err, calls) = refused(vec![refusal(400, "invalid_dpop_proof"), dpop_ok()], true).await;
    assert!(
        matches!(&err, Error::OAuth(e) if e.error == "invalid_dpop_proof"),
        "{err:?}"
    );
    assert_eq!(calls, 1);

    // Nor is a `use_dpop_nonce` with another status.
    let (err, calls) = refused(vec![refusal(401, "use_dpop_nonce"), dpop_ok()], true).await;
    assert!(
        matches!(&err, Error::OAuth(e) if e.status == 401),
        "{err:?}"
    );
    assert_eq!(calls, 1);
}

#[tokio::test(start_paused = true)]
async fn a_transport_timeout_names_the_limit_that_ran_out() {
    // A transport that does not know the limit (zero) gets the client's per-attempt limit;
    // a transport's own, known limit is kept.
    for (reported, expected) in [
        (Duration::ZERO, Duration::from_secs(7)),
        (Duration::from_secs(2), Duration::from_secs(2)),
    ] {
        let script = Scripted::new(vec![(Duration::ZERO, Err(Error::Timeout(reported)))]);
        let err = scripted_client(&script)
            .with_timeout(Duration::from_secs(7))
            .with_retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .fetch_token()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Timeout(d) if d == expected),
            "{reported:?}: {err:?}"
        );
    }
}

#[test]
fn the_builder_debug_shows_the_settings_but_not_the_secret() {
    let b = builder(MockHttpClient::new())
        .with_audience("https://api/")
        .with_scopes(["read:users"])
        .with_organization("org_1");
    let dbg = format!("{b:?}");
    for part in [
        "TokenClientBuilder",
        "\"my-client\"",
        "https://api/",
        "read:users",
        "org_1",
        "[REDACTED]",
    ] {
        assert!(dbg.contains(part), "{part} not in {dbg}");
    }
    assert!(!dbg.contains(SECRET), "{dbg}");
}

#[cfg(feature = "private-key-jwt")]
#[test]
fn an_assertion_of_2048_bytes_is_accepted_and_one_more_is_not() {
    let auth0 = TokenEndpoint::auth0_domain("t.auth0.com").unwrap();
    assert_eq!(check_assertion_size(2048, &auth0), Ok(()));
    assert_eq!(
        check_assertion_size(2049, &auth0),
        Err(ConfigError::AssertionTooLarge {
            bytes: 2049,
            limit: 2048
        })
    );
    let other = TokenEndpoint::url("https://idp.example.com/oauth2/token")
        .unwrap()
        .not_auth0();
    assert_eq!(check_assertion_size(4096, &other), Ok(()));
}
