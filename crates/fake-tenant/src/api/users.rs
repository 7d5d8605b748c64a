//! Users: `/users`, `/users/{id}` and its roles, permissions and organizations, `/users-by-email`,
//! `/user-blocks/{id}`.

use super::base::*;
use super::links::{ids_in, link, permissions_in, same_permission, unlink};
use super::pagination::{list_params, offset_page, paginate, select_fields};
use super::routes::Route;
use super::search::{SEARCH_CAP, search};
use crate::util::IntoObject;

/// Handles the user routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Users, "GET") => list_users(ctx, store),
        (Route::Users, "POST") => create_user(ctx, store),
        (Route::User(id), "GET") => {
            let u = find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
            Ok(json(StatusCode::OK, &select_fields(ctx, u.clone())))
        }
        (Route::User(id), "PATCH") => update_user(ctx, store, id),
        (Route::User(id), "DELETE") => {
            store
                .items_mut(crate::store::USERS)
                .retain(|u| u["user_id"].as_str() != Some(id.as_str()));
            store.user_roles.remove(id);
            store.user_permissions.remove(id);
            for members in store.org_members.values_mut() {
                members.retain(|m| m != id);
            }
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::UsersByEmail, _) => {
            let email = ctx.q("email").ok_or_else(|| {
                ApiErr::bad_query("Query validation error: 'Missing required property: email'.")
            })?;
            let email = email.to_lowercase();
            let users: Vec<Value> = store
                .items(crate::store::USERS)
                .iter()
                .filter(|u| u["email"].as_str().map(str::to_lowercase) == Some(email.clone()))
                .map(|u| select_fields(ctx, u.clone()))
                .collect();
            Ok(json(StatusCode::OK, &Value::Array(users)))
        }
        (Route::UserRoles(id), _) => user_roles(ctx, store, id, m),
        (Route::UserPermissions(id), _) => user_permissions(ctx, store, id, m),
        (Route::UserOrgs(id), _) => {
            // The organizations whose members (`/organizations/{id}/members`) hold the user.
            find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
            let orgs: Vec<Value> = store
                .items(crate::store::ORGANIZATIONS)
                .iter()
                .filter(|o| {
                    o["id"].as_str().is_some_and(|org| {
                        store
                            .org_members
                            .get(org)
                            .is_some_and(|members| members.iter().any(|u| u == id))
                    })
                })
                .cloned()
                .collect();
            paginate(ctx, orgs, "organizations", false, None)
        }
        (Route::UserBlocks(id), "GET") => {
            find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
            let blocks = store.user_blocks.get(id).cloned().unwrap_or_default();
            Ok(json(StatusCode::OK, &json!({"blocked_for": blocks})))
        }
        (Route::UserBlocks(id), _) => {
            find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
            store.user_blocks.remove(id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (Route::UserIdentities(id), "POST") => link_identity(ctx, store, id),
        (Route::UserIdentity(id, provider, secondary), "DELETE") => {
            unlink_identity(store, id, provider, secondary)
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn list_users(ctx: &Ctx<'_>, store: &Store) -> Res {
    let p = list_params(ctx)?;
    if ctx
        .q("search_engine")
        .is_some_and(|e| e != "v3" && e != "v2")
    {
        return Err(ApiErr::bad_query(
            "Query validation error: 'No enum match for: \"v1\"' on property search_engine (The version of the search engine).",
        ));
    }
    if p.page.saturating_mul(p.per_page).saturating_add(p.per_page) > SEARCH_CAP && p.per_page > 0 {
        return Err(ApiErr(
            StatusCode::BAD_REQUEST,
            "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation".into(),
            Some("invalid_paging"),
        ));
    }
    let mut items = search(store.items(crate::store::USERS), ctx.q("q"))?;
    if let Some(sort) = ctx.q("sort") {
        let (field, dir) = sort.split_once(':').unwrap_or((sort, "1"));
        items.sort_by(|a, b| {
            let ord = a[field].to_string().cmp(&b[field].to_string());
            if dir == "-1" { ord.reverse() } else { ord }
        });
    }
    let items: Vec<Value> = items.into_iter().map(|v| select_fields(ctx, v)).collect();
    Ok(json(
        StatusCode::OK,
        &offset_page(items, "users", &p, true, Some(SEARCH_CAP)),
    ))
}

/// Refuses a create (`method` POST) or update (PATCH) body outside the description's schema, or
/// with a property of the wrong type.
pub(super) fn check_user_body(body: &Map<String, Value>, method: &str) -> Result<(), ApiErr> {
    if method == "POST" {
        described_only(body, "POST", "/users")?;
    } else {
        described_only(body, "PATCH", "/users/{id}")?;
    }
    for key in [
        "email",
        "name",
        "nickname",
        "given_name",
        "family_name",
        "username",
        "password",
        "connection",
        "picture",
    ] {
        optional_str(body, key)?;
    }
    for key in [
        "email_verified",
        "blocked",
        "verify_email",
        "phone_verified",
    ] {
        if let Some(v) = body.get(key)
            && !v.is_boolean()
        {
            return Err(ApiErr::bad_body(format!(
                "Payload validation error: 'Expected type boolean but found type {}' on property {key}.",
                type_name(v)
            )));
        }
    }
    if let Some(e) = body.get("email").and_then(Value::as_str)
        && (!e.contains('@') || e.starts_with('@') || e.ends_with('@'))
    {
        return Err(ApiErr::bad_body(
            "Payload validation error: 'Object didn't pass validation for format email: "
                .to_string()
                + e
                + "' on property email (The user's email).",
        ));
    }
    for key in ["user_metadata", "app_metadata"] {
        if let Some(v) = body.get(key)
            && !v.is_object()
        {
            return Err(ApiErr::bad_body(format!(
                "Payload validation error: 'Expected type object but found type {}' on property {key}.",
                type_name(v)
            )));
        }
    }
    Ok(())
}

pub(super) fn create_user(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    check_user_body(&body, "POST")?;
    let connection = required_str(&body, "connection")?.to_string();
    let conn =
        find(store.items(crate::store::CONNECTIONS), "name", &connection).ok_or_else(|| {
            ApiErr(
                StatusCode::BAD_REQUEST,
                "The connection does not exist.".into(),
                Some("inexistent_connection"),
            )
        })?;
    let strategy = conn["strategy"].as_str().unwrap_or("").to_string();
    let email = required_str(&body, "email")?.to_string();
    if strategy == "auth0" {
        required_str(&body, "password")?;
    }
    if store.items(crate::store::USERS).to_vec().iter().any(|u| {
        u["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase())
            && u["identities"][0]["connection"].as_str() == Some(connection.as_str())
    }) {
        return Err(ApiErr::conflict(
            "The user already exists.",
            Some("auth0_idp_error"),
        ));
    }
    let mut user = seed::new_user(&email, &connection, now_ms());
    if let Some(o) = user.as_object_mut() {
        if strategy != "auth0" {
            o.insert(
                "identities".into(),
                json!([{"connection": connection, "provider": strategy,
                "user_id": random_hex(24), "isSocial": strategy != "email" && strategy != "sms"}]),
            );
        }
        if let Some(custom) = body.get("user_id").and_then(Value::as_str) {
            let provider = if strategy == "auth0" {
                "auth0"
            } else {
                strategy.as_str()
            };
            o.insert("user_id".into(), json!(format!("{provider}|{custom}")));
            o["identities"][0]["user_id"] = json!(custom);
        }
        for (k, v) in body {
            if matches!(
                k.as_str(),
                "connection"
                    | "password"
                    | "verify_email"
                    | "user_id"
                    | "client_id"
                    | "verify_phone_number"
                    | "verify_password"
            ) {
                continue;
            }
            o.insert(k, v);
        }
    }
    let uid = user["user_id"].as_str().unwrap_or_default();
    if find(store.items(crate::store::USERS), "user_id", uid).is_some() {
        return Err(ApiErr::conflict(
            "The user already exists.",
            Some("auth0_idp_error"),
        ));
    }
    store.items_mut(crate::store::USERS).push(user.clone());
    Ok(json(StatusCode::CREATED, &user))
}

pub(super) fn update_user(ctx: &Ctx<'_>, store: &mut Store, id: &str) -> Res {
    let body = ctx.obj()?;
    check_user_body(&body, "PATCH")?;
    let u = find_mut(store.items_mut(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
    let now = json!(iso8601(now_ms()));
    if body.contains_key("password") {
        // A password set by the Management API is a reset (recordings/go-auth0/
        // TestUserManager_Update.json reads `last_password_reset` after one).
        u["last_password_reset"] = now.clone();
    }
    for (k, v) in body {
        match k.as_str() {
            "connection"
            | "password"
            | "verify_email"
            | "client_id"
            | "user_id"
            | "verify_phone_number"
            | "verify_password" => {}
            "user_metadata" | "app_metadata" => {
                if let (Some(existing), Value::Object(new)) = (u[&k].as_object_mut(), &v) {
                    for (mk, mv) in new {
                        if mv.is_null() {
                            existing.remove(mk);
                        } else {
                            existing.insert(mk.clone(), mv.clone());
                        }
                    }
                } else {
                    u[&k] = v;
                }
            }
            _ => u[&k] = v,
        }
    }
    u["updated_at"] = now;
    Ok(json(StatusCode::OK, u))
}

pub(super) fn user_roles(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
    match m {
        "GET" => {
            let ids = store.user_roles.get(id).cloned().unwrap_or_default();
            let roles: Vec<Value> = ids
                .iter()
                .filter_map(|r| find(store.items(crate::store::ROLES), "id", r).cloned())
                .collect();
            paginate(ctx, roles, "roles", false, None)
        }
        "POST" => {
            let ids = ids_in(ctx, "roles")?;
            for r in &ids {
                find(store.items(crate::store::ROLES), "id", r).ok_or_else(no_role)?;
            }
            link(&mut store.user_roles, id, ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => {
            let ids = ids_in(ctx, "roles")?;
            unlink(&mut store.user_roles, id, &ids, String::eq);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

pub(super) fn user_permissions(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
    match m {
        "GET" => {
            let mut out: Vec<Value> = Vec::new();
            let direct = store.user_permissions.get(id).cloned().unwrap_or_default();
            for mut p in direct {
                p["sources"] =
                    json!([{"source_id": "", "source_name": "", "source_type": "DIRECT"}]);
                out.push(p);
            }
            for role_id in store.user_roles.get(id).cloned().unwrap_or_default() {
                let role_name = find(store.items(crate::store::ROLES), "id", &role_id)
                    .map(|r| r["name"].clone())
                    .unwrap_or(Value::Null);
                for p in store
                    .role_permissions
                    .get(&role_id)
                    .cloned()
                    .unwrap_or_default()
                {
                    let src = json!({"source_id": role_id, "source_name": role_name, "source_type": "ROLE"});
                    if let Some(existing) = out.iter_mut().find(|e| same_permission(e, &p)) {
                        if let Some(a) = existing["sources"].as_array_mut() {
                            a.push(src);
                        }
                    } else {
                        let mut p = p;
                        p["sources"] = json!([src]);
                        out.push(p);
                    }
                }
            }
            paginate(ctx, out, "permissions", false, None)
        }
        "POST" => {
            let perms = permissions_in(ctx, store)?;
            link(&mut store.user_permissions, id, perms, same_permission);
            Ok(json(StatusCode::CREATED, &json!({})))
        }
        _ => {
            let perms = permissions_in(ctx, store)?;
            unlink(&mut store.user_permissions, id, &perms, same_permission);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// The profile fields a linked identity keeps as its `profileData`
/// (recordings/go-auth0/TestUserManager_Link.json).
const PROFILE_DATA: &[&str] = &[
    "email",
    "email_verified",
    "name",
    "nickname",
    "given_name",
    "family_name",
    "picture",
    "username",
    "phone_number",
    "phone_verified",
];

/// `POST /users/{id}/identities`: links the user `provider|user_id` to `id` as Auth0 does: the
/// secondary user's identity, with its profile as `profileData`, joins the primary user's
/// identities, and the secondary user is no longer a user of its own. Answers 201 and the
/// primary user's identities.
fn link_identity(ctx: &Ctx<'_>, store: &mut Store, id: &str) -> Res {
    let body = ctx.obj()?;
    described_only(&body, "POST", "/users/{id}/identities")?;
    if body.contains_key("link_with") {
        return Err(ApiErr::bad_body(
            "The fake tenant cannot verify a `link_with` ID token: link by `provider` and `user_id` instead.",
        ));
    }
    let provider = required_str(&body, "provider")?.to_owned();
    let secondary = match body.get("user_id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ApiErr::bad_body(
                "Payload validation error: 'Missing required property: user_id'.",
            ));
        }
    };
    let secondary_id = if secondary.contains('|') {
        secondary
    } else {
        format!("{provider}|{secondary}")
    };
    find(store.items(crate::store::USERS), "user_id", id).ok_or_else(no_user)?;
    if secondary_id == id {
        return Err(ApiErr::bad_body(
            "Main identity and the new one are the same.",
        ));
    }
    let users = store.items_mut(crate::store::USERS);
    let at = users
        .iter()
        .position(|u| u["user_id"].as_str() == Some(secondary_id.as_str()))
        .ok_or_else(|| ApiErr::bad_body("The secondary user does not exist."))?;
    let linked = users.remove(at);
    let profile: Map<String, Value> = PROFILE_DATA
        .iter()
        .filter_map(|k| linked.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .into_object();
    let mut identities: Vec<Value> = linked["identities"].as_array().cloned().unwrap_or_default();
    if let Some(first) = identities.first_mut().and_then(Value::as_object_mut) {
        first.insert("profileData".into(), Value::Object(profile));
    }
    let primary = find_mut(users, "user_id", id).ok_or_else(no_user)?;
    let primary_profile: Map<String, Value> = PROFILE_DATA
        .iter()
        .filter_map(|k| primary.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .into_object();
    let list = primary
        .as_object_mut()
        .map(|o| o.entry("identities").or_insert_with(|| json!([])));
    if let Some(Value::Array(list)) = list {
        list.extend(identities);
    }
    // The answer shows the primary identity's profile too (the user's own read does not).
    let mut answer = primary["identities"].clone();
    if let Some(first) = answer.get_mut(0).and_then(Value::as_object_mut) {
        first.insert("profileData".into(), Value::Object(primary_profile));
    }
    Ok(json(StatusCode::CREATED, &answer))
}

/// `DELETE /users/{id}/identities/{provider}/{user_id}`: unlinks an identity; it becomes a user
/// of its own again, with its profile. Answers 200 and the primary user's remaining identities.
fn unlink_identity(store: &mut Store, id: &str, provider: &str, secondary: &str) -> Res {
    let secondary = secondary
        .strip_prefix(&format!("{provider}|"))
        .unwrap_or(secondary);
    let users = store.items_mut(crate::store::USERS);
    let primary = find_mut(users, "user_id", id).ok_or_else(no_user)?;
    let Some(list) = primary["identities"].as_array_mut() else {
        return Err(no_user());
    };
    let at = list
        .iter()
        .skip(1)
        .position(|i| {
            i["provider"].as_str() == Some(provider)
                && (i["user_id"].as_str() == Some(secondary)
                    || i["user_id"]
                        .as_u64()
                        .is_some_and(|n| n.to_string() == secondary))
        })
        .map(|i| i + 1)
        .ok_or_else(|| ApiErr::not_found("The identity does not exist.", None))?;
    let mut identity = list.remove(at);
    let mut remaining = Value::Array(list.clone());
    // As after a link, the answer shows the primary identity's profile
    // (recordings/go-auth0/TestUserManager_Unlink.json).
    let primary_profile: Map<String, Value> = PROFILE_DATA
        .iter()
        .filter_map(|k| primary.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .into_object();
    if let Some(first) = remaining.get_mut(0).and_then(Value::as_object_mut) {
        first.insert("profileData".into(), Value::Object(primary_profile));
    }
    let profile = identity
        .as_object_mut()
        .and_then(|o| o.remove("profileData"))
        .unwrap_or_else(|| json!({}));
    let now = iso8601(now_ms());
    let mut user = json!({"user_id": format!("{provider}|{secondary}"), "identities": [identity],
                          "created_at": now, "updated_at": now});
    if let (Some(o), Value::Object(profile)) = (user.as_object_mut(), profile) {
        o.extend(profile);
    }
    users.push(user);
    Ok(json(StatusCode::OK, &remaining))
}
