//! Every collection of the description, top-level and nested below an item, driven from the
//! tenant's own routes listing (which carries the description's sample request bodies): create →
//! read (what the create answered reads back) → list (it is there) → update (the update reads
//! back) → delete → read (404) → delete again (as Auth0 answers: success where the recordings
//! show deletes are idempotent, else 404).

mod common;

use std::collections::BTreeMap;

use auth0_m2m_fake::FakeTenant;
use reqwest::Method;
use serde_json::{Value, json};

/// The collections whose sample body names objects of the tenant or values Auth0 checks, and
/// what the test sends instead: `(collection, fields replacing the sample's)`, a `null` field
/// being left out.
fn adjustments(audience: &str, client_id: &str) -> BTreeMap<&'static str, Value> {
    BTreeMap::from([
        (
            "/users",
            json!({"connection": "Username-Password-Authentication", "email": "crud@example.com",
                   "password": "Passw0rd!Passw0rd"}),
        ),
        (
            "/client-grants",
            json!({"client_id": client_id, "audience": audience, "scope": ["read:users"]}),
        ),
        (
            "/resource-servers",
            json!({"identifier": "https://crud.example.com/api"}),
        ),
        // The sample enables a connection the tenant does not have, which a create refuses.
        (
            "/organizations",
            json!({"name": "crud-org", "enabled_connections": []}),
        ),
        (
            "/connections",
            json!({"name": "crud-db", "strategy": "auth0"}),
        ),
        ("/roles", json!({"name": "crud-role"})),
        // The sample's inline credential holds no real key.
        ("/clients", json!({"client_authentication_methods": null})),
        // A create that deploys at once copies the sample's code into a version; the walk is
        // of the action alone (`one_store` creates one with `deploy`).
        ("/actions/actions", json!({"deploy": false})),
    ])
}

