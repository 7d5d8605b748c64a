//! A catalogue of hostile and malformed inputs. Each test names the precise error (variant and
//! key message text) and checks that nothing stored was lost: a valid token already held by a
//! provider keeps being served after a bad refresh, and a bad cache record is a miss that a
//! good token then replaces.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth0_m2m_cache::{
    CacheError, EncryptionKey, FileCache, MemoryCache, RedisCache, StoreOutcome, TokenCache,
    TokenProvider,
};
use auth0_m2m_reliability::{Canned, Reply, ScriptedTransport, StubServer, unique_prefix};
use auth0_m2m_token::{
    AccessToken, Algorithm, ClientAuth, ConfigError, Error, MAX_RESPONSE_BODY_BYTES, PrivateKey,
    RetryPolicy, TokenClient, TokenEndpoint,
};

const ID: &str = "bad-input-client";
const SECRET: &str = "bad-input-secret-0123456789abcdef";
const REDIS_URL: &str = "redis://127.0.0.1:6379";

fn client(transport: Arc<ScriptedTransport>) -> TokenClient {
    TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.example.com").expect("valid domain"),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_http_client(transport)
    .with_retry_policy(RetryPolicy::none())
    .build()
    .expect("valid client")
}

/// A valid token past its soft refresh point: 200 s lifetime, obtained 120 s ago, so the
/// provider tries to refresh it but may keep serving it for another 60 s.
fn aging_token(value: &str) -> AccessToken {
    let now = SystemTime::now();
    AccessToken::new(
        value,
        "Bearer",
        vec!["read:clients".into()],
        now + Duration::from_secs(80),
        now - Duration::from_secs(120),
    )
}

/// Drives `reply` through a provider that already holds a valid token in its cache: the
/// refresh must fail and the valid token must still be served and still be stored.
async fn valid_token_survives(reply: Reply) {
    let transport = ScriptedTransport::always(reply);
    let cache = Arc::new(MemoryCache::new());
    let provider = TokenProvider::builder(client(Arc::clone(&transport)))
        .with_cache(cache.clone())
        .build()
        .expect("provider builds");
    let held = aging_token("still-valid-token");
    assert_eq!(
        cache
            .store_if_newer(provider.cache_key(), &held)
            .await
            .expect("memory store"),
        StoreOutcome::Stored
    );
    let served = provider.token().await.expect("the held token is served");
    assert!(
        served.same_secret(&held),
        "a bad refresh replaced the token"
    );
    assert_eq!(transport.calls(), 1, "exactly one refresh attempt");
    let stats = provider.stats();
    assert_eq!(stats.fetches, 1);
    assert_eq!(stats.refresh_failures, 1);
    let stored = cache
        .get(provider.cache_key())
        .await
        .expect("memory get")
        .expect("still stored");
    assert!(stored.same_secret(&held), "the stored token was lost");
    // A second call is served from memory without a new request (backing off).
    let again = provider.token().await.expect("served again");
    assert!(again.same_secret(&held));
    assert_eq!(transport.calls(), 1);
}

/// Fetches with `reply`, checks the error is secret-free, and runs the provider check.
async fn rejected(reply: Reply) -> Error {
    let transport = ScriptedTransport::always(reply.clone());
    let err = client(Arc::clone(&transport))
        .fetch_token()
        .await
        .expect_err("the answer must be rejected");
    assert_eq!(transport.calls(), 1);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET), "secret in error: {shown}");
    assert!(!shown.contains("SECRETTOKEN"), "token in error: {shown}");
    valid_token_survives(reply).await;
    err
}

fn reason(err: &Error) -> &str {
    match err {
        Error::InvalidResponse { reason } => reason,
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

fn ok_body(field: &str) -> String {
    format!(r#"{{"access_token":"SECRETTOKEN","token_type":"Bearer",{field}}}"#)
}

// ---------------------------------------------------------------- token responses (2xx)

#[tokio::test]
async fn token_truncated_json() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKEN","expires_in":86"#,
    ))
    .await;
    assert!(
        reason(&err).starts_with("the body is not JSON (parse error at line 1"),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn token_empty_body() {
    let err = rejected(Reply::status(200, "")).await;
    assert_eq!(reason(&err), "the body is empty");
}

#[tokio::test]
async fn token_whitespace_body() {
    let err = rejected(Reply::status(200, " \r\n\t ")).await;
    assert_eq!(reason(&err), "the body is empty");
}

#[tokio::test]
async fn token_html_page_with_200() {
    let err = rejected(Reply::status(
        200,
        "<!DOCTYPE html><html><body>Sign in</body></html>",
    ))
    .await;
    assert!(reason(&err).starts_with("the body is not JSON"), "{err}");
}

#[tokio::test]
async fn token_json_array() {
    let err = rejected(Reply::status(200, r#"[{"access_token":"SECRETTOKEN"}]"#)).await;
    assert_eq!(reason(&err), "the body is an array, expected a JSON object");
}

#[tokio::test]
async fn token_json_null() {
    let err = rejected(Reply::status(200, "null")).await;
    assert_eq!(reason(&err), "the body is null, expected a JSON object");
}

#[tokio::test]
async fn token_json_string() {
    let err = rejected(Reply::status(200, r#""SECRETTOKEN""#)).await;
    assert_eq!(reason(&err), "the body is a string, expected a JSON object");
}

#[tokio::test]
async fn token_missing_access_token() {
    let err = rejected(Reply::status(
        200,
        r#"{"token_type":"Bearer","expires_in":3600}"#,
    ))
    .await;
    assert_eq!(reason(&err), "`access_token` is missing");
}

#[tokio::test]
async fn token_access_token_is_a_number() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":12345,"token_type":"Bearer","expires_in":3600}"#,
    ))
    .await;
    assert_eq!(
        reason(&err),
        "`access_token` is a number, expected a string"
    );
}

#[tokio::test]
async fn token_access_token_is_empty() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"","token_type":"Bearer","expires_in":3600}"#,
    ))
    .await;
    assert_eq!(reason(&err), "`access_token` is empty");
}

