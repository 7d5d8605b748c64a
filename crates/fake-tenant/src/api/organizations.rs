//! Organizations: `/organizations`, `/organizations/{id}`, `/organizations/name/{name}`,
//! `/organizations/{id}/members`.

use super::base::*;
use super::links::{ids_in, link, unlink};
use super::pagination::{paginate, paginate_list};
use super::roles::short_user;
use super::routes::Route;
use crate::util::IntoObject;

/// Handles the organization routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Orgs, "GET") => {
            let items = store.items(crate::store::ORGANIZATIONS).to_vec();
            paginate(ctx, items, "organizations", false, Some("id"))
        }
        (Route::Orgs, "POST") => create_org(ctx, store),
        (Route::Org(id), "GET") => {
            let o = find(store.items(crate::store::ORGANIZATIONS), "id", id).ok_or_else(no_org)?;
            Ok(json(StatusCode::OK, o))
        }
        (Route::Org(id), "PATCH") => {
            let body = ctx.obj()?;
            described_only(&body, "PATCH", "/organizations/{id}")?;
            if let Some(n) = optional_str(&body, "name")? {
                check_org_name(n)?;
                if store
                    .items(crate::store::ORGANIZATIONS)
                    .iter()
                    .any(|o| o["name"].as_str() == Some(n) && o["id"].as_str() != Some(id))
                {
                    return Err(org_conflict());
                }
            }
            optional_str(&body, "display_name")?;
            let o = find_mut(store.items_mut(crate::store::ORGANIZATIONS), "id", id)
                .ok_or_else(no_org)?;
            merge(o, body);
            Ok(json(StatusCode::OK, o))
        }
        (Route::Org(id), "DELETE") => {
            find(store.items(crate::store::ORGANIZATIONS), "id", id).ok_or_else(no_org)?;
            store
                .items_mut(crate::store::ORGANIZATIONS)
                .retain(|o| o["id"].as_str() != Some(id.as_str()));
            store.org_members.remove(id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::OrgByName(name), _) => {
            let o =
                find(store.items(crate::store::ORGANIZATIONS), "name", name).ok_or_else(no_org)?;
            Ok(json(StatusCode::OK, o))
        }
        (Route::OrgMembers(id), _) => org_members(ctx, store, id, m),
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn no_org() -> ApiErr {
    ApiErr::not_found("No organization found by that id or name", None)
}

pub(super) fn org_conflict() -> ApiErr {
    ApiErr::conflict("An organization with this name already exists.", None)
}

pub(super) fn check_org_name(name: &str) -> Result<(), ApiErr> {
    let ok = !name.is_empty()
        && name.len() <= 50
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiErr::bad_body(
            "Payload validation error: 'String does not match pattern: ^[a-z0-9]([a-z0-9\\-_]*[a-z0-9])?$' on property name (The name of this organization.).",
        ))
    }
}

pub(super) fn create_org(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    described_only(&body, "POST", "/organizations")?;
    let name = required_str(&body, "name")?;
    check_org_name(name)?;
    optional_str(&body, "display_name")?;
    if find(store.items(crate::store::ORGANIZATIONS), "name", name).is_some() {
        return Err(org_conflict());
    }
    let id = format!("org_{}", random_alnum(16));
    // Connections enabled by the create are the organization's enabled connections, each
    // answered with its connection's name and strategy and Auth0's `show_as_button`
    // (recordings/go-auth0/TestOrganizationManager_Create.json).
    let mut enabled = Vec::new();
    for entry in body
        .get("enabled_connections")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let connection_id = entry
            .get("connection_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiErr::bad_body(
                    "Payload validation error: 'Missing required property: connection_id' on property enabled_connections.",
                )
            })?;
        let conn = find(store.items(crate::store::CONNECTIONS), "id", connection_id)
            .ok_or_else(|| ApiErr::not_found("The connection does not exist", None))?;
        let mut item = json!({"assign_membership_on_login": false, "show_as_button": true,
                              "connection": {"name": conn["name"], "strategy": conn["strategy"]}});
        if let (Some(o), Some(sent)) = (item.as_object_mut(), entry.as_object()) {
            o.extend(sent.clone());
        }
        enabled.push(item);
    }
    let mut org = json!({ "id": id });
    let body: Map<String, Value> = body
        .into_iter()
        .filter(|(k, _)| k != "enabled_connections")
        .into_object();
    merge(&mut org, body);
    store
        .items_mut(crate::store::ORGANIZATIONS)
        .push(org.clone());
    let mut answer = org;
    if !enabled.is_empty() {
        store.collections.insert(
            format!("/organizations/{id}/enabled_connections"),
            enabled.clone(),
        );
        answer["enabled_connections"] = Value::Array(enabled);
    }
    Ok(json(StatusCode::CREATED, &answer))
}

pub(super) fn org_members(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(store.items(crate::store::ORGANIZATIONS), "id", id).ok_or_else(no_org)?;
    match m {
        "GET" => {
            let ids = store.org_members.get(id).cloned().unwrap_or_default();
            let members: Vec<Value> = ids
                .iter()
                .filter_map(|u| {
                    find(store.items(crate::store::USERS), "user_id", u).map(short_user)
                })
                .collect();
            paginate_list(
                ctx,
                members,
                "members",
                "user_id",
                "/organizations/{id}/members",
            )
        }
        "POST" => {
            let ids = ids_in(ctx, "members")?;
            for u in &ids {
                find(store.items(crate::store::USERS), "user_id", u).ok_or_else(no_user)?;
            }
            link(&mut store.org_members, id, ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            let ids = ids_in(ctx, "members")?;
            unlink(&mut store.org_members, id, &ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// `POST /organizations/{id}/client-grants`: associates a client grant of the tenant with the
/// organization; the answer, and the organization's list, show the grant itself.
pub(super) fn associate_client_grant(ctx: &Ctx<'_>, store: &mut Store, org_id: &str) -> Res {
    let body = ctx.obj()?;
    only_props(&body, &["grant_id"])?;
    let grant_id = required_str(&body, "grant_id")?;
    let grant = find(store.items(crate::store::GRANTS), "id", grant_id)
        .cloned()
        .ok_or_else(|| ApiErr::not_found("The client grant does not exist.", None))?;
    let mut item = json!({"id": grant_id});
    for k in [
        "client_id",
        "audience",
        "scope",
        "organization_usage",
        "allow_any_organization",
    ] {
        if let Some(v) = grant.get(k) {
            item[k] = v.clone();
        }
    }
    let path = format!("/organizations/{org_id}/client-grants");
    let items = store.items_mut(&path);
    items.retain(|i| i["id"].as_str() != Some(grant_id));
    items.push(item.clone());
    // The answer names the grant `grant_id` where the list (and the description) say `id`
    // (recordings/go-auth0/TestClientGrantManager_Organizations.json).
    if let Some(o) = item.as_object_mut()
        && let Some(id) = o.remove("id")
    {
        o.insert("grant_id".into(), id);
    }
    Ok(json(StatusCode::CREATED, &item))
}