/// The id of an item in an answer: the field the path parameter names, else Auth0's usual ones.
fn id_of(answer: &Value, param: &str) -> Option<String> {
    let keys = [
        param,
        "id",
        "client_id",
        "user_id",
        "kid",
        "themeId",
        "custom_domain_id",
        "connection_id",
    ];
    keys.iter()
        .find_map(|k| answer.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The items of a list answer: a bare array, or the array of an envelope.
fn items(list: &Value) -> Vec<Value> {
    match list {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o
            .values()
            .find_map(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether every field of `written` that `answer` holds reads back equal in `read`.
fn reads_back(answer: &Value, read: &Value, written: &Value) -> Result<(), String> {
    let (Some(answer), Some(written)) = (answer.as_object(), written.as_object()) else {
        return Ok(());
    };
    for k in written.keys().filter(|k| answer.contains_key(*k)) {
        if read.get(k) != answer.get(k) {
            return Err(format!(
                "`{k}` answered {} but reads back {}",
                answer[k],
                read.get(k).unwrap_or(&Value::Null)
            ));
        }
    }
    Ok(())
}

/// A client of the tenant, with the default client's token, that walks collections.
struct Walk<'a> {
    tenant: &'a FakeTenant,
    http: &'a reqwest::Client,
    token: &'a str,
}

/// What one walk sends and expects.
struct Collection<'a> {
    /// The concrete path of the create and the list.
    collection: &'a str,
    /// The concrete path of the item with an id.
    item_at: &'a dyn Fn(&str) -> String,
    /// The item route's parameter (the id's field, where an answer names it so).
    param: &'a str,
    body: &'a Value,
    lists: bool,
    patch: Option<Value>,
    idempotent: bool,
}

impl Walk<'_> {
    /// Sends one request to a path below `/api/v2/` (with or without that prefix).
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let path = path.trim_start_matches("/api/v2").trim_start_matches('/');
        let (status, _, v) =
            common::api(self.tenant, self.http, self.token, method, path, body).await;
        (status, v)
    }

    /// Walks one collection from its create on: create → read (what the create answered reads
    /// back) → list (it is there, where the collection lists) → update (the update reads back,
    /// where an item updates) → delete → read (404) → delete again (2xx where Auth0's deletes
    /// are idempotent, else 404). The failures, each one sentence.
    async fn walk(&self, c: &Collection<'_>) -> Vec<String> {
        let mut failures = Vec::new();
        let (status, created) = self
            .call(Method::POST, c.collection, Some(c.body.clone()))
            .await;
        if !(200..300).contains(&status) {
            return vec![format!("create answered {status} {created}")];
        }
        // What the tenant added to what was sent holds no placeholder.
        let added: Vec<String> = created
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| c.body.get(*k).is_none())
            .filter(|(_, v)| v.to_string().contains("\"sample\""))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        if !added.is_empty() {
            failures.push(format!(
                "the create added placeholders: {}",
                added.join("; ")
            ));
        }
        let Some(id) = id_of(&created, c.param) else {
            failures.push(format!("no id in {created}"));
            return failures;
        };
        let at = (c.item_at)(&id);
        let (status, read) = self.call(Method::GET, &at, None).await;
        if status != 200 {
            failures.push(format!("read answered {status} {read}"));
            return failures;
        }
        if let Err(e) = reads_back(&created, &read, c.body) {
            failures.push(format!("after create, {e}"));
        }
        if c.lists {
            let (status, list) = self.call(Method::GET, c.collection, None).await;
            if status != 200
                || !items(&list)
                    .iter()
                    .any(|i| id_of(i, c.param).as_deref() == Some(&id))
            {
                failures.push(format!("the list ({status}) does not hold {id}: {list}"));
            }
        }
        if let Some(patch) = &c.patch {
            let (status, updated) = self.call(Method::PATCH, &at, Some(patch.clone())).await;
            if !(200..300).contains(&status) {
                failures.push(format!("update answered {status} {updated}"));
            } else {
                let (_, read) = self.call(Method::GET, &at, None).await;
                if let Err(e) = reads_back(&updated, &read, patch) {
                    failures.push(format!("after update, {e}"));
                }
            }
        }
        let (status, answer) = self.call(Method::DELETE, &at, None).await;
        if !(200..300).contains(&status) {
            failures.push(format!("delete answered {status} {answer}"));
            return failures;
        }
        let (status, _) = self.call(Method::GET, &at, None).await;
        if status != 404 {
            failures.push(format!("a read after the delete answered {status}"));
        }
        let (status, answer) = self.call(Method::DELETE, &at, None).await;
        if (c.idempotent && !(200..300).contains(&status)) || (!c.idempotent && status != 404) {
            failures.push(format!(
                "a second delete answered {status} {answer}, where Auth0 answers {}",
                if c.idempotent { "2xx" } else { "404" }
            ));
        }
        failures
    }
}

