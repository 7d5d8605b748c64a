//! Clients: `/clients`, `/clients/{id}`, `/clients/{id}/rotate-secret`.

use super::base::*;
use super::pagination::{paginate_keeping, select_fields_keeping};
use super::routes::Route;

/// Handles the client routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Clients, "GET") => list_clients(ctx, store),
        (Route::Clients, "POST") => create_client(ctx, store),
        (Route::Client(id), "GET") => {
            let c =
                find(store.items(crate::store::CLIENTS), "client_id", id).ok_or_else(no_client)?;
            Ok(json(
                StatusCode::OK,
                &select_fields_keeping(ctx, c.clone(), crate::overrides::CLIENT_FIELDS_ALWAYS),
            ))
        }
        (Route::Client(id), "PATCH") => update_client(ctx, store, id),
        (Route::Client(id), "DELETE") => {
            store
                .items_mut(crate::store::CLIENTS)
                .retain(|c| c["client_id"].as_str() != Some(id.as_str()));
            store
                .items_mut(crate::store::GRANTS)
                .retain(|g| g["client_id"].as_str() != Some(id.as_str()));
            store.credentials.remove(id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::ClientRotate(id), _) => {
            let c = find_mut(store.items_mut(crate::store::CLIENTS), "client_id", id)
                .ok_or_else(no_client)?;
            c["client_secret"] = Value::String(seed::client_secret());
            Ok(json(StatusCode::OK, c))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

/// The clients a `q` of `GET /clients` selects, by their client ids: those with a grant
/// associated with an organization (`client_grant.organization_id:{id}`) or allowing any
/// organization (`client_grant.allow_any_organization:true`), the two queries the description
/// permits, only with checkpoint paging and no other filter.
fn clients_by_grant(ctx: &Ctx<'_>, store: &Store, q: &str) -> Result<Vec<String>, ApiErr> {
    let others = [
        "app_type",
        "is_first_party",
        "is_global",
        "page",
        "per_page",
    ];
    if let Some(other) = others.iter().find(|k| ctx.q(k).is_some()) {
        return Err(ApiErr::bad_query(format!(
            "The q parameter cannot be used with {other}: use from and take alone."
        )));
    }
    if ctx.q("take").is_none() && ctx.q("from").is_none() {
        return Err(ApiErr::bad_query(
            "The q parameter requires checkpoint pagination: send take (and from for the next pages).",
        ));
    }
    let client_ids = |grants: &[Value]| -> Vec<String> {
        grants
            .iter()
            .filter_map(|g| g["client_id"].as_str().map(str::to_owned))
            .collect()
    };
    if let Some(org) = q.strip_prefix("client_grant.organization_id:") {
        let org = org.trim_matches('"');
        return Ok(client_ids(
            store.items(&format!("/organizations/{org}/client-grants")),
        ));
    }
    if q == "client_grant.allow_any_organization:true" {
        let grants: Vec<Value> = store
            .items(crate::store::GRANTS)
            .iter()
            .filter(|g| g["allow_any_organization"] == Value::Bool(true))
            .cloned()
            .collect();
        return Ok(client_ids(&grants));
    }
    Err(ApiErr::bad_query(format!(
        "The query '{q}' is not supported: q accepts client_grant.organization_id:{{id}} or client_grant.allow_any_organization:true."
    )))
}

pub(super) fn list_clients(ctx: &Ctx<'_>, store: &Store) -> Res {
    let app_types: Option<Vec<&str>> = ctx.q("app_type").map(|s| s.split(',').collect());
    let first_party = ctx.q("is_first_party").map(|v| v == "true");
    let by_grant = match ctx.q("q") {
        Some(q) => Some(clients_by_grant(ctx, store, q)?),
        None => None,
    };
    let items: Vec<Value> = store
        .items(crate::store::CLIENTS)
        .iter()
        .filter(|c| {
            by_grant.as_ref().is_none_or(|ids| {
                c["client_id"]
                    .as_str()
                    .is_some_and(|id| ids.iter().any(|i| i == id))
            })
        })
        .filter(|c| {
            app_types
                .as_ref()
                .is_none_or(|t| c["app_type"].as_str().is_some_and(|a| t.contains(&a)))
        })
        .filter(|c| first_party.is_none_or(|f| c["is_first_party"] == Value::Bool(f)))
        .cloned()
        .collect();
    paginate_keeping(
        ctx,
        items,
        "clients",
        false,
        Some("client_id"),
        crate::overrides::CLIENT_FIELDS_ALWAYS,
        false,
    )
}

pub(super) const CLIENT_PROPS: &[&str] = &[
    "name",
    "description",
    "logo_uri",
    "callbacks",
    "allowed_origins",
    "web_origins",
    "client_aliases",
    "allowed_clients",
    "allowed_logout_urls",
    "grant_types",
    "token_endpoint_auth_method",
    "app_type",
    "is_first_party",
    "oidc_conformant",
    "jwt_configuration",
    "encryption_key",
    "sso",
    "cross_origin_auth",
    "cross_origin_loc",
    "sso_disabled",
    "custom_login_page_on",
    "custom_login_page",
    "custom_login_page_preview",
    "form_template",
    "addons",
    "client_metadata",
    "mobile",
    "initiate_login_uri",
    "native_social_login",
    "refresh_token",
    "organization_usage",
    "organization_require_behavior",
    "client_authentication_methods",
    "require_pushed_authorization_requests",
    "oidc_logout",
    "callback_url_template",
    "is_token_endpoint_ip_header_trusted",
];

pub(super) const APP_TYPES: &[&str] = &[
    "native",
    "spa",
    "regular_web",
    "non_interactive",
    "resource_server",
    "express_configuration",
    "rms",
    "box",
    "cloudbees",
    "concur",
    "dropbox",
    "mscrm",
    "echosign",
    "egnyte",
    "newrelic",
    "office365",
    "salesforce",
    "sentry",
    "sharepoint",
    "slack",
    "springcm",
    "zendesk",
    "zoom",
    "sso_integration",
    "oag",
];

/// Checks a client body against the request schema of `op_id` (the description's properties,
/// and the older names of `CLIENT_PROPS` Auth0 still accepts).
pub(super) fn check_client_body(body: &Map<String, Value>, op_id: &str) -> Result<(), ApiErr> {
    only_described(body, op_id, CLIENT_PROPS)?;
    if let Some(t) = optional_str(body, "app_type")?
        && !APP_TYPES.contains(&t)
    {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'No enum match for: \"{t}\"' on property app_type (The type of application this client represents)."
        )));
    }
    for key in [
        "callbacks",
        "allowed_origins",
        "web_origins",
        "grant_types",
        "allowed_logout_urls",
    ] {
        if let Some(v) = body.get(key) {
            string_array(v, key)?;
        }
    }
    if let Some(n) = body.get("name").and_then(Value::as_str)
        && n.contains(['<', '>'])
    {
        return Err(ApiErr::bad_body(
            "Payload validation error: 'String does not match pattern: ^[^<>]+$' on property name (The name of the client. Must contain at least one character. Does not allow '<' or '>'.).",
        ));
    }
    Ok(())
}

