//! Management API over real TLS: auth answers, pagination and resources.

mod common;

use auth0_m2m_fake::FakeTenant;
use common::{api, http_client, token};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn bearer_validation_answers() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let url = format!("{}/api/v2/clients", t.base_url());

    let r = http.get(&url).send().await.expect("send");
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert!(r.headers().contains_key("x-ratelimit-reset"));
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v,
        json!({"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"})
    );

    let (s, h, v) = api(&t, &http, "not-a-jwt", Method::GET, "clients", None).await;
    assert_eq!((s, v["message"].as_str()), (401, Some("Invalid token")));
    assert!(
        h["www-authenticate"]
            .to_str()
            .expect("hdr")
            .contains("invalid_token")
    );

    let good = token(&t, &http).await;
    let mut parts: Vec<String> = good.split('.').map(String::from).collect();
    parts[2] = format!("{}AAAA", &parts[2][..parts[2].len() - 4]);
    let tampered = parts.join(".");
    let (s, _, v) = api(&t, &http, &tampered, Method::GET, "clients", None).await;
    assert_eq!(s, 401);
    assert_eq!(
        v["message"],
        "Invalid signature received for JSON Web Token validation"
    );

    let (s, _, _) = api(&t, &http, &good, Method::GET, "clients", None).await;
    assert_eq!(s, 200);
    assert_eq!(t.revoke_all(), 1);
    let (s, _, v) = api(&t, &http, &good, Method::GET, "clients", None).await;
    assert_eq!((s, v["statusCode"].as_u64()), (401, Some(401)));
    // A token issued after the revocation works.
    let fresh = token(&t, &http).await;
    assert_eq!(
        api(&t, &http, &fresh, Method::GET, "clients", None).await.0,
        200
    );
    // Revocation over HTTP.
    let r = http
        .post(format!("{}/__fake/revoke", t.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let answer: serde_json::Value = r.json().await.expect("json");
    assert_eq!(answer["revoked"], 1, "the fresh token was live");
    assert_eq!(
        api(&t, &http, &fresh, Method::GET, "clients", None).await.0,
        401
    );
    assert_eq!(t.stats().api_401, 5);
}

#[tokio::test]
async fn insufficient_scope_is_403() {
    let t = FakeTenant::builder()
        .client("reader", "secret", &["read:users"])
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(s, 403);
    assert_eq!(
        v,
        json!({"statusCode": 403, "error": "Forbidden",
        "message": "Insufficient scope, expected any of: read:clients", "errorCode": "insufficient_scope"})
    );
    let (s, _, _) = api(&t, &http, &tok, Method::GET, "users", None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn clients_offset_and_checkpoint_pagination() {
    let t = FakeTenant::builder()
        .seed_clients(12)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    // 12 seeded, the tenant's client and its "Default App".
    let (s, h, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "clients?per_page=5&page=2&include_totals=true",
        None,
    )
    .await;
    assert_eq!(s, 200);
    for k in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(h.contains_key(k), "{k}");
    }
    let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 4, "{v}");
    assert_eq!(
        (
            v["total"].as_u64(),
            v["start"].as_u64(),
            v["limit"].as_u64()
        ),
        (Some(14), Some(10), Some(5))
    );
    assert_eq!(v["clients"].as_array().map(Vec::len), Some(4));
    assert!(v.get("length").is_none());
    let c = &v["clients"][0];
    for f in [
        "name",
        "client_id",
        "client_secret",
        "app_type",
        "is_first_party",
        "callbacks",
        "grant_types",
        "jwt_configuration",
        "token_endpoint_auth_method",
        "callback_url_template",
        "cross_origin_auth",
    ] {
        assert!(c.get(f).is_some(), "missing {f}");
    }

    let (s, _, v) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(14)));

    let (s, _, v) = api(&t, &http, &tok, Method::GET, "clients?per_page=101", None).await;
    assert_eq!(s, 400);
    assert_eq!(v["errorCode"], "invalid_query_string");

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "clients?fields=client_id,name&include_fields=true&per_page=1",
        None,
    )
    .await;
    assert_eq!(s, 200);
    // The fields named, and the tenant, which Auth0 answers whatever the fields asked
    // (recordings/ruby-auth0/Auth0_Api_V2_Clients__clients__filters_should_paginate_results.json).
    let keys: Vec<&String> = v[0]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["client_id", "name", "tenant"]);

    // Checkpoint: take 5 until `next` disappears.
    let mut seen = Vec::new();
    let mut from: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &from {
            Some(f) => format!("clients?take=5&from={f}"),
            None => "clients?take=5".to_string(),
        };
        let (s, _, v) = api(&t, &http, &tok, Method::GET, &q, None).await;
        assert_eq!(s, 200, "{v}");
        pages += 1;
        for c in v["clients"].as_array().expect("clients") {
            seen.push(c["client_id"].as_str().expect("id").to_string());
        }
        match v.get("next").and_then(Value::as_str) {
            Some(n) => from = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 14);
}

