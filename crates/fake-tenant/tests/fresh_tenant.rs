//! A fresh tenant holds what a new Auth0 tenant holds, and nothing the fake invented: every
//! parameterless `GET` of the description, on a fresh and on a seeded tenant, answers without a
//! placeholder value.

mod common;

use auth0_m2m_fake::FakeTenant;
use reqwest::Method;
use serde_json::Value;

/// Every string in `v` (keys and values) that holds the placeholder word, with its JSON path.
fn placeholders(v: &Value, at: &str, out: &mut Vec<String>) {
    let bad = |s: &str| s.to_ascii_lowercase().contains("sample");
    match v {
        Value::String(s) if bad(s) => out.push(format!("{at} = {s:?}")),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                placeholders(x, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                if bad(k) {
                    out.push(format!("{at}.{k} (key)"));
                }
                placeholders(x, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// Calls every parameterless `GET` of the Management API on `t` and returns the placeholders
/// found, and the answers that were neither 2xx nor a 404.
async fn walk(t: &FakeTenant) -> (Vec<String>, Vec<String>, usize) {
    let http = common::http_client(t);
    let token = common::token(t, &http).await;
    let mut found = Vec::new();
    let mut failed = Vec::new();
    let mut walked = 0;
    for r in common::routes(t, &http).await {
        let Some(path) = r["path"].as_str().and_then(|p| p.strip_prefix("/api/v2/")) else {
            continue;
        };
        if r["method"] != "GET" || path.contains('{') {
            continue;
        }
        walked += 1;
        let (status, _, body) = common::api(t, &http, &token, Method::GET, path, None).await;
        // A read that needs a query parameter (`users-by-email`) is refused as Auth0 refuses it.
        let needs_query = status == 400 && body["errorCode"] == "invalid_query_string";
        if !(200..300).contains(&status) && status != 404 && !needs_query {
            failed.push(format!("GET /{path}: {status} {body}"));
        }
        placeholders(&body, &format!("GET /{path}"), &mut found);
    }
    (found, failed, walked)
}

#[tokio::test]
async fn no_parameterless_read_of_a_fresh_or_seeded_tenant_answers_a_placeholder() {
    let fresh = common::tenant().await;
    let seeded = FakeTenant::builder()
        .seed_clients(12)
        .seed_users(20)
        .start()
        .await
        .expect("start");
    for (name, t) in [("fresh", &fresh), ("seeded", &seeded)] {
        let (found, failed, walked) = walk(t).await;
        assert!(walked >= 70, "{name}: only {walked} reads walked");
        assert!(
            found.is_empty(),
            "{name}: {} placeholder(s):\n{}",
            found.len(),
            found.join("\n")
        );
        assert!(failed.is_empty(), "{name}:\n{}", failed.join("\n"));
    }
}

#[tokio::test]
async fn a_fresh_tenant_holds_what_a_new_auth0_tenant_holds() {
    let t = common::tenant().await;
    let http = common::http_client(&t);
    let token = common::token(&t, &http).await;
    let get = |path: &'static str| {
        let (t, http, token) = (&t, &http, &token);
        async move {
            let (status, _, body) = common::api(t, http, token, Method::GET, path, None).await;
            assert_eq!(status, 200, "GET {path}: {body}");
            body
        }
    };
    let names = |v: &Value, key: &str| -> Vec<String> {
        v.as_array()
            .expect("a bare list")
            .iter()
            .filter_map(|x| x[key].as_str().map(str::to_owned))
            .collect()
    };

    // The "Default App" and the client the tenant was started with.
    let clients = get("clients").await;
    assert_eq!(
        names(&clients, "name"),
        [
            "Default App".to_owned(),
            format!("{} (Test Application)", t.client_id())
        ]
    );
    assert_eq!(
        names(&get("connections").await, "name"),
        ["Username-Password-Authentication", "google-oauth2"]
    );
    assert_eq!(
        names(&get("resource-servers").await, "name"),
        ["Auth0 Management API"]
    );
    for empty in [
        "roles",
        "organizations",
        "users",
        "rules",
        "hooks",
        "actions/actions?per_page=5",
        "log-streams",
    ] {
        let v = get(empty).await;
        let items = v
            .as_array()
            .or_else(|| v["actions"].as_array())
            .expect("a list");
        assert!(items.is_empty(), "GET {empty}: {v}");
    }
    // The log holds the one event of the token just issued.
    let logs = get("logs").await;
    let types: Vec<&str> = logs
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, ["seccft"], "{logs}");
    // Multi-factor authentication: every factor, disabled.
    let factors = get("guardian/factors").await;
    assert_eq!(names(&factors, "name").len(), 8, "{factors}");
    assert!(
        factors
            .as_array()
            .expect("list")
            .iter()
            .all(|f| f["enabled"] == false)
    );
    // No e-mail provider until one is configured: Auth0's 404.
    let (status, _, body) =
        common::api(&t, &http, &token, Method::GET, "emails/provider", None).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (404, Some("inexistent_email_provider"))
    );
    let settings = get("tenants/settings").await;
    assert_eq!(settings["session_lifetime"], 168);
    assert_eq!(settings["enabled_locales"], serde_json::json!(["en"]));
}

#[tokio::test]
async fn schema_samples_fill_each_collection_only_when_asked() {
    let t = FakeTenant::builder()
        .schema_samples(true)
        .start()
        .await
        .expect("start");
    let http = common::http_client(&t);
    let token = common::token(&t, &http).await;
    let (status, _, rules) = common::api(&t, &http, &token, Method::GET, "rules", None).await;
    assert_eq!(status, 200);
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
    // The collections the tenant fills itself stay as a new tenant has them.
    let (_, _, roles) = common::api(&t, &http, &token, Method::GET, "roles", None).await;
    assert_eq!(roles, serde_json::json!([]));
}
