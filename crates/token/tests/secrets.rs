//! No public type, error, or log line ever shows a secret: the client secret, the access
//! token, a private key or a client assertion.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth0_m2m_token::{
    AccessToken, ClientAuth, ConfigError, Error, HttpClient, HttpRequest, HttpResponse,
    RetryPolicy, TokenClient, TokenEndpoint,
};
#[cfg(feature = "private-key-jwt")]
use auth0_m2m_token::{Algorithm, PrivateKey};
use bytes::Bytes;
use http::HeaderMap;

const SECRET: &str = "cs-7f3a9b2c-very-secret-client-secret";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmF0dXJlLXNlY3JldA";

/// Answers from a script and records every request (to learn the assertion that was sent).
struct Hostile {
    answers: Mutex<Vec<HttpResponse>>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Hostile {
    fn new(mut answers: Vec<HttpResponse>) -> Arc<Self> {
        answers.reverse();
        Arc::new(Self {
            answers: Mutex::new(answers),
            seen: Mutex::new(Vec::new()),
        })
    }

    /// Every credential the client sent: secrets, assertions, Authorization headers.
    fn sent_credentials(&self) -> Vec<String> {
        let mut out = Vec::new();
        for req in self.seen.lock().unwrap().iter() {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
                .into_owned()
                .collect();
            for (k, v) in form {
                if k == "client_secret" || k == "client_assertion" {
                    out.push(v);
                }
            }
            if let Some(v) = req.headers.get(http::header::AUTHORIZATION) {
                let v = v.to_str().unwrap().to_owned();
                out.push(v.trim_start_matches("Basic ").to_owned());
                out.push(v);
            }
        }
        out
    }
}

#[async_trait]
impl HttpClient for Hostile {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        // The request's own Debug is part of what must stay clean.
        tracing::trace!(request = ?request, "hostile transport got a request");
        let assertion = url::form_urlencoded::parse(&request.body)
            .find(|(k, _)| k == "client_assertion")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        self.seen.lock().unwrap().push(request);
        let mut next = self
            .answers
            .lock()
            .unwrap()
            .pop()
            .ok_or_else(|| Error::transport("no more answers", None))?;
        // A hostile server echoes whatever it got.
        let echoed = String::from_utf8_lossy(&next.body)
            .replace("{ASSERTION}", &assertion)
            .replace("{SECRET}", SECRET);
        next.body = Bytes::from(echoed);
        tracing::trace!(response = ?next, "hostile transport answers");
        Ok(next)
    }
}

fn answer(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, HeaderMap::new(), body.to_owned())
}

fn script() -> Vec<HttpResponse> {
    vec![
        answer(
            200,
            &format!(
                r#"{{"access_token":"{TOKEN}","expires_in":3600,"token_type":"Bearer","scope":"read:clients"}}"#
            ),
        ),
        answer(
            401,
            r#"{"error":"access_denied","error_description":"bad credentials {SECRET} / {ASSERTION}"}"#,
        ),
        answer(
            502,
            "<html><body>proxy saw client_secret={SECRET}&client_assertion={ASSERTION}</body></html>",
        ),
        answer(
            200,
            &format!(r#"{{"access_token":"{TOKEN}","token_type":"mac","expires_in":60}}"#),
        ),
        answer(
            200,
            &format!(
                r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":"{TOKEN}"}}"#
            ),
        ),
        answer(
            200,
            &format!(r#"{{"access_token":"{TOKEN}","token_type":"{TOKEN}","expires_in":60}}"#),
        ),
    ]
}

fn assert_clean(haystack: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            s.len() >= 8,
            "test secret too short to be meaningful: {s:?}"
        );
        assert!(
            !haystack.contains(s.as_str()),
            "secret {s:?} leaked into:\n{haystack}"
        );
    }
}

async fn exercise(auth: ClientAuth, mut secrets: Vec<String>) {
    let captured = common::Captured::global();
    let transport = Hostile::new(script());
    let builder = TokenClient::builder(
        TokenEndpoint::auth0_domain("tenant.eu.auth0.com").unwrap(),
        "client-id-1",
        auth.clone(),
    )
    .with_http_client(transport.clone())
    .with_scopes(["read:clients"])
    .with_retry_policy(RetryPolicy::none());
    let mut shown = format!("{builder:?} {auth:?} {auth:#?}");
    let client = builder.build().unwrap();
    shown.push_str(&format!("{client:?} {client:#?} {:?}", client.endpoint()));

    let token = client.fetch_token().await.unwrap();
    assert_eq!(token.expose_secret(), TOKEN);
    shown.push_str(&format!("{token:?} {token:#?}"));
    for _ in 0..5 {
        let err = client.fetch_token().await.unwrap_err();
        shown.push_str(&format!("{err} {err:?} {err:#?}"));
        if let Some(rl) = err.rate_limit() {
            shown.push_str(&format!("{rl:?}"));
        }
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            shown.push_str(&format!("{s} {s:?}"));
            source = s.source();
        }
    }
    // Every scripted answer was used, so every path above really ran.
    assert_eq!(transport.seen.lock().unwrap().len(), 6);

    secrets.push(TOKEN.to_owned());
    secrets.extend(transport.sent_credentials());
    let logs = captured.text();
    assert!(
        logs.contains("sending token request"),
        "no TRACE/DEBUG output captured: {logs}"
    );
    assert!(logs.contains("hostile transport answers"), "{logs}");
    assert_clean(&logs, &secrets);
    assert_clean(&shown, &secrets);
}