#[tokio::test]
async fn clients_crud_and_grants() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (s, _, created) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"name": "Reports Worker", "app_type": "non_interactive"})),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    let id = created["client_id"].as_str().expect("id").to_string();
    let secret = created["client_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    assert_eq!(created["app_type"], "non_interactive");

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"app_type": "spa"})),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        v,
        json!({"statusCode": 400, "error": "Bad Request",
        "message": "Payload validation error: 'Missing required property: name'.", "errorCode": "invalid_body"})
    );

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("clients/{id}"),
        Some(json!({"description": "nightly"})),
    )
    .await;
    assert_eq!((s, v["description"].as_str()), (200, Some("nightly")));

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        &format!("clients/{id}/rotate-secret"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_ne!(v["client_secret"].as_str(), Some(secret.as_str()));

    // Give the new client a grant and use it.
    let (s, _, g) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "client-grants",
        Some(json!({"client_id": id, "audience": t.audience(), "scope": ["read:users"]})),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().expect("gid").to_string();
    assert!(gid.starts_with("cgr_"));
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "client-grants",
        Some(json!({"client_id": id, "audience": t.audience(), "scope": []})),
    )
    .await;
    assert_eq!(s, 409);
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("client-grants?client_id={id}&include_totals=true"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 1);
    assert_eq!(v["client_grants"][0]["id"], gid.as_str());
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("client-grants/{gid}"),
        Some(json!({"scope": ["read:users", "update:users"]})),
    )
    .await;
    assert_eq!((s, v["scope"].as_array().map(Vec::len)), (200, Some(2)));
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::DELETE,
        &format!("client-grants/{gid}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "client-grants/cgr_missing",
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(v["errorCode"], "inexistent_client_grant");

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::DELETE,
        &format!("clients/{id}"),
        None,
    )
    .await;
    assert_eq!((s, v), (204, Value::Null));
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("clients/{id}"), None).await;
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"statusCode": 404, "error": "Not Found",
        "message": "The client does not exist", "errorCode": "inexistent_client"})
    );
}