pub(super) fn create_client(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    check_client_body(&body, "post_clients")?;
    let name = required_str(&body, "name")?.to_string();
    let app_type = body
        .get("app_type")
        .and_then(Value::as_str)
        .unwrap_or("regular_web")
        .to_string();
    let mut body = body;
    let methods = body.remove("client_authentication_methods");
    let id = seed::client_id();
    let mut client = seed::new_client(&name, &app_type, id.clone(), seed::client_secret());
    client["signing_keys"] = store.client_signing_keys();
    if app_type == "express_configuration" {
        express_configuration_defaults(&mut client);
    }
    merge_client(&mut client, body);
    // Back-channel logout URLs are also answered under their older name
    // (recordings/go-auth0/TestClient_CreateWithOIDCLogout.json).
    if let Some(urls) = client["oidc_logout"]
        .get("backchannel_logout_urls")
        .cloned()
        && let Some(o) = client.as_object_mut()
    {
        o.entry("oidc_backchannel_logout")
            .or_insert_with(|| json!({ "backchannel_logout_urls": urls }));
    }
    // A client of type `resource_server` is the client of the API it names, which reads it as
    // its `client_id` (recordings/go-auth0/TestClient_CreateLinkedToResourceServer.json).
    if app_type == "resource_server"
        && let Some(identifier) = client["resource_server_identifier"].as_str()
        && let Some(api) = store
            .items_mut(crate::store::RESOURCE_SERVERS)
            .iter_mut()
            .find(|a| a["identifier"].as_str() == Some(identifier))
        && let Some(o) = api.as_object_mut()
    {
        o.insert("client_id".into(), Value::String(id.clone()));
    }
    store.items_mut(crate::store::CLIENTS).push(client.clone());
    // Credentials given inline are registered as the credentials endpoint registers them, and
    // the answer shows each in full (recordings/go-auth0/
    // TestClient_CreateAllCredential_Should_create_PrivateJWT_Credential.json).
    if let Some(Value::Object(methods)) = methods {
        let mut shown = Map::new();
        for (method, spec) in methods {
            let mut created = Vec::new();
            for cred in spec["credentials"].as_array().into_iter().flatten() {
                let Some(cred) = cred.as_object() else {
                    continue;
                };
                match super::credentials::add_credential(store, &id, cred) {
                    Ok(c) => created.push(c),
                    Err(e) => {
                        // Nothing half-made stays behind.
                        store
                            .items_mut(crate::store::CLIENTS)
                            .retain(|c| c["client_id"].as_str() != Some(id.as_str()));
                        store.credentials.remove(&id);
                        return Err(e);
                    }
                }
            }
            shown.insert(method, json!({"credentials": created}));
        }
        store.sync_client_credentials(&id);
        if let Some(o) = client.as_object_mut() {
            o.insert("client_authentication_methods".into(), Value::Object(shown));
        }
    }
    Ok(json(StatusCode::CREATED, &client))
}