#[tokio::test]
async fn every_collection_is_created_read_listed_updated_and_deleted() {
    let t = FakeTenant::builder().start().await.expect("start");
    let http = common::http_client(&t);
    let token = common::token(&t, &http).await;
    let routes = common::routes(&t, &http).await;
    let find = |method: &str, path: &str| {
        routes
            .iter()
            .find(|r| r["method"] == method && r["path"] == path)
            .cloned()
    };
    // A grant is made for the "Default App", which has none (the tenant's client has one for
    // the Management API already).
    let (_, _, clients) = common::api(&t, &http, &token, Method::GET, "clients", None).await;
    let default_app = items(&clients)
        .iter()
        .find(|c| c["name"] == "Default App")
        .and_then(|c| c["client_id"].as_str().map(str::to_owned))
        .expect("the Default App");
    let adjust = adjustments(&t.audience(), &default_app);
    let api = Walk {
        tenant: &t,
        http: &http,
        token: &token,
    };

    let mut covered = Vec::new();
    let mut failures = Vec::new();
    for create in routes.iter().filter(|r| r["method"] == "POST") {
        let Some(collection) = create["path"].as_str() else {
            continue;
        };
        let short = collection.trim_start_matches("/api/v2");
        if short.contains('{') {
            continue;
        }
        // The item route right below the collection, with its parameter.
        let Some((item, param)) = routes.iter().find_map(|r| {
            let p = r["path"].as_str()?;
            let rest = p.strip_prefix(collection)?.strip_prefix("/{")?;
            let param = rest.strip_suffix('}')?;
            (r["method"] == "GET" && !param.contains('/')).then(|| (p.to_owned(), param))
        }) else {
            continue;
        };
        if find("DELETE", &item).is_none() {
            continue;
        }
        let mut body = create["body_sample"].clone();
        if let (Some(b), Some(Value::Object(fields))) = (body.as_object_mut(), adjust.get(short)) {
            b.extend(fields.clone());
        }
        let item_at = |id: &str| item.replace(&format!("{{{param}}}"), id);
        let walked = api
            .walk(&Collection {
                collection,
                item_at: &item_at,
                param,
                body: &body,
                lists: find("GET", collection).is_some(),
                patch: find("PATCH", &item).map(|u| u["body_sample"].clone()),
                idempotent: find("DELETE", &item)
                    .is_some_and(|r| r["recorded"]["idempotent_delete"].is_object()),
            })
            .await;
        if !walked.is_empty() {
            failures.extend(walked.into_iter().map(|f| format!("{short}: {f}")));
            continue;
        }
        covered.push(short.to_owned());
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        covered.len() >= 30,
        "only {} collections: {covered:?}",
        covered.len()
    );
}

/// The nested collections: `(collection, item, the parent collection, fields replacing the
/// sample's, a `null` one being left out)`, `{connection}` standing for the id of the tenant's database connection, `{client}`
/// for the Default App's id and `{cert}` for a PEM certificate.
const NESTED: &[(&str, &str, &str, &str)] = &[
    (
        "/clients/{client_id}/credentials",
        "/clients/{client_id}/credentials/{credential_id}",
        "/clients",
        r#"{"credential_type": "x509_cert", "name": "crud", "pem": "{cert}"}"#,
    ),
    (
        "/experimentation/feature-flags/{id}/variations",
        "/experimentation/feature-flags/{id}/variations/{vid}",
        "/experimentation/feature-flags",
        "{}",
    ),
    (
        "/organizations/{id}/connections",
        "/organizations/{id}/connections/{connection_id}",
        "/organizations",
        r#"{"connection_id": "{connection}"}"#,
    ),
    (
        "/organizations/{id}/discovery-domains",
        "/organizations/{id}/discovery-domains/{discovery_domain_id}",
        "/organizations",
        r#"{"domain": "crud.example.com"}"#,
    ),
    (
        "/organizations/{id}/enabled_connections",
        "/organizations/{id}/enabled_connections/{connectionId}",
        "/organizations",
        r#"{"connection_id": "{connection}"}"#,
    ),
    (
        "/organizations/{id}/invitations",
        "/organizations/{id}/invitations/{invitation_id}",
        "/organizations",
        r#"{"client_id": "{client}", "connection_id": "{connection}"}"#,
    ),
    (
        "/users/{id}/authentication-methods",
        "/users/{id}/authentication-methods/{authentication_method_id}",
        "/users",
        // A TOTP secret is written, never read back.
        r#"{"type": "email", "email": "crud@example.com", "totp_secret": null}"#,
    ),
];