#[tokio::test]
async fn resource_servers_include_the_management_api() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "resource-servers?include_totals=true",
        None,
    )
    .await;
    assert_eq!(s, 200);
    let list = v["resource_servers"].as_array().expect("list");
    let mgmt = list
        .iter()
        .find(|r| r["identifier"] == t.audience().as_str())
        .expect("mgmt api");
    assert_eq!(mgmt["is_system"], true);
    let (s, _, rs) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "resource-servers",
        Some(
            json!({"identifier": "https://orders.example.com", "name": "Orders",
                    "scopes": [{"value": "read:orders", "description": "Read orders"}]}),
        ),
    )
    .await;
    assert_eq!(s, 201);
    let id = rs["id"].as_str().expect("id").to_string();
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "resource-servers",
        Some(json!({"identifier": "https://orders.example.com"})),
    )
    .await;
    assert_eq!(s, 409);
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("resource-servers/{id}"),
        Some(json!({"token_lifetime": 3600})),
    )
    .await;
    assert_eq!((s, v["token_lifetime"].as_u64()), (200, Some(3600)));
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::GET,
            &format!("resource-servers/{id}"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("resource-servers/{id}"),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::GET,
            &format!("resource-servers/{id}"),
            None
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn users_search_crud_roles_permissions() {
    let t = FakeTenant::builder()
        .seed_users(30)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "users?per_page=10&page=1&include_totals=true&search_engine=v3",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            v["start"].as_u64(),
            v["limit"].as_u64(),
            v["length"].as_u64(),
            v["total"].as_u64()
        ),
        (Some(10), Some(10), Some(10), Some(30))
    );
    let u0 = &v["users"][0];
    assert!(u0["user_id"].as_str().expect("id").starts_with("auth0|"));
    for f in [
        "email",
        "email_verified",
        "identities",
        "created_at",
        "logins_count",
        "name",
        "picture",
    ] {
        assert!(u0.get(f).is_some(), "missing {f}");
    }

    let (s, _, created) = api(&t, &http, &tok, Method::POST, "users",
        Some(json!({"connection": "Username-Password-Authentication", "email": "new.person@example.com",
                    "password": "Passw0rd!long", "user_metadata": {"team": "red"}}))).await;
    assert_eq!(s, 201, "{created}");
    let uid = created["user_id"].as_str().expect("uid").to_string();
    assert_eq!(
        created["identities"][0]["connection"],
        "Username-Password-Authentication"
    );
    assert!(created.get("password").is_none());

    let (s, _, v) = api(&t, &http, &tok, Method::POST, "users",
        Some(json!({"connection": "Username-Password-Authentication", "email": "NEW.person@example.com",
                    "password": "Passw0rd!long"}))).await;
    assert_eq!(s, 409);
    assert_eq!(v["message"], "The user already exists.");
    assert_eq!(v["error"], "Conflict");

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "users",
        Some(
            json!({"connection": "Username-Password-Authentication", "email": "x@example.com",
                    "password": "pw", "favourite": 1}),
        ),
    )
    .await;
    assert_eq!((s, v["errorCode"].as_str()), (400, Some("invalid_body")));

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "users?q=email%3A%22new.person%40example.com%22&search_engine=v3",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("users?q=user_id%3A%22{}%22", uid.replace('|', "%7C")),
        None,
    )
    .await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(1)));
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "users?per_page=100&page=10",
        None,
    )
    .await;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().expect("msg").contains("1000"));

    let enc = uid.replace('|', "%7C");
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("users/{enc}"), None).await;
    assert_eq!(
        (s, v["email"].as_str()),
        (200, Some("new.person@example.com"))
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("users/{enc}"),
        Some(json!({"user_metadata": {"team": null, "level": 2}, "name": "New Person"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["user_metadata"], json!({"level": 2}));
    assert_eq!(v["name"], "New Person");
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "users-by-email?email=new.person%40example.com",
        None,
    )
    .await;
    assert_eq!((s, v[0]["user_id"].as_str()), (200, Some(uid.as_str())));

    // Roles and permissions.
    let (s, _, role) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "roles",
        Some(json!({"name": "Auditor", "description": "Reads invoices"})),
    )
    .await;
    assert_eq!(s, 200);
    let rid = role["id"].as_str().expect("rid").to_string();
    let perm = json!({"permissions": [{"resource_server_identifier": "https://billing.example.com/api",
                                       "permission_name": "read:invoices"}]});
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        &format!("roles/{rid}/permissions"),
        Some(perm.clone()),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        &format!("users/{enc}/roles"),
        Some(json!({"roles": [rid]})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("users/{enc}/roles?include_totals=true"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["total"].as_u64(), v["roles"][0]["name"].as_str()),
        (200, Some(1), Some("Auditor"))
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("roles/{rid}/users?include_totals=true"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["users"][0]["user_id"].as_str()),
        (200, Some(uid.as_str()))
    );
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        &format!("users/{enc}/permissions"),
        Some(
            json!({"permissions": [{"resource_server_identifier": "https://billing.example.com/api",
                                     "permission_name": "create:invoices"}]}),
        ),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("users/{enc}/permissions"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let names: Vec<&str> = v
        .as_array()
        .expect("arr")
        .iter()
        .filter_map(|p| p["permission_name"].as_str())
        .collect();
    assert!(
        names.contains(&"read:invoices") && names.contains(&"create:invoices"),
        "{v}"
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        &format!("users/{enc}/permissions"),
        Some(
            json!({"permissions": [{"resource_server_identifier": "https://billing.example.com/api",
                                     "permission_name": "fly:planes"}]}),
        ),
    )
    .await;
    assert_eq!(
        (s, v["errorCode"].as_str()),
        (404, Some("inexistent_resource_server_permission"))
    );
    assert_eq!(api(&t, &http, &tok, Method::DELETE, &format!("users/{enc}/permissions"),
        Some(json!({"permissions": [{"resource_server_identifier": "https://billing.example.com/api",
                                     "permission_name": "create:invoices"}]}))).await.0, 204);
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("users/{enc}/roles"),
            Some(json!({"roles": [rid]}))
        )
        .await
        .0,
        204
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("users/{enc}/permissions"),
        None,
    )
    .await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(0)));
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("roles/{rid}/permissions"),
            Some(perm)
        )
        .await
        .0,
        204
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("roles/{rid}"),
        Some(json!({"description": "x"})),
    )
    .await;
    assert_eq!((s, v["description"].as_str()), (200, Some("x")));
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("roles/{rid}"),
            None
        )
        .await
        .0,
        200
    );
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("roles/{rid}"), None).await;
    assert_eq!(
        (s, v["message"].as_str()),
        (404, Some("The role does not exist."))
    );

    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("users/{enc}"),
            None
        )
        .await
        .0,
        204
    );
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("users/{enc}"), None).await;
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"statusCode": 404, "error": "Not Found", "message": "The user does not exist.", "errorCode": "inexistent_user"})
    );
}