#[tokio::test]
async fn client_secret_post_never_leaks() {
    exercise(
        ClientAuth::client_secret_post(SECRET),
        vec![SECRET.to_owned()],
    )
    .await;
}

#[tokio::test]
async fn client_secret_basic_never_leaks() {
    exercise(
        ClientAuth::client_secret_basic(SECRET),
        vec![SECRET.to_owned()],
    )
    .await;
}

#[cfg(feature = "private-key-jwt")]
#[tokio::test]
async fn private_key_jwt_never_leaks_the_key_or_the_assertion() {
    let (rsa_pem, _) = common::rsa_key_pair();
    let (second_pem, _) = common::rsa_key_pair();
    for (pem, alg) in [
        (&rsa_pem, Algorithm::RS256),
        (&rsa_pem, Algorithm::RS384),
        (&rsa_pem, Algorithm::PS256),
    ] {
        let key = PrivateKey::from_pem(pem.as_bytes(), alg)
            .unwrap()
            .with_key_id("kid-1");
        let dbg = format!("{key:?}");
        assert!(dbg.contains("[REDACTED]") && dbg.contains("kid-1"), "{dbg}");
        exercise(
            ClientAuth::private_key_jwt(key),
            common::pem_body_lines(pem),
        )
        .await;
    }
    // Two keys while rotating: neither shows in any output.
    let keys = [&rsa_pem, &second_pem]
        .map(|p| PrivateKey::from_pem(p.as_bytes(), Algorithm::RS256).unwrap());
    let auth = ClientAuth::private_key_jwt_keys(keys).unwrap();
    let mut secrets = common::pem_body_lines(&rsa_pem);
    secrets.extend(common::pem_body_lines(&second_pem));
    assert_clean(&format!("{auth:?} {auth:#?}"), &secrets);
}

#[test]
fn every_public_type_redacts() {
    let (rsa_pem, _) = common::rsa_key_pair();
    let mut secrets = common::pem_body_lines(&rsa_pem);
    secrets.push(SECRET.to_owned());
    secrets.push(TOKEN.to_owned());

    let mut shown = String::new();
    let now = SystemTime::now();
    let token = AccessToken::new(
        TOKEN,
        "Bearer",
        vec!["a".into()],
        now + Duration::from_secs(60),
        now,
    );
    shown.push_str(&format!("{token:?}"));
    for auth in [
        ClientAuth::client_secret_post(SECRET),
        ClientAuth::client_secret_basic(SECRET),
    ] {
        shown.push_str(&format!("{auth:?}"));
    }
    #[cfg(feature = "private-key-jwt")]
    {
        let key = PrivateKey::from_pem(rsa_pem.as_bytes(), Algorithm::RS256).unwrap();
        let auth = ClientAuth::private_key_jwt(key.clone());
        shown.push_str(&format!("{key:?} {auth:?} {auth:#?}"));
        // A private key given to the wrong parser, or a PEM with a secret inside, never
        // echoes it.
        for alg in [Algorithm::ES256, Algorithm::RS256] {
            let bad = format!("-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n");
            let err = PrivateKey::from_pem(bad.as_bytes(), alg).unwrap_err();
            shown.push_str(&format!("{err} {err:?}"));
        }
        let err = PrivateKey::from_pem(rsa_pem.as_bytes(), Algorithm::ES256).unwrap_err();
        shown.push_str(&format!("{err} {err:?}"));
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        format!("Bearer {TOKEN}").parse().unwrap(),
    );
    let req = HttpRequest::new(
        http::Method::POST,
        "https://t/oauth/token",
        headers.clone(),
        Bytes::from(format!("client_secret={SECRET}")),
    );
    let resp = HttpResponse::new(200, headers, format!(r#"{{"access_token":"{TOKEN}"}}"#));
    shown.push_str(&format!("{req:?} {resp:?}"));
    let errors: Vec<Error> = vec![
        Error::Config(ConfigError::Empty {
            field: "client secret",
        }),
        Error::Timeout(Duration::from_secs(1)),
        Error::BodyTooLarge { limit: 65536 },
        Error::transport("connection reset", None),
    ];
    for e in &errors {
        shown.push_str(&format!("{e} {e:?}"));
    }
    let err = TokenEndpoint::url(&format!("https://user:{SECRET}@idp/token")).unwrap_err();
    shown.push_str(&format!("{err} {err:?}"));
    assert_clean(&shown, &secrets);
}