/// What Auth0 sets on a new client of type `express_configuration` (an Okta OIN Express
/// Configuration client): Okta's redirect, organizations required with a prompt, and
/// authentication by private key JWT with no credential yet, no client secret method
/// (recordings/go-auth0/TestClient_ExpressConfiguration.json creates one without them).
fn express_configuration_defaults(client: &mut Value) {
    let Some(o) = client.as_object_mut() else {
        return;
    };
    o.insert(
        "callbacks".into(),
        json!(["https://system-admin.okta.com/admin/app/generic/oauth20redirect"]),
    );
    o.insert(
        "grant_types".into(),
        json!(["authorization_code", "client_credentials"]),
    );
    o.insert("organization_usage".into(), json!("require"));
    o.insert(
        "organization_require_behavior".into(),
        json!("pre_login_prompt"),
    );
    o.remove("token_endpoint_auth_method");
    o.insert(
        "client_authentication_methods".into(),
        json!({"private_key_jwt": {"credentials": []}}),
    );
}

pub(super) fn update_client(ctx: &Ctx<'_>, store: &mut Store, id: &str) -> Res {
    let body = ctx.obj()?;
    let mut checked = body.clone();
    checked.remove("client_secret");
    check_client_body(&checked, "patch_clients_by_id")?;
    optional_str(&body, "name")?;
    optional_str(&body, "client_secret")?;
    let c =
        find_mut(store.items_mut(crate::store::CLIENTS), "client_id", id).ok_or_else(no_client)?;
    merge_client(c, body);
    Ok(json(StatusCode::OK, c))
}