#[tokio::test]
async fn organizations_members_and_both_paginations() {
    let t = FakeTenant::builder()
        .seed_users(6)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    for i in 0..4 {
        let (s, _, v) = api(
            &t,
            &http,
            &tok,
            Method::POST,
            "organizations",
            Some(json!({"name": format!("team-{i}"), "display_name": format!("Team {i}")})),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert!(v["id"].as_str().expect("id").starts_with("org_"));
    }
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "organizations",
        Some(json!({"name": "team-0"})),
    )
    .await;
    assert_eq!(s, 409);
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "organizations",
        Some(json!({"name": "Bad Name"})),
    )
    .await;
    assert_eq!(s, 400);
    // 3 seeded + 4 created.
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "organizations?include_totals=true&per_page=3&page=2",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            v["total"].as_u64(),
            v["organizations"].as_array().map(Vec::len)
        ),
        (Some(7), Some(1))
    );
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "organizations?take=4", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["organizations"].as_array().map(Vec::len), Some(4));
    let next = v["next"].as_str().expect("next").to_string();
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("organizations?take=4&from={next}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["organizations"].as_array().map(Vec::len), Some(3));
    assert!(v.get("next").is_none());

    let (_, _, org) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "organizations/name/team-1",
        None,
    )
    .await;
    let oid = org["id"].as_str().expect("id").to_string();
    let (_, _, users) = api(&t, &http, &tok, Method::GET, "users", None).await;
    let uids: Vec<String> = users
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["user_id"].as_str().map(String::from))
        .take(2)
        .collect();
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::POST,
            &format!("organizations/{oid}/members"),
            Some(json!({"members": uids}))
        )
        .await
        .0,
        204
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("organizations/{oid}/members?include_totals=true"),
        None,
    )
    .await;
    assert_eq!((s, v["total"].as_u64()), (200, Some(2)));
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("organizations/{oid}/members?take=1"),
        None,
    )
    .await;
    assert_eq!(
        (
            s,
            v["members"].as_array().map(Vec::len),
            v["next"].is_string()
        ),
        (200, Some(1), true)
    );
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("organizations/{oid}/members"),
            Some(json!({"members": [uids[0]]}))
        )
        .await
        .0,
        204
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("organizations/{oid}"),
        Some(json!({"display_name": "Renamed"})),
    )
    .await;
    assert_eq!((s, v["display_name"].as_str()), (200, Some("Renamed")));
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::DELETE,
            &format!("organizations/{oid}"),
            None
        )
        .await
        .0,
        204
    );
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("organizations/{oid}"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["message"].as_str()),
        (404, Some("No organization found by that id or name"))
    );
}