#[tokio::test]
async fn every_nested_collection_is_created_read_listed_updated_and_deleted() {
    let t = FakeTenant::builder().start().await.expect("start");
    let http = common::http_client(&t);
    let token = common::token(&t, &http).await;
    let routes = common::routes(&t, &http).await;
    let find = |method: &str, path: &str| {
        routes
            .iter()
            .find(|r| r["method"] == method && r["path"] == format!("/api/v2{path}"))
            .cloned()
    };
    let api = Walk {
        tenant: &t,
        http: &http,
        token: &token,
    };
    let (_, clients) = api.call(Method::GET, "/clients", None).await;
    let default_app = items(&clients)
        .iter()
        .find(|c| c["name"] == "Default App")
        .and_then(|c| c["client_id"].as_str().map(str::to_owned))
        .expect("the Default App");
    let (_, connections) = api.call(Method::GET, "/connections", None).await;
    let database = items(&connections)
        .iter()
        .find(|c| c["name"] == "Username-Password-Authentication")
        .and_then(|c| c["id"].as_str().map(str::to_owned))
        .expect("the database connection");
    let adjust = adjustments(&t.audience(), &default_app);
    let cert = t.ca_cert_pem();

    let mut failures = Vec::new();
    let mut covered = Vec::new();
    for (collection, item, parent, fields) in NESTED {
        let mut fail = |what: String| failures.push(format!("{collection}: {what}"));
        // The description still has the collection, and the tenant answers all of it.
        let (Some(create), Some(_), Some(_)) = (
            find("POST", collection),
            find("GET", item),
            find("DELETE", item),
        ) else {
            fail("the routes listing lacks its create, read or delete".into());
            continue;
        };
        // The parent, made from its own sample.
        let mut parent_body = find("POST", parent).expect("parent create")["body_sample"].clone();
        if let (Some(b), Some(Value::Object(f))) = (parent_body.as_object_mut(), adjust.get(parent))
        {
            b.extend(f.clone());
            b.retain(|_, v| !v.is_null());
        }
        if let (Some(b), "/organizations") = (parent_body.as_object_mut(), *parent) {
            // An organization that enables the connection already would refuse a second time.
            b.remove("enabled_connections");
        }
        let (status, made) = api.call(Method::POST, parent, Some(parent_body)).await;
        let Some(parent_id) = (200..300)
            .contains(&status)
            .then(|| id_of(&made, "id"))
            .flatten()
        else {
            fail(format!("the parent's create answered {status} {made}"));
            continue;
        };
        let param = collection
            .split('/')
            .find_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .expect("a parameter");
        let concrete = collection.replace(&format!("{{{param}}}"), &parent_id);

        let mut body = create["body_sample"].clone();
        let fields = fields
            .replace("{client}", &default_app)
            .replace("{connection}", &database)
            .replace("{cert}", &cert.replace('\n', "\\n"));
        if let (Some(b), Ok(Value::Object(f))) =
            (body.as_object_mut(), serde_json::from_str::<Value>(&fields))
        {
            b.extend(f);
            b.retain(|_, v| !v.is_null());
        }
        let item_param = item
            .rsplit('/')
            .next()
            .and_then(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .expect("an item parameter");
        let item_at = |id: &str| {
            item.replace(&format!("{{{param}}}"), &parent_id)
                .replace(&format!("{{{item_param}}}"), id)
        };
        let walked = api
            .walk(&Collection {
                collection: &concrete,
                item_at: &item_at,
                param: item_param,
                body: &body,
                lists: find("GET", collection).is_some(),
                patch: find("PATCH", item).map(|u| u["body_sample"].clone()),
                idempotent: find("DELETE", item)
                    .is_some_and(|r| r["recorded"]["idempotent_delete"].is_object()),
            })
            .await;
        let walked_ok = walked.is_empty();
        for f in walked {
            fail(f);
        }
        let parent_at = format!("{parent}/{parent_id}");
        let (status, answer) = api.call(Method::DELETE, &parent_at, None).await;
        if !(200..300).contains(&status) {
            fail(format!("the parent's delete answered {status} {answer}"));
        }
        if walked_ok {
            covered.push(*collection);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(covered.len(), NESTED.len(), "{covered:?}");
}