#[tokio::test]
async fn token_access_token_with_header_injection() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKEN\r\nX-Evil: 1","token_type":"Bearer","expires_in":3600}"#,
    ))
    .await;
    assert!(
        reason(&err).starts_with("`access_token` contains whitespace, control or non-ASCII"),
        "{err}"
    );
}

#[tokio::test]
async fn token_access_token_non_ascii() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKENé","token_type":"Bearer","expires_in":3600}"#,
    ))
    .await;
    assert!(reason(&err).contains("cannot be sent in a header"), "{err}");
}

#[tokio::test]
async fn token_type_missing() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKEN","expires_in":3600}"#,
    ))
    .await;
    assert_eq!(
        reason(&err),
        "`token_type` is missing (expected \"Bearer\")"
    );
}

#[tokio::test]
async fn token_type_mac() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKEN","token_type":"mac","expires_in":3600}"#,
    ))
    .await;
    assert_eq!(
        reason(&err),
        "`token_type` is \"mac\", only \"Bearer\" and \"DPoP\" tokens are supported"
    );
}

#[tokio::test]
async fn token_type_dpop_without_a_dpop_key() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKEN","token_type":"DPoP","expires_in":3600}"#,
    ))
    .await;
    assert!(
        reason(&err).contains("no DPoP proof; configure a DPoP key"),
        "{}",
        reason(&err)
    );
}

#[tokio::test]
async fn token_type_is_a_boolean() {
    let err = rejected(Reply::status(
        200,
        r#"{"access_token":"SECRETTOKEN","token_type":true,"expires_in":3600}"#,
    ))
    .await;
    assert_eq!(
        reason(&err),
        "`token_type` is a boolean, expected the string \"Bearer\""
    );
}

#[tokio::test]
async fn token_expires_in_zero() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":0"#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is 0, expected a positive number of seconds"
    );
}

#[tokio::test]
async fn token_expires_in_negative() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":-3600"#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is -3600, expected a positive number of seconds"
    );
}

#[tokio::test]
async fn token_expires_in_ten_to_the_twelve() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":1000000000000"#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is 1000000000000 seconds, more than the accepted maximum of one year (31536000 s)"
    );
}

#[tokio::test]
async fn token_expires_in_u64_max() {
    let err = rejected(Reply::status(
        200,
        ok_body(r#""expires_in":18446744073709551615"#),
    ))
    .await;
    assert!(
        reason(&err).contains("more than the accepted maximum of one year"),
        "{err}"
    );
}

#[tokio::test]
async fn token_expires_in_non_numeric_string() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":"an hour""#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is a string that is not a whole number of seconds"
    );
}

#[tokio::test]
async fn token_expires_in_negative_string() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":"-5""#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is a string that is not a whole number of seconds"
    );
}

#[tokio::test]
async fn token_expires_in_fraction() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":3600.5"#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is 3600.5, expected a whole number of seconds"
    );
}