#[tokio::test]
async fn connections_logs_jobs_and_tenant_settings() {
    let t = FakeTenant::builder()
        .seed_users(5)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;

    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "connections?include_totals=true",
        None,
    )
    .await;
    assert_eq!(s, 200);
    let conns = v["connections"].as_array().expect("connections").clone();
    let db = conns
        .iter()
        .find(|c| c["strategy"] == "auth0")
        .expect("db connection");
    let cid = db["id"].as_str().expect("id").to_string();
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "connections?take=1", None).await;
    assert_eq!((s, v["next"].is_string()), (200, true));
    assert_eq!(
        api(
            &t,
            &http,
            &tok,
            Method::GET,
            &format!("connections/{cid}"),
            None
        )
        .await
        .0,
        200
    );
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "connections/con_nope", None).await;
    assert_eq!(
        (s, v["errorCode"].as_str()),
        (404, Some("inexistent_connection"))
    );

    // Logs: offset with totals, and checkpoint as a bare array.
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "logs?include_totals=true&per_page=2",
        None,
    )
    .await;
    assert_eq!(s, 200);
    for k in ["start", "limit", "length", "total", "logs"] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    let total = v["total"].as_u64().expect("total");
    assert!(
        total >= 6,
        "the seeded users' logins plus the token exchange: {total}"
    );
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "logs?take=3", None).await;
    assert_eq!(s, 200);
    let first = v.as_array().expect("bare array");
    assert_eq!(first.len(), 3);
    let last_id = first[2]["log_id"].as_str().expect("log_id").to_string();
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("logs?from={last_id}&take=100"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let rest = v.as_array().expect("bare array");
    assert_eq!(rest.len() as u64 + 3, total);
    assert!(rest.iter().any(|l| l["type"] == "seccft"));
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("logs/{last_id}"),
        None,
    )
    .await;
    assert_eq!((s, v["log_id"].as_str()), (200, Some(last_id.as_str())));

    // Jobs.
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "jobs/users-exports",
        Some(json!({"connection_id": cid, "format": "json"})),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["type"].as_str()),
        (200, Some("pending"), Some("users_export"))
    );
    let (status, job) = common::import_users(
        &t,
        &http,
        &tok,
        &cid,
        &json!([{"email": "imp@example.com"}]),
        None,
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        (job["status"].as_str(), job["type"].as_str()),
        (Some("pending"), Some("users_import"))
    );
    let jid = job["id"].as_str().expect("id").to_string();
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("jobs/{jid}"), None).await;
    assert_eq!((s, v["id"].as_str()), (200, Some(jid.as_str())));
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "jobs/users-imports",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 400);

    // Tenant settings.
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "tenants/settings", None).await;
    assert_eq!((s, v["session_lifetime"].as_u64()), (200, Some(168)));
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        "tenants/settings",
        Some(json!({"friendly_name": "Renamed", "flags": {"enable_sso": false}})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["friendly_name"], "Renamed");
    assert_eq!(v["flags"]["enable_sso"], false);
    assert_eq!(v["flags"]["disable_impersonation"], true);
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "no-such-thing", None).await;
    assert_eq!((s, v["statusCode"].as_u64()), (404, Some(404)));
}

