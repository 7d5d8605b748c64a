//! Every operation of the Management API description is answered: by a hand-written handler,
//! or by the generic one over an in-memory store (over real TLS).

mod common;

use std::collections::BTreeSet;

use auth0_m2m_fake::FakeTenant;
use common::http_client;
use reqwest::Method;
use serde_json::{Value, json};

/// The Management API routes of the description the tenant lists: `(method, path, handler,
/// scopes, sample path)`.
async fn api_routes(t: &FakeTenant, http: &reqwest::Client) -> Vec<Value> {
    common::routes(t, http)
        .await
        .into_iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/api/v2")))
        .filter(|r| r["handler"] != "undescribed")
        .collect()
}

/// A tenant with its default client, and that client's token: the default client holds every
/// scope a served operation accepts.
async fn tenant_with_default_client() -> (FakeTenant, reqwest::Client, String) {
    with_default_client(common::tenant().await).await
}

async fn with_default_client(t: FakeTenant) -> (FakeTenant, reqwest::Client, String) {
    let http = http_client(&t);
    let token = common::token(&t, &http).await;
    (t, http, token)
}

async fn call(
    t: &FakeTenant,
    http: &reqwest::Client,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method, format!("{}{path}", t.base_url()))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("send");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_described_operation_is_answered() {
    // The default client calls every operation: it holds every scope a route accepts. The
    // sample paths name objects of this tenant (its connection, for instance), and, with
    // schema samples on, the item each other collection starts with.
    let tenant = FakeTenant::builder()
        .schema_samples(true)
        .start()
        .await
        .expect("start tenant");
    let (t, http, token) = with_default_client(tenant).await;
    let routes = api_routes(&t, &http).await;
    let operations: BTreeSet<(String, String)> = routes
        .iter()
        .map(|r| (r["method"].to_string(), r["path"].to_string()))
        .collect();
    assert_eq!(
        operations.len(),
        routes.len(),
        "each operation is listed once"
    );
    assert_eq!(
        routes.len(),
        452,
        "every operation of the description is served"
    );
    let generic: Vec<&Value> = routes
        .iter()
        .filter(|r| r["handler"] == "generic")
        .collect();
    assert!(generic.len() >= 390, "{} generic routes", generic.len());

    let (_, user) = call(
        &t,
        &http,
        &token,
        Method::POST,
        "/api/v2/users",
        Some(json!({"connection": "Username-Password-Authentication",
                    "email": "generic@example.com", "password": "Passw0rd!Passw0rd"})),
    )
    .await;
    let user_id = user["user_id"].as_str().expect("a user").to_owned();
    let (_, grants) = call(
        &t,
        &http,
        &token,
        Method::GET,
        "/api/v2/client-grants",
        None,
    )
    .await;
    let grant_id = grants[0]["id"]
        .as_str()
        .expect("the default client's grant")
        .to_owned();
    // An OIDC connection, whose signing keys are read and rotated.
    let (_, oidc) = call(
        &t,
        &http,
        &token,
        Method::POST,
        "/api/v2/connections",
        Some(
            json!({"name": "generic-oidc", "strategy": "oidc", "options": {
            "client_id": "abc", "issuer": "https://idp.example.com",
            "discovery_url": "https://idp.example.com/.well-known/openid-configuration"}}),
        ),
    )
    .await;
    let oidc_id = oidc["id"].as_str().expect("an OIDC connection").to_owned();
    // A previously used signing key, the only kind Auth0 revokes: made by a rotation.
    let (status, _) = call(
        &t,
        &http,
        &token,
        Method::POST,
        "/api/v2/keys/signing/rotate",
        None,
    )
    .await;
    assert_eq!(status, 201);
    let (_, keys) = call(&t, &http, &token, Method::GET, "/api/v2/keys/signing", None).await;
    let previous_kid = keys
        .as_array()
        .and_then(|k| k.iter().find(|k| k["previous"] == true))
        .and_then(|k| k["kid"].as_str())
        .expect("a previously used key")
        .to_owned();
    // A token of the current key: the one signed by the key revoked below would be refused.
    let token = common::token(&t, &http).await;
    // Deletions last, so that they do not remove what the other operations read.
    let mut order: Vec<&Value> = generic.clone();
    order.sort_by_key(|r| r["method"] == "DELETE");
    let mut failures = Vec::new();
    for r in order {
        let method: Method = r["method"]
            .as_str()
            .unwrap_or("GET")
            .parse()
            .expect("method");
        let sample_path = r["sample_path"].as_str().expect("sample path");
        // A connection's keys are those of a connection the tenant holds.
        let keyed =
            matches!(r["operation"].as_str(), Some("get_keys" | "post_rotate")).then(|| {
                sample_path.replace("/connections/sample/", &format!("/connections/{oidc_id}/"))
            });
        let revoked = (r["operation"] == "put_signing_keys")
            .then(|| format!("/api/v2/keys/signing/{previous_kid}/revoke"));
        let path = keyed
            .as_deref()
            .or(revoked.as_deref())
            .unwrap_or(sample_path);
        // The operations a behaviour answers need real objects of the tenant.
        let body = match r["operation"].as_str() {
            Some("post_verification-email") => Some(json!({"user_id": user_id})),
            Some("create_organization-client-grants") => Some(json!({"grant_id": grant_id})),
            // The default domain is one the tenant answers for.
            Some("patch_default") => Some(json!({"domain": t.domain()})),
            // An import sends the wrapped key.
            Some("post_encryption_key") => Some(json!({"wrapped_key": "d3JhcHBlZA=="})),
            // A client ID metadata document is named by its URL.
            Some("post_clients_cimd_preview" | "post_clients_cimd_register") => Some(
                json!({"external_client_id": "https://client.example.com/oauth/metadata.json"}),
            ),
            _ => (method != Method::GET).then(|| json!({})),
        };
        let (status, answer) = call(&t, &http, &token, method.clone(), path, body).await;
        if !(200..300).contains(&status) {
            failures.push(format!(
                "{method} {path} ({}): {status} {answer}",
                r["operation"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn generic_collections_create_read_update_list_and_delete() {
    let (t, http, token) = tenant_with_default_client().await;

    let (s, created) = call(
        &t,
        &http,
        &token,
        Method::POST,
        "/api/v2/actions/actions",
        Some(json!({"name": "my-action", "code": "exports.onExecutePostLogin = async () => {};"})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["name"], "my-action");
    let id = created["id"].as_str().expect("id").to_owned();

    assert_eq!(created["status"], "pending", "{created}");

    // Built in the background: each read moves the build one step.
    let item = format!("/api/v2/actions/actions/{id}");
    let (s, read) = call(&t, &http, &token, Method::GET, &item, None).await;
    assert_eq!((s, &read["name"]), (200, &json!("my-action")));
    assert_eq!(read["status"], "building");
    for _ in 0..2 {
        let (_, read) = call(&t, &http, &token, Method::GET, &item, None).await;
        assert_eq!(read["status"], "built");
    }

    let (s, updated) = call(
        &t,
        &http,
        &token,
        Method::PATCH,
        &item,
        Some(json!({"name": "renamed"})),
    )
    .await;
    assert_eq!(
        (s, &updated["name"], &updated["id"]),
        (200, &json!("renamed"), &json!(id))
    );
    // An update is built again.
    assert_eq!(updated["status"], "pending", "{updated}");

    // A fresh tenant has no action: the list holds the new one only.
    let (s, page) = call(
        &t,
        &http,
        &token,
        Method::GET,
        "/api/v2/actions/actions?page=0&per_page=1",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["actions"][0]["id"], json!(id));

    let (s, _) = call(&t, &http, &token, Method::DELETE, &item, None).await;
    assert_eq!(s, 204);
    let (s, missing) = call(&t, &http, &token, Method::GET, &item, None).await;
    assert_eq!(s, 404, "{missing}");
    assert_eq!(missing["statusCode"], 404);
}

#[tokio::test]
async fn generic_singletons_merge_and_scopes_are_enforced() {
    let (t, http, token) = tenant_with_default_client().await;
    let (s, _) = call(
        &t,
        &http,
        &token,
        Method::PATCH,
        "/api/v2/branding",
        Some(json!({"logo_url": "https://example.com/logo.png"})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, branding) = call(&t, &http, &token, Method::GET, "/api/v2/branding", None).await;
    assert_eq!(
        (s, &branding["logo_url"]),
        (200, &json!("https://example.com/logo.png"))
    );

    // A body that is not JSON is Auth0's 400.
    let r = http
        .post(format!("{}/api/v2/actions/actions", t.base_url()))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);

    // A client granted only `read:users` is refused `read:actions`: Auth0's 403 body.
    let narrow = FakeTenant::builder()
        .client("narrow", "narrow-secret", &["read:users"])
        .start()
        .await
        .expect("tenant");
    let http = http_client(&narrow);
    let narrow_token = common::token(&narrow, &http).await;
    let (s, denied) = call(
        &narrow,
        &http,
        &narrow_token,
        Method::GET,
        "/api/v2/actions/actions",
        None,
    )
    .await;
    assert_eq!(
        (s, &denied["errorCode"], &denied["message"]),
        (
            403,
            &json!("insufficient_scope"),
            &json!("Insufficient scope, expected any of: read:actions")
        )
    );
    // An unknown route is Auth0's plain 404.
    let (s, _) = call(
        &narrow,
        &http,
        &narrow_token,
        Method::GET,
        "/api/v2/no-such-thing",
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn answers_are_recorded_with_their_operation_and_debug_hides_bodies() {
    let t = FakeTenant::builder()
        .client("r", "r-secret", &auth0_m2m_fake::served_scopes())
        .record_answers(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = common::token_for(&t, &http, "r", "r-secret").await;
    let (s, _, created) = common::api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"name": "recorded"})),
    )
    .await;
    assert_eq!(s, 201);
    let secret = created["client_secret"]
        .as_str()
        .expect("a new client's secret");
    let id = created["client_id"].as_str().expect("client_id");
    let (s, _, _) = common::api(&t, &http, &tok, Method::GET, "actions/actions", None).await;
    assert_eq!(s, 200);
    let (s, _, _) = common::api(&t, &http, &tok, Method::GET, "no/such/route", None).await;
    assert_eq!(s, 404);

    let answers = t.answers();
    let seen: Vec<(Option<&str>, &str, u16)> = answers
        .iter()
        .map(|a| (a.operation, a.method.as_str(), a.status))
        .collect();
    assert_eq!(
        seen,
        [
            (Some("post_clients"), "POST", 201),
            (Some("get_actions"), "GET", 200),
            (None, "GET", 404),
        ]
    );
    assert_eq!(answers[0].path, "/api/v2/clients");
    let body: Value = serde_json::from_slice(&answers[0].body).expect("the body as sent");
    assert_eq!(body["client_id"], id);
    let debug = format!("{answers:?}");
    assert!(!debug.contains(secret), "Debug shows a recorded secret");
    assert!(debug.contains("body_len"), "{debug}");

    // Without the builder's switch, nothing is kept.
    let quiet = FakeTenant::builder().start().await.expect("start");
    let http = http_client(&quiet);
    let tok = common::token(&quiet, &http).await;
    common::api(&quiet, &http, &tok, Method::GET, "clients", None).await;
    assert!(quiet.answers().is_empty());
}

#[tokio::test]
async fn the_default_client_holds_every_scope_a_route_accepts() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let accepted: BTreeSet<String> = api_routes(&t, &http)
        .await
        .iter()
        .flat_map(|r| r["scopes"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let served: BTreeSet<String> = auth0_m2m_fake::served_scopes()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert!(
        accepted.is_subset(&served),
        "{:?}",
        accepted.difference(&served).collect::<Vec<_>>()
    );

    let answer: Value = http
        .post(t.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &t.client_id()),
            ("client_secret", &t.client_secret()),
            ("audience", &t.audience()),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    let granted: BTreeSet<String> = answer["scope"]
        .as_str()
        .expect("scope")
        .split(' ')
        .map(str::to_owned)
        .collect();
    assert_eq!(granted, served);
    println!("default token scopes: {}", granted.len());

    // A token of every scope (about 8 KB, as large as Auth0's) stays below the 16 KiB header
    // list that hyper's HTTP/2 server accepts, with room to spare, and is accepted over HTTP/2.
    let token = answer["access_token"].as_str().expect("access_token");
    println!("default token: {} bytes", token.len());
    assert!(token.len() < 12 * 1024, "{} bytes", token.len());
    let r = http
        .get(format!("{}/api/v2/log-streams", t.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    assert_eq!(
        (r.version(), r.status().as_u16()),
        (reqwest::Version::HTTP_2, 200)
    );

    // The Management API's resource server lists the same scopes.
    let (s, _, servers) =
        common::api(&t, &http, token, Method::GET, "resource-servers", None).await;
    assert_eq!(s, 200);
    let listed: BTreeSet<String> = servers
        .as_array()
        .expect("resource servers")
        .iter()
        .find(|r| r["identifier"] == t.audience().as_str())
        .expect("the Management API")["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .filter_map(|s| s["value"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(listed, served);
}