#[tokio::test]
async fn token_expires_in_missing() {
    let err = rejected(Reply::status(200, ok_body(r#""scope":"read:clients""#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is missing; the token's lifetime is unknown"
    );
}

#[tokio::test]
async fn token_expires_in_is_an_object() {
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":{"s":1}"#))).await;
    assert_eq!(
        reason(&err),
        "`expires_in` is an object, expected a number of seconds"
    );
}

#[tokio::test]
async fn token_expires_in_out_of_range_float_literal() {
    // 1e400 does not fit a double: serde_json refuses the whole document.
    let err = rejected(Reply::status(200, ok_body(r#""expires_in":1e400"#))).await;
    assert!(reason(&err).starts_with("the body is not JSON"), "{err}");
}

#[tokio::test]
async fn token_scope_is_an_array() {
    let err = rejected(Reply::status(
        200,
        ok_body(r#""expires_in":3600,"scope":["read:clients"]"#),
    ))
    .await;
    assert_eq!(
        reason(&err),
        "`scope` is an array, expected a space-separated string"
    );
}

#[tokio::test]
async fn token_deeply_nested_json_does_not_overflow_the_stack() {
    let body = format!(
        r#"{{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":3600,"x":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = rejected(Reply::status(200, body)).await;
    assert!(reason(&err).starts_with("the body is not JSON"), "{err}");
}

#[tokio::test]
async fn token_invalid_utf8() {
    let mut body = br#"{"access_token":"SECRETTOKEN"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xfd]);
    body.extend_from_slice(br#"","token_type":"Bearer","expires_in":3600}"#);
    let err = rejected(Reply::status(200, body)).await;
    assert!(reason(&err).starts_with("the body is not JSON"), "{err}");
}

#[tokio::test]
async fn token_utf8_bom_prefix() {
    let mut body = vec![0xef, 0xbb, 0xbf];
    body.extend_from_slice(
        br#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":3600}"#,
    );
    let err = rejected(Reply::status(200, body)).await;
    assert!(reason(&err).starts_with("the body is not JSON"), "{err}");
}

#[tokio::test]
async fn token_huge_body_from_a_transport() {
    let padding = "x".repeat(MAX_RESPONSE_BODY_BYTES + 1);
    let err = rejected(Reply::status(
        200,
        format!(
            r#"{{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":3600,"pad":"{padding}"}}"#
        ),
    ))
    .await;
    assert!(
        matches!(err, Error::BodyTooLarge { limit } if limit == 64 * 1024),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "token endpoint response exceeds 65536 bytes; refusing to read it"
    );
}

#[tokio::test]
async fn token_real_gzip_bytes_are_not_json() {
    // A gzip stream (magic 1f 8b) labelled gzip: the client never asks for compression and
    // does not decode it.
    let gzip = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0xae, 0x05, 0x00, 0x43,
        0xbf, 0xa6, 0xa3, 0x02, 0x00, 0x00, 0x00,
    ];
    let err =
        rejected(Reply::status(200, gzip.to_vec()).with_header("content-encoding", "gzip")).await;
    assert!(reason(&err).starts_with("the body is not JSON"), "{err}");
}

// ------------------------------------------------------------ token error answers (non-2xx)

fn unexpected(err: &Error) -> (u16, &str) {
    match err {
        Error::UnexpectedStatus {
            status, excerpt, ..
        } => (*status, excerpt.as_str()),
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn token_proxy_html_502() {
    let err = rejected(Reply::status(
        502,
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>",
    ))
    .await;
    let (status, excerpt) = unexpected(&err);
    assert_eq!(status, 502);
    assert_eq!(
        excerpt,
        "<html> <head><title>502 Bad Gateway</title></head> <body>nginx</body></html>"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn token_500_with_empty_body() {
    let err = rejected(Reply::status(500, "")).await;
    assert_eq!(unexpected(&err), (500, "(empty body)"));
    assert!(
        err.to_string()
            .starts_with("token endpoint answered HTTP 500 with an unexpected body")
    );
}

#[tokio::test]
async fn token_error_body_without_error_field() {
    let err = rejected(Reply::status(
        400,
        r#"{"error_description":"something went wrong"}"#,
    ))
    .await;
    let (status, excerpt) = unexpected(&err);
    assert_eq!(status, 400);
    assert!(excerpt.contains("something went wrong"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn token_error_echoing_the_secret_is_scrubbed() {
    let err = rejected(Reply::status(
        401,
        format!(r#"{{"error":"access_denied","error_description":"bad secret {SECRET}"}}"#),
    ))
    .await;
    let Error::OAuth(e) = &err else {
        panic!("expected OAuth, got {err:?}")
    };
    assert_eq!(e.status, 401);
    assert_eq!(e.error, "access_denied");
    assert_eq!(
        e.error_description.as_deref(),
        Some("bad secret [REDACTED]")
    );
    assert!(
        err.to_string()
            .contains("check the client id and the client secret")
    );
}

#[tokio::test]
async fn token_missing_client_grant_403() {
    let err = rejected(Reply::status(
        403,
        r#"{"error":"access_denied","error_description":"Client is not authorized to access \"https://tenant.example.com/api/v2/\". You need to create a \"client-grant\" associated to this API."}"#,
    ))
    .await;
    let Error::OAuth(e) = &err else {
        panic!("expected OAuth, got {err:?}")
    };
    assert!(e.is_missing_client_grant());
    assert!(err.to_string().contains("Machine to Machine Applications"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn token_429_with_rate_limit_headers() {
    let reply = Reply::status(
        429,
        r#"{"error":"too_many_requests","error_description":"Global limit has been reached"}"#,
    )
    .with_header("retry-after", "7")
    .with_header("x-ratelimit-limit", "10")
    .with_header("x-ratelimit-remaining", "0")
    .with_header("x-ratelimit-reset", "4102444800")
    .with_header("auth0-client-quota-limit", "b=per_hour;q=100;r=0;t=3600");
    let err = rejected(reply).await;
    let Error::OAuth(e) = &err else {
        panic!("expected OAuth, got {err:?}")
    };
    assert_eq!(e.status, 429);
    assert_eq!(e.rate_limit.limit, Some(10));
    assert_eq!(e.rate_limit.remaining, Some(0));
    assert_eq!(e.rate_limit.retry_after, Some(Duration::from_secs(7)));
    let quota = e.rate_limit.client_quota.as_ref().expect("parsed quota");
    assert_eq!(
        quota.per_hour().map(|b| (b.quota, b.remaining)),
        Some((100, 0))
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn token_429_with_garbage_rate_limit_headers() {
    let reply = Reply::status(429, r#"{"error":"too_many_requests"}"#)
        .with_header("retry-after", "soon")
        .with_header("x-ratelimit-reset", "-1")
        .with_header("x-ratelimit-limit", "99999999999999999999999");
    let err = rejected(reply).await;
    let rl = err.rate_limit().expect("rate limit info");
    assert_eq!(rl.retry_after, None);
    assert_eq!(rl.reset, None);
    assert_eq!(rl.limit, None);
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn token_connection_reset_is_retryable_transport_error() {
    let err = rejected(Reply::ConnectionReset).await;
    assert!(
        matches!(&err, Error::Transport { message, .. } if message == "connection reset by peer"),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn token_retries_stop_at_the_policy_limit() {
    let transport = ScriptedTransport::always(Reply::status(503, "unavailable"));
    let c = TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.example.com").expect("domain"),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_http_client(transport.clone())
    .build()
    .expect("client");
    let err = c.fetch_token().await.expect_err("keeps failing");
    assert_eq!(unexpected(&err).0, 503);
    // The default policy: 3 retries, 4 attempts.
    assert_eq!(transport.calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn token_retry_after_longer_than_the_cap_is_not_waited_for() {
    let transport = ScriptedTransport::always(
        Reply::status(429, r#"{"error":"too_many_requests"}"#).with_header("retry-after", "3600"),
    );
    let c = TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.example.com").expect("domain"),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_http_client(transport.clone())
    .build()
    .expect("client");
    let started = tokio::time::Instant::now();
    let err = c.fetch_token().await.expect_err("rate limited");
    assert_eq!(transport.calls(), 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

// ------------------------------------------------- the real transport against a stub server

fn http_client(server: &StubServer) -> TokenClient {
    TokenClient::builder(
        TokenEndpoint::url(&format!("{}/oauth/token", server.base_url())).expect("url"),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_audience("https://tenant.example.com/api/v2/")
    .allow_insecure_http(true)
    .with_retry_policy(RetryPolicy::none())
    .build()
    .expect("client")
}

#[tokio::test]
async fn token_gzip_lie_over_http() {
    // `content-encoding: gzip` on a plain body: the client never asked for compression and
    // reads the bytes as they are, so the (valid) plain body is accepted.
    let server = StubServer::start(vec![Canned::response(
        200,
        &[
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
        ],
        br#"{"access_token":"plain-token","token_type":"Bearer","expires_in":3600}"#,
    )])
    .await
    .expect("stub");
    let token = http_client(&server).fetch_token().await.expect("accepted");
    assert_eq!(token.expose_secret(), "plain-token");
    let head = server.received()[0].head.to_ascii_lowercase();
    assert!(
        !head.contains("accept-encoding: gzip"),
        "the client must not ask for compression: {head}"
    );
}

#[tokio::test]
async fn token_huge_streamed_body_over_http() {
    // No content-length: the body runs until the connection closes.
    let mut raw =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n".to_vec();
    raw.extend_from_slice(br#"{"access_token":""#);
    raw.extend(std::iter::repeat_n(b'a', 200 * 1024));
    let server = StubServer::start(vec![Canned::Raw(raw)])
        .await
        .expect("stub");
    let err = http_client(&server)
        .fetch_token()
        .await
        .expect_err("too big");
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 65536 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn token_huge_declared_body_over_http() {
    let body = vec![b' '; 100 * 1024];
    let server = StubServer::start(vec![Canned::response(200, &[], &body)])
        .await
        .expect("stub");
    let err = http_client(&server)
        .fetch_token()
        .await
        .expect_err("too big");
    assert!(
        matches!(err, Error::BodyTooLarge { limit: 65536 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn token_redirect_is_not_followed() {
    let server = StubServer::start(vec![Canned::response(
        302,
        &[("location", "http://127.0.0.1:9/steal")],
        b"",
    )])
    .await
    .expect("stub");
    let err = http_client(&server)
        .fetch_token()
        .await
        .expect_err("redirects are refused");
    assert_eq!(unexpected(&err), (302, "(empty body)"));
    assert!(!err.is_retryable());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn token_connection_dropped_without_answer() {
    let server = StubServer::start(vec![Canned::Drop]).await.expect("stub");
    let err = http_client(&server)
        .fetch_token()
        .await
        .expect_err("no answer");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(!format!("{err:?}").contains(SECRET));
}

#[tokio::test]
async fn token_garbage_status_line() {
    let server = StubServer::start(vec![Canned::Raw(b"SMTP ready\r\n\r\n".to_vec())])
        .await
        .expect("stub");
    let err = http_client(&server)
        .fetch_token()
        .await
        .expect_err("not HTTP");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

// ------------------------------------------------------------------------- cache records

fn good_token(value: &str) -> AccessToken {
    let now = SystemTime::now();
    AccessToken::new(
        value,
        "Bearer",
        vec!["read:clients".into()],
        now + Duration::from_secs(3600),
        now,
    )
}

/// A provider over `cache` whose token endpoint hands out `fresh-token`.
fn provider_over(
    cache: Arc<dyn TokenCache>,
    prefix: &str,
) -> (TokenProvider, Arc<ScriptedTransport>) {
    let transport = ScriptedTransport::always(Reply::token("fresh-token", 3600));
    let provider = TokenProvider::builder(client(Arc::clone(&transport)))
        .with_cache(cache)
        .with_key_prefix(prefix)
        .build()
        .expect("provider");
    (provider, transport)
}

/// The provider treats the planted record as a miss, fetches, and the good token replaces it.
async fn bad_record_is_replaced(
    cache: Arc<dyn TokenCache>,
    provider: &TokenProvider,
    transport: &ScriptedTransport,
) {
    assert!(
        cache
            .get(provider.cache_key())
            .await
            .expect("get")
            .is_none(),
        "a bad record must read as a miss"
    );
    let token = provider.token().await.expect("fetched");
    assert_eq!(token.expose_secret(), "fresh-token");
    assert_eq!(transport.calls(), 1);
    let stored = cache
        .get(provider.cache_key())
        .await
        .expect("get")
        .expect("the good token replaced the bad record");
    assert_eq!(stored.expose_secret(), "fresh-token");
}

async fn file_case(contents: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(FileCache::in_dir(dir.path()).expect("file cache"));
    let (provider, transport) = provider_over(cache.clone(), "bad-file:");
    std::fs::write(cache.record_path(provider.cache_key()), contents).expect("plant record");
    bad_record_is_replaced(cache, &provider, &transport).await;
}

#[tokio::test]
async fn file_record_corrupt_json() {
    file_case(br#"{"v":1,"access_token":"tru"#).await;
}

#[tokio::test]
async fn file_record_empty_file() {
    file_case(b"").await;
}

#[tokio::test]
async fn file_record_other_version() {
    file_case(br#"{"v":2,"access_token":"old","token_type":"Bearer","expires_at":99999999999999,"obtained_at":1}"#).await;
}

#[tokio::test]
async fn file_record_expiry_before_issue() {
    file_case(br#"{"v":1,"access_token":"odd","token_type":"Bearer","expires_at":1,"obtained_at":99999999999999}"#).await;
}

#[tokio::test]
async fn file_record_oversized() {
    let mut record = br#"{"v":1,"access_token":"big","token_type":"Bearer","expires_at":99999999999999,"obtained_at":1,"pad":""#.to_vec();
    record.extend(std::iter::repeat_n(b'x', 100 * 1024));
    record.extend_from_slice(br#""}"#);
    file_case(&record).await;
}

#[tokio::test]
async fn file_record_binary_garbage() {
    file_case(&[0u8, 159, 146, 150, 0xff, 0x00, 0x7f]).await;
}

#[tokio::test]
async fn memory_cache_expired_token_is_a_miss_and_replaced() {
    let cache = Arc::new(MemoryCache::new());
    let (provider, transport) = provider_over(cache.clone(), "bad-mem:");
    let now = SystemTime::now();
    let expired = AccessToken::new(
        "expired",
        "Bearer",
        vec![],
        now - Duration::from_secs(1),
        now - Duration::from_secs(3601),
    );
    cache
        .store_if_newer(provider.cache_key(), &expired)
        .await
        .expect("store");
    let token = provider.token().await.expect("fetched");
    assert_eq!(token.expose_secret(), "fresh-token");
    assert_eq!(transport.calls(), 1);
    let stored = cache
        .get(provider.cache_key())
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(stored.expose_secret(), "fresh-token");
}

async fn redis_conn() -> redis::aio::MultiplexedConnection {
    redis::Client::open(REDIS_URL)
        .expect("redis url")
        .get_multiplexed_async_connection()
        .await
        .expect("the shared Redis at 127.0.0.1:6379 must be running")
}

/// Plants raw fields at the provider's key, then checks the miss-then-replace behaviour.
async fn redis_case(
    cache: RedisCache,
    plant: impl AsyncFnOnce(&mut redis::aio::MultiplexedConnection, &str),
) {
    let cache = Arc::new(cache);
    let prefix = unique_prefix("bad-redis");
    let (provider, transport) = provider_over(cache.clone(), &prefix);
    let mut conn = redis_conn().await;
    let key = provider.cache_key().as_str().to_owned();
    plant(&mut conn, &key).await;
    bad_record_is_replaced(cache, &provider, &transport).await;
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .arg(format!("{key}:lease"))
        .query_async(&mut conn)
        .await
        .expect("cleanup");
}

fn plain_redis() -> RedisCache {
    RedisCache::builder(REDIS_URL).build().expect("redis cache")
}

async fn hset(conn: &mut redis::aio::MultiplexedConnection, key: &str, exp: &str, val: &[u8]) {
    let _: () = redis::cmd("HSET")
        .arg(key)
        .arg("exp")
        .arg(exp)
        .arg("val")
        .arg(val)
        .query_async(conn)
        .await
        .expect("hset");
}

#[tokio::test]
async fn redis_record_corrupt_with_far_expiry() {
    // The planted hash claims to expire far in the future: an unreadable value must not block
    // the store of a good token.
    redis_case(plain_redis(), async |c, k| {
        hset(c, k, "99999999999999", b"{not json").await
    })
    .await;
}

#[tokio::test]
async fn redis_record_other_version() {
    redis_case(plain_redis(), async |c, k| {
        hset(c, k, "99999999999999", br#"{"v":7,"access_token":"old","token_type":"Bearer","expires_at":99999999999999,"obtained_at":1}"#).await
    })
    .await;
}

#[tokio::test]
async fn redis_key_of_the_wrong_type() {
    redis_case(plain_redis(), async |c, k| {
        let _: () = redis::cmd("RPUSH")
            .arg(k)
            .arg("a")
            .arg("b")
            .query_async(c)
            .await
            .expect("rpush");
    })
    .await;
}

#[tokio::test]
async fn redis_record_oversized() {
    let big = vec![b'x'; 1024 * 1024];
    redis_case(plain_redis(), async move |c, k| {
        hset(c, k, "99999999999999", &big).await
    })
    .await;
}

fn encrypted_redis(id: &str, key: [u8; 32]) -> RedisCache {
    RedisCache::builder(REDIS_URL)
        .with_encryption(EncryptionKey::new(id, key).expect("key"))
        .build()
        .expect("redis cache")
}

#[tokio::test]
async fn redis_record_fails_decryption_with_another_key() {
    let prefix = unique_prefix("bad-redis-enc");
    // Written with key A...
    let writer = Arc::new(encrypted_redis("k1", [1u8; 32]));
    let (wp, _) = provider_over(writer.clone(), &prefix);
    writer
        .store_if_newer(wp.cache_key(), &good_token("written-with-key-a"))
        .await
        .expect("store");
    // ...read with key B under the same id: decryption fails, a miss, then replaced.
    let reader = Arc::new(encrypted_redis("k1", [2u8; 32]));
    let (rp, transport) = provider_over(reader.clone(), &prefix);
    assert_eq!(rp.cache_key(), wp.cache_key());
    bad_record_is_replaced(reader, &rp, &transport).await;
    let mut conn = redis_conn().await;
    let _: () = redis::cmd("DEL")
        .arg(rp.cache_key().as_str())
        .query_async(&mut conn)
        .await
        .expect("cleanup");
}

#[tokio::test]
async fn redis_record_copied_from_another_key() {
    // An encrypted record is bound to its cache key: copied under another key it is a miss.
    let cache = encrypted_redis("k1", [3u8; 32]);
    let other_prefix = unique_prefix("bad-redis-other");
    let other = Arc::new(encrypted_redis("k1", [3u8; 32]));
    let (op, _) = provider_over(other.clone(), &other_prefix);
    other
        .store_if_newer(op.cache_key(), &good_token("belongs-elsewhere"))
        .await
        .expect("store");
    let mut conn = redis_conn().await;
    let (exp, val): (String, Vec<u8>) = redis::cmd("HMGET")
        .arg(op.cache_key().as_str())
        .arg("exp")
        .arg("val")
        .query_async(&mut conn)
        .await
        .expect("hmget");
    redis_case(cache, async move |c, k| hset(c, k, &exp, &val).await).await;
    let _: () = redis::cmd("DEL")
        .arg(op.cache_key().as_str())
        .query_async(&mut conn)
        .await
        .expect("cleanup");
}

#[tokio::test]
async fn redis_plain_record_while_encryption_is_on() {
    let plain = auth0_m2m_cache::record::encode(&good_token("plain-at-rest"));
    redis_case(encrypted_redis("k2", [4u8; 32]), async move |c, k| {
        hset(c, k, "99999999999999", &plain).await
    })
    .await;
}

#[tokio::test]
async fn redis_encrypted_record_with_unknown_key_id() {
    redis_case(encrypted_redis("k3", [5u8; 32]), async |c, k| {
        hset(
            c,
            k,
            "99999999999999",
            b"enc1:nosuchkey:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .await
    })
    .await;
}

// ------------------------------------------------------------------------- configuration

fn domain_error(domain: &str) -> String {
    match TokenEndpoint::auth0_domain(domain) {
        Err(ConfigError::InvalidDomain { domain: d, reason }) => {
            assert_eq!(d, domain);
            reason
        }
        other => panic!("expected InvalidDomain for {domain:?}, got {other:?}"),
    }
}

#[test]
fn config_domain_with_scheme() {
    assert!(domain_error("https://tenant.eu.auth0.com").starts_with("looks like a URL"));
}

#[test]
fn config_domain_with_path() {
    assert!(domain_error("tenant.eu.auth0.com/oauth/token").starts_with("contains a path"));
}

#[test]
fn config_domain_with_userinfo() {
    assert_eq!(
        domain_error("admin@tenant.eu.auth0.com"),
        "contains user information (`…@`); give only the host"
    );
}

#[test]
fn config_domain_with_spaces() {
    assert_eq!(domain_error("tenant .eu.auth0.com"), "contains whitespace");
    assert_eq!(domain_error(" tenant.eu.auth0.com"), "contains whitespace");
}

#[test]
fn config_domain_with_unicode() {
    assert!(domain_error("tënant.eu.auth0.com").contains("punycode (xn--)"));
}

#[test]
fn config_domain_empty() {
    assert_eq!(
        TokenEndpoint::auth0_domain(""),
        Err(ConfigError::Empty {
            field: "Auth0 domain"
        })
    );
}

#[test]
fn config_domain_with_bad_port() {
    assert_eq!(
        domain_error("tenant.eu.auth0.com:0"),
        "has a port outside 1-65535"
    );
    assert_eq!(
        domain_error("tenant.eu.auth0.com:https"),
        "has a port that is not a number (at most one `:` is allowed)"
    );
}

#[test]
fn config_token_url_with_credentials_is_not_echoed() {
    match TokenEndpoint::url("https://user:hunter2@idp.example.com/oauth/token") {
        Err(ConfigError::InvalidUrl { url, reason }) => {
            assert!(!url.contains("hunter2"), "{url}");
            assert!(reason.starts_with("contains user information"));
        }
        other => panic!("expected InvalidUrl, got {other:?}"),
    }
}

#[test]
fn config_plain_http_without_opt_in() {
    let endpoint = TokenEndpoint::url("http://idp.example.com/oauth/token").expect("url");
    let err = TokenClient::builder(endpoint, ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .expect_err("plain HTTP is refused");
    assert_eq!(
        err,
        ConfigError::InsecureHttp {
            url: "http://idp.example.com/oauth/token".into()
        }
    );
    assert!(err.to_string().contains("allow_insecure_http(true)"));
}

#[test]
fn config_empty_secret() {
    let endpoint = TokenEndpoint::auth0_domain("tenant.example.com").expect("domain");
    for auth in [
        ClientAuth::client_secret_post(""),
        ClientAuth::client_secret_basic(""),
    ] {
        let err = TokenClient::builder(endpoint.clone(), ID, auth)
            .build()
            .expect_err("empty secret");
        assert_eq!(
            err,
            ConfigError::Empty {
                field: "client secret"
            }
        );
    }
}

#[test]
fn config_unreadable_private_key_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("key.pem");
    std::fs::write(
        &path,
        b"-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let pem = std::fs::read(&path).expect("read");
    let err = PrivateKey::from_pem(&pem, Algorithm::RS256).expect_err("garbage key");
    match &err {
        ConfigError::Invalid { field, reason } => {
            assert_eq!(*field, "private key");
            assert!(
                reason.starts_with("not a usable RS256 PEM private key"),
                "{reason}"
            );
            assert!(
                !reason.contains("not base64 at all"),
                "key material echoed: {reason}"
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn config_root_certificate_garbage() {
    let err = TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.example.com").expect("domain"),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_root_certificate_pem(b"\x30\x82\xff\xfe binary DER")
    .build()
    .expect_err("garbage roots are refused");
    assert!(
        matches!(&err, ConfigError::Invalid { field: "root certificate", reason } if reason.contains("not PEM text")),
        "{err:?}"
    );
}

#[test]
fn config_encryption_key_wrong_length_and_base64() {
    let short = EncryptionKey::from_base64("k", "AAAA").expect_err("too short");
    assert!(
        matches!(&short, CacheError::Config(m) if m == "the encryption key must be exactly 32 bytes (AES-256)"),
        "{short:?}"
    );
    let bad = EncryptionKey::from_base64("k", "!!!not base64!!!").expect_err("bad base64");
    assert!(
        matches!(&bad, CacheError::Config(m) if m == "the encryption key is not valid base64"),
        "{bad:?}"
    );
    let id = EncryptionKey::new("bad id with spaces", [0u8; 32]).expect_err("bad id");
    assert!(matches!(&id, CacheError::Config(m) if m.contains("invalid encryption key id")));
}

#[test]
fn config_file_cache_empty_dir_and_file_in_the_way() {
    assert!(matches!(
        FileCache::in_dir(""),
        Err(CacheError::Config(m)) if m == "the cache directory path is empty"
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").expect("write");
    let err = FileCache::in_dir(file.join("sub")).expect_err("a file is in the way");
    assert!(
        matches!(
            err,
            CacheError::Io {
                op: "create_dir",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn config_provider_key_prefix_with_spaces() {
    let transport = ScriptedTransport::always(Reply::token("t", 3600));
    let err = TokenProvider::builder(client(transport))
        .with_key_prefix("has spaces:")
        .build()
        .expect_err("bad prefix");
    assert!(err.to_string().contains("key prefix"), "{err}");
}

// ------------------------------------------------------- Management API through the facade

/// A facade sending its calls to `server`, with tokens from a scripted token endpoint that
/// hands out `api-token-1`, `api-token-2`, … in order.
fn facade(
    server: &StubServer,
) -> (
    auth0_m2m::ManagementClient,
    Arc<ScriptedTransport>,
    TokenProvider,
) {
    let transport = ScriptedTransport::new(
        (1..=5)
            .map(|n| Reply::token(&format!("api-token-{n}"), 3600))
            .collect(),
    );
    let provider = TokenProvider::builder(client(Arc::clone(&transport)))
        .build()
        .expect("provider");
    let client =
        auth0_m2m::ManagementClient::builder_with_provider(provider.clone(), server.base_url())
            .allow_insecure_http(true)
            .with_retry_policy(
                RetryPolicy::default()
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(2)),
            )
            .build()
            .expect("facade");
    (client, transport, provider)
}

async fn list_against(
    answers: Vec<Canned>,
) -> (auth0_m2m::Error, StubServer, Arc<ScriptedTransport>) {
    let server = StubServer::start(answers).await.expect("stub");
    let (client, transport, provider) = facade(&server);
    let err = client
        .execute(&auth0_m2m_management::clients::ListClients::new())
        .await
        .expect_err("the answer must be rejected");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("api-token-"), "token in error: {shown}");
    // The token the provider holds is still there unless the API rejected it.
    if err.status() != Some(401) {
        let held = provider.current_token().expect("token kept");
        assert_eq!(held.expose_secret(), "api-token-1");
    }
    (err, server, transport)
}

fn api_error(err: &auth0_m2m::Error) -> &auth0_m2m::ApiError {
    err.api_error()
        .unwrap_or_else(|| panic!("expected an API error, got {err:?}"))
}

/// A 200 answer whose envelope holds no item list (here `clients` is a string) must not read
/// as an empty page: a paging loop would stop early and report "no clients".
#[tokio::test]
async fn api_list_answered_with_an_object() {
    let (err, server, _) = list_against(vec![Canned::json(200, r#"{"clients":"nope"}"#)]).await;
    assert!(
        matches!(&err, auth0_m2m::Error::Decode { status: 200, path, .. } if path == "/api/v2/clients"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("could not read the answer of GET /api/v2/clients (HTTP 200)")
    );
    assert!(!err.is_retryable());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn api_truncated_json() {
    let (err, _, _) = list_against(vec![Canned::json(200, r#"[{"client_id":"a","na"#)]).await;
    assert!(
        matches!(&err, auth0_m2m::Error::Decode { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn api_wrong_field_types() {
    let (err, _, _) = list_against(vec![Canned::json(
        200,
        r#"[{"client_id":42,"name":["x"]}]"#,
    )])
    .await;
    assert!(
        matches!(&err, auth0_m2m::Error::Decode { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn api_error_body_without_fields() {
    let (err, server, _) = list_against(vec![Canned::json(404, "{}")]).await;
    let e = api_error(&err);
    assert_eq!(e.status, 404);
    assert_eq!(
        e.body
            .as_ref()
            .map(|b| b.error.is_none() && b.message.is_none()),
        Some(true)
    );
    assert_eq!(e.excerpt, None);
    assert_eq!(
        err.to_string(),
        "Management API answered GET /api/v2/clients with HTTP 404: error"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn api_error_body_with_wrong_types() {
    let (err, _, _) = list_against(vec![Canned::json(
        400,
        r#"{"statusCode":"four hundred","message":5}"#,
    )])
    .await;
    let e = api_error(&err);
    assert_eq!(e.status, 400);
    assert!(e.body.is_none());
    assert_eq!(
        e.excerpt.as_deref(),
        Some(r#"{"statusCode":"four hundred","message":5}"#)
    );
}

#[tokio::test]
async fn api_html_error_page() {
    let (err, _, _) = list_against(vec![Canned::response(
        403,
        &[("content-type", "text/html")],
        b"<html><body><h1>403 Forbidden</h1></body></html>",
    )])
    .await;
    let e = api_error(&err);
    assert_eq!(e.status, 403);
    assert!(e.body.is_none());
    assert!(
        e.excerpt
            .as_deref()
            .is_some_and(|x| x.contains("403 Forbidden"))
    );
}

#[tokio::test]
async fn api_unexpected_status_418() {
    let (err, server, _) = list_against(vec![Canned::json(
        418,
        r#"{"statusCode":418,"error":"I'm a teapot","message":"short and stout"}"#,
    )])
    .await;
    let e = api_error(&err);
    assert_eq!(e.status, 418);
    assert_eq!(e.message(), Some("short and stout"));
    assert!(!err.is_retryable());
    assert_eq!(server.received().len(), 1, "a 4xx is never retried");
}

#[tokio::test]
async fn api_5xx_is_retried_up_to_the_budget() {
    let (err, server, _) = list_against(vec![Canned::json(
        503,
        r#"{"statusCode":503,"error":"Service Unavailable","message":"down"}"#,
    )])
    .await;
    assert_eq!(api_error(&err).status, 503);
    assert!(err.is_retryable());
    assert_eq!(server.received().len(), 4, "1 attempt + 3 retries");
}

#[tokio::test]
async fn api_429_with_a_retry_after_beyond_the_cap_is_returned_at_once() {
    let (err, server, _) = list_against(vec![Canned::response(
        429,
        &[
            ("content-type", "application/json"),
            ("retry-after", "3600"),
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "0"),
        ],
        br#"{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}"#,
    )])
    .await;
    let e = api_error(&err);
    assert_eq!(e.status, 429);
    assert_eq!(e.rate_limit.limit, Some(50));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn api_401_twice_invalidates_once_and_gives_up() {
    let (err, server, transport) = list_against(vec![Canned::json(
        401,
        r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#,
    )])
    .await;
    assert_eq!(api_error(&err).status, 401);
    let received = server.received();
    assert_eq!(received.len(), 2, "one retry with a fresh token");
    let auth = |i: usize| {
        received[i]
            .head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    assert!(auth(0).ends_with("Bearer api-token-1"), "{}", auth(0));
    assert!(auth(1).ends_with("Bearer api-token-2"), "{}", auth(1));
    assert_eq!(transport.calls(), 2);
}

#[tokio::test]
async fn api_body_over_the_cap() {
    let server = StubServer::start(vec![Canned::json(
        200,
        &format!("[{}]", "1,".repeat(4000) + "1"),
    )])
    .await
    .expect("stub");
    let transport = ScriptedTransport::always(Reply::token("api-token-1", 3600));
    let provider = TokenProvider::builder(client(transport))
        .build()
        .expect("provider");
    let client = auth0_m2m::ManagementClient::builder_with_provider(provider, server.base_url())
        .allow_insecure_http(true)
        .with_max_response_bytes(1024)
        .build()
        .expect("facade");
    let err = client
        .execute(&auth0_m2m_management::clients::ListClients::new())
        .await
        .expect_err("too large");
    assert!(
        matches!(&err, auth0_m2m::Error::BodyTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}