#[tokio::test]
async fn searches_the_fake_cannot_evaluate_answer_400() {
    let t = FakeTenant::builder()
        .seed_users(5)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    for q in [
        "q=*foo",
        "q=email%3A*%40example.com",
        "q=name%3A%3Fx",
        "q=email%3Aa%40b.c%20OR%20name%3Ax",
        "q=NOT%20name%3Ax",
        "q=name%3A(a%20b)",
        "q=logins_count%3A%5B1%20TO%205%5D",
        "q=name%3Ajo*n",
        "q=name%3Ajon~",
    ] {
        let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("users?{q}"), None).await;
        assert_eq!(s, 400, "{q}: {v}");
        assert_eq!(v["statusCode"], 400, "{q}");
        assert_eq!(v["error"], "Bad Request", "{q}");
        assert_eq!(v["errorCode"], "invalid_query_string", "{q}");
        let message = v["message"].as_str().expect("message");
        assert!(message.starts_with("Query validation error: "), "{message}");
        assert!(message.ends_with("on property q (Query in Lucene query string syntax)."));
        assert_eq!(v.as_object().map(|o| o.len()), Some(4), "{v}");
    }
    let (_, _, v) = api(&t, &http, &tok, Method::GET, "users?q=*foo", None).await;
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("Leading wildcards are not supported")),
        "{v}"
    );
    // Logs are searched by the same rules.
    let (s, _, _) = api(&t, &http, &tok, Method::GET, "logs?q=type%3A*cft", None).await;
    assert_eq!(s, 400);
    // What the fake evaluates still works: trailing wildcards, quoted values, AND.
    let (_, _, all) = api(&t, &http, &tok, Method::GET, "users", None).await;
    let email = all[0]["email"].as_str().expect("email").to_string();
    let prefix = &email[..3];
    for q in [
        format!("email%3A{prefix}*"),
        format!("email%3A%22{email}%22"),
        format!("email%3A%22{email}%22%20AND%20_exists_%3Aemail"),
    ] {
        let (s, _, v) = api(&t, &http, &tok, Method::GET, &format!("users?q={q}"), None).await;
        assert_eq!(s, 200, "{q}: {v}");
        assert!(
            v.as_array()
                .is_some_and(|a| a.iter().any(|u| u["email"] == email.as_str())),
            "{q}: {v}"
        );
    }
}

#[tokio::test]
async fn active_users_counts_logins_of_the_last_30_days() {
    let t = FakeTenant::builder()
        .seed_users(8)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (_, _, users) = api(&t, &http, &tok, Method::GET, "users", None).await;
    let since = {
        let (_, _, v) = api(&t, &http, &tok, Method::GET, "tenants/settings", None).await;
        assert!(v.is_object());
        // Users created through the API have not logged in.
        let (s, _, _) = api(
            &t,
            &http,
            &tok,
            Method::POST,
            "users",
            Some(
                json!({"email": "fresh@example.com", "password": "Passw0rd!Passw0rd",
                "connection": "Username-Password-Authentication"}),
            ),
        )
        .await;
        assert_eq!(s, 201);
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs()
            - 30 * 86_400
    };
    let expected = users
        .as_array()
        .expect("users")
        .iter()
        .filter(|u| {
            u["last_login"]
                .as_str()
                .is_some_and(|d| iso_to_secs(d) >= since)
        })
        .count();
    let (s, h, v) = api(&t, &http, &tok, Method::GET, "stats/active-users", None).await;
    assert_eq!(s, 200);
    assert!(h.contains_key("x-ratelimit-limit"));
    assert_eq!(v, json!(expected), "a bare JSON number");

    // The scope is enforced like on the other routes.
    let t2 = FakeTenant::builder()
        .client("reader", "secret", &["read:users"])
        .start()
        .await
        .expect("start");
    let http2 = http_client(&t2);
    let tok2 = token(&t2, &http2).await;
    let (s, _, v) = api(&t2, &http2, &tok2, Method::GET, "stats/active-users", None).await;
    assert_eq!(s, 403);
    assert_eq!(
        v,
        json!({"statusCode": 403, "error": "Forbidden",
        "message": "Insufficient scope, expected any of: read:stats", "errorCode": "insufficient_scope"})
    );
}