/// Writes `body` into `client` as a create or an update does: each field sent replaces the
/// client's, except that a `jwt_configuration` sent without `secret_encoded` keeps the
/// client's (`false` on a new client), which Auth0 sets itself
/// (recordings/go-auth0/TestClientAuthenticationMethods_GetPrivateKeyJWT.json sends `{"alg"}`
/// on create and update and reads `secret_encoded: false` back each time, as does
/// TestClient_Update.json with `{"lifetime_in_seconds"}`).
fn merge_client(client: &mut Value, body: Map<String, Value>) {
    let secret_encoded = client["jwt_configuration"]["secret_encoded"]
        .as_bool()
        .unwrap_or(false);
    merge(client, body);
    if let Some(jwt) = client
        .get_mut("jwt_configuration")
        .and_then(Value::as_object_mut)
    {
        jwt.entry("secret_encoded")
            .or_insert(Value::Bool(secret_encoded));
    }
}

/// `POST /clients/cimd/preview` and `POST /clients/cimd/register`: a client described by a
/// Client ID Metadata Document. Auth0 fetches the document at `external_client_id`; the fake
/// tenant reaches no other host, so it maps what the URL itself gives (the client's name is
/// its host, as recordings/go-auth0/TestClient_CIMDFields.json reads a registered client) and
/// says so in the validation's `warnings`. A registration creates a third-party client
/// (`tpc_` id, authorization code without a secret at the token endpoint, as that recording
/// reads it) and answers 201, or updates the client registered with that URL and answers 200.
/// Both recorded answers of the register lack `mapped_fields` and `validation`; they hold
/// only `client_secret` and `signing_keys` beside the id, the same two fields a recorded list
/// of clients of that test is reduced to, which the recorder's redaction left: the
/// description's answer is followed.
pub(super) fn cimd(register: bool, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    let url = required_str(&body, "external_client_id")?.to_owned();
    let host = url
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            ApiErr::bad_body(format!(
                "Payload validation error: 'external_client_id' must be an absolute https URL (got {url:?})."
            ))
        })?;
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned();
    let mapped = json!({
        "external_client_id": url,
        "name": name,
        "app_type": "regular_web",
        "grant_types": ["authorization_code"],
        "token_endpoint_auth_method": "none",
    });
    let validation = json!({
        "valid": true,
        "violations": [],
        "warnings": [format!(
            "The fake tenant did not fetch {url}: it reaches no other host, so the client's fields are those its URL gives."
        )],
    });
    let existing = store
        .items(crate::store::CLIENTS)
        .iter()
        .position(|c| c["external_client_id"].as_str() == Some(url.as_str()));
    if !register {
        let mut answer = json!({"mapped_fields": mapped, "validation": validation});
        if let Some(i) = existing {
            answer["client_id"] = store.items(crate::store::CLIENTS)[i]["client_id"].clone();
        }
        return Ok(json(StatusCode::OK, &answer));
    }
    let (status, client_id) = match existing {
        Some(i) => {
            let client = &mut store.items_mut(crate::store::CLIENTS)[i];
            merge(client, mapped.as_object().cloned().unwrap_or_default());
            (
                StatusCode::OK,
                client["client_id"].as_str().unwrap_or_default().to_owned(),
            )
        }
        None => {
            let id = format!("tpc_{}", random_alnum(22));
            let mut client =
                seed::new_client(&name, "regular_web", id.clone(), seed::client_secret());
            client["signing_keys"] = store.client_signing_keys();
            merge(&mut client, mapped.as_object().cloned().unwrap_or_default());
            merge(
                &mut client,
                json!({
                    "callbacks": [],
                    "is_first_party": false,
                    "external_metadata_type": "cimd",
                    "external_metadata_created_by": "admin",
                    "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 3600,
                                          "secret_encoded": false},
                    "refresh_token": {"expiration_type": "expiring", "idle_token_lifetime": 1_296_000,
                                      "infinite_idle_token_lifetime": false,
                                      "infinite_token_lifetime": false, "leeway": 0,
                                      "rotation_type": "rotating", "token_lifetime": 2_592_000},
                })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            );
            store.items_mut(crate::store::CLIENTS).push(client);
            (StatusCode::CREATED, id)
        }
    };
    Ok(json(
        status,
        &json!({"client_id": client_id, "mapped_fields": mapped, "validation": validation}),
    ))
}
