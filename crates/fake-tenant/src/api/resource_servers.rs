//! Resource servers: `/resource-servers`, `/resource-servers/{id}`.

use super::base::*;
use super::pagination::{paginate, select_fields};
use super::routes::Route;

/// Handles the resource server routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::ResourceServers, "GET") => {
            let items = store.items(crate::store::RESOURCE_SERVERS).to_vec();
            paginate(ctx, items, "resource_servers", false, Some("id"))
        }
        (Route::ResourceServers, "POST") => create_resource_server(ctx, store),
        (Route::ResourceServer(id), "GET") => {
            let rs = find_rs(store.items(crate::store::RESOURCE_SERVERS), id).ok_or_else(no_rs)?;
            Ok(json(StatusCode::OK, &select_fields(ctx, rs.clone())))
        }
        (Route::ResourceServer(id), "PATCH") => {
            let body = ctx.obj()?;
            if body.contains_key("identifier") {
                return Err(ApiErr::bad_body(
                    "Payload validation error: 'Additional properties not allowed: identifier'.",
                ));
            }
            if let Some(s) = body.get("scopes")
                && !s.is_array()
            {
                return Err(ApiErr::bad_body(format!(
                    "Payload validation error: 'Expected type array but found type {}' on property scopes.",
                    type_name(s)
                )));
            }
            let pos = store
                .items(crate::store::RESOURCE_SERVERS)
                .iter()
                .position(|r| r["id"].as_str() == Some(id) || r["identifier"].as_str() == Some(id))
                .ok_or_else(no_rs)?;
            let rs = &mut store.items_mut(crate::store::RESOURCE_SERVERS)[pos];
            if rs["is_system"] == Value::Bool(true) {
                if !is_management_api(rs) {
                    // Auth0's other system APIs refuse updates too, with a 400
                    // (recordings/go-auth0/TestResourceServer_ExpressConfiguration.json).
                    return Err(ApiErr(
                        StatusCode::BAD_REQUEST,
                        "A system API cannot be updated".into(),
                        Some("operation_not_supported"),
                    ));
                }
                return Err(ApiErr(
                    StatusCode::FORBIDDEN,
                    "You cannot update the Auth0 Management API".into(),
                    Some("operation_not_supported"),
                ));
            }
            merge(rs, body);
            Ok(json(StatusCode::OK, rs))
        }
        (Route::ResourceServer(id), "DELETE") => {
            if let Some(rs) = find_rs(store.items(crate::store::RESOURCE_SERVERS), id) {
                if is_management_api(rs) {
                    return Err(ApiErr(
                        StatusCode::BAD_REQUEST,
                        "You cannot delete the Auth0 Management API".into(),
                        Some("operation_not_supported"),
                    ));
                }
                let identifier = rs["identifier"].clone();
                store.items_mut(crate::store::RESOURCE_SERVERS).retain(|r| {
                    r["id"].as_str() != Some(id) && r["identifier"].as_str() != Some(id)
                });
                store
                    .items_mut(crate::store::GRANTS)
                    .retain(|g| g["audience"] != identifier);
            }
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

/// Whether `rs` is the tenant's Management API (a system API that cannot be deleted, unlike
/// the system APIs a tenant creates on request).
fn is_management_api(rs: &Value) -> bool {
    rs["is_system"] == Value::Bool(true)
        && rs["identifier"]
            .as_str()
            .is_some_and(|i| i.ends_with("/api/v2/"))
}

pub(super) fn find_rs<'v>(items: &'v [Value], id: &str) -> Option<&'v Value> {
    items
        .iter()
        .find(|r| r["id"].as_str() == Some(id) || r["identifier"].as_str() == Some(id))
}

pub(super) fn no_rs() -> ApiErr {
    ApiErr::not_found(
        "The resource server does not exist",
        Some("inexistent_resource_server"),
    )
}

pub(super) fn create_resource_server(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    let identifier = required_str(&body, "identifier")?.to_string();
    optional_str(&body, "name")?;
    if let Some(s) = body.get("scopes") {
        let ok = s.as_array().is_some_and(|a| {
            a.iter()
                .all(|e| e.get("value").is_some_and(Value::is_string))
        });
        if !ok {
            return Err(ApiErr::bad_body(
                "Payload validation error: 'Expected type array of {value, description}' on property scopes.",
            ));
        }
    }
    if find(
        store.items(crate::store::RESOURCE_SERVERS),
        "identifier",
        &identifier,
    )
    .is_some()
    {
        return Err(ApiErr::conflict(
            "A resource server with the same identifier already exists",
            Some("operation_not_supported"),
        ));
    }
    if let Some(api) = crate::overrides::system_api(&identifier, &ctx.app.domain) {
        let mut rs: Value = serde_json::from_str(api.fields).unwrap_or_else(|_| json!({}));
        // What the request sends beside the system API's own fields is kept (a policy); its
        // name and settings are Auth0's.
        for (k, v) in body {
            if rs.get(&k).is_none() {
                rs[k] = v;
            }
        }
        rs["id"] = json!(random_hex(24));
        rs["identifier"] = json!(identifier);
        store
            .items_mut(crate::store::RESOURCE_SERVERS)
            .push(rs.clone());
        return Ok(json(StatusCode::CREATED, &rs));
    }
    let mut rs = json!({
        "id": random_hex(24),
        "name": identifier,
        "identifier": identifier,
        "allow_offline_access": false,
        "skip_consent_for_verifiable_first_party_clients": false,
        "token_lifetime": 86400,
        "token_lifetime_for_web": 7200,
        "signing_alg": "RS256",
        "scopes": [],
    });
    merge(&mut rs, body);
    store
        .items_mut(crate::store::RESOURCE_SERVERS)
        .push(rs.clone());
    Ok(json(StatusCode::CREATED, &rs))
}