/// Seconds since the epoch of an Auth0 date (`2024-01-02T03:04:05.678Z`).
fn iso_to_secs(d: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| d[r].parse::<i64>().expect("digits");
    let (y, m, day) = (n(0..4), n(5..7), n(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)) as u64
}

#[tokio::test]
async fn user_blocks_are_listed_and_removed() {
    let t = FakeTenant::builder()
        .seed_users(2)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (_, _, users) = api(&t, &http, &tok, Method::GET, "users", None).await;
    let user = &users[0];
    let id = user["user_id"].as_str().expect("id").to_string();
    let path = format!("user-blocks/{}", id.replace('|', "%7C"));
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &path, None).await;
    assert_eq!((s, v), (200, json!({"blocked_for": []})));

    assert!(t.block_user(&id, "10.0.0.1"));
    assert!(!t.block_user("auth0|nobody", "10.0.0.1"));
    let (s, _, v) = api(&t, &http, &tok, Method::GET, &path, None).await;
    assert_eq!(s, 200);
    let blocks = v["blocked_for"].as_array().expect("array");
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0]["identifier"], user["email"]);
    assert_eq!(blocks[0]["ip"], "10.0.0.1");
    assert!(blocks[0]["connection"].is_string());

    let (s, _, v) = api(&t, &http, &tok, Method::DELETE, &path, None).await;
    assert_eq!((s, v), (204, Value::Null));
    let (_, _, v) = api(&t, &http, &tok, Method::GET, &path, None).await;
    assert_eq!(v, json!({"blocked_for": []}));

    for method in [Method::GET, Method::DELETE] {
        let (s, _, v) = api(&t, &http, &tok, method, "user-blocks/auth0%7Cnobody", None).await;
        assert_eq!(s, 404);
        assert_eq!(v["errorCode"], "inexistent_user");
    }

    // read:users reads blocks; removing them needs update:users.
    let t2 = FakeTenant::builder()
        .client("reader", "secret", &["read:users"])
        .seed_users(1)
        .start()
        .await
        .expect("start");
    let http2 = http_client(&t2);
    let tok2 = token(&t2, &http2).await;
    let (_, _, users) = api(&t2, &http2, &tok2, Method::GET, "users", None).await;
    let path = format!(
        "user-blocks/{}",
        users[0]["user_id"]
            .as_str()
            .expect("id")
            .replace('|', "%7C")
    );
    assert_eq!(
        api(&t2, &http2, &tok2, Method::GET, &path, None).await.0,
        200
    );
    let (s, _, v) = api(&t2, &http2, &tok2, Method::DELETE, &path, None).await;
    assert_eq!(s, 403);
    assert_eq!(
        v["message"],
        "Insufficient scope, expected any of: update:users"
    );
}

#[tokio::test]
async fn logs_are_capped_at_the_configured_count() {
    let t = FakeTenant::builder()
        .http(true)
        .max_logs(5)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    // Each token issued logs one `seccft` event.
    let mut tok = String::new();
    for _ in 0..12 {
        tok = token(&t, &http).await;
    }
    let (s, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "logs?include_totals=true&sort=date%3A1",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 5, "{v}");
    let ids: Vec<&str> = v["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter_map(|l| l["log_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
    // The oldest events were dropped: the first seven token events; the first kept is the 8th
    // event written.
    assert!(ids[0].ends_with(&format!("{:036}", 8)), "{}", ids[0]);
    assert!(
        v["logs"]
            .as_array()
            .expect("logs")
            .iter()
            .all(|l| l["type"] == "seccft")
    );

    // With no retention left, every event is dropped as soon as it is written.
    let t = FakeTenant::builder()
        .http(true)
        .log_retention(std::time::Duration::ZERO)
        .start()
        .await
        .expect("start");
    let tok = token(&t, &http).await;
    let (_, _, v) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "logs?include_totals=true",
        None,
    )
    .await;
    assert!(v["total"].as_u64().is_some_and(|n| n <= 1), "{v}");
}
