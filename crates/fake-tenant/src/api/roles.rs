//! Roles: `/roles`, `/roles/{id}` and its permissions and users.

use super::base::*;
use super::links::{ids_in, link, permissions_in, same_permission, unlink};
use super::pagination::paginate;
use super::routes::Route;

/// Handles the role routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Roles, "GET") => {
            let items: Vec<Value> = store
                .items(crate::store::ROLES)
                .iter()
                .filter(|r| {
                    ctx.q("name_filter").is_none_or(|f| {
                        r["name"]
                            .as_str()
                            .is_some_and(|n| n.to_lowercase().contains(&f.to_lowercase()))
                    })
                })
                .cloned()
                .collect();
            paginate(ctx, items, "roles", false, None)
        }
        (Route::Roles, "POST") => {
            let body = ctx.obj()?;
            described_only(&body, "POST", "/roles")?;
            let name = required_str(&body, "name")?;
            let desc = optional_str(&body, "description")?.unwrap_or_default();
            if store
                .items(crate::store::ROLES)
                .iter()
                .any(|r| r["name"].as_str() == Some(name))
            {
                return Err(ApiErr::conflict("Role name already exists", None));
            }
            let role = json!({"id": format!("rol_{}", random_alnum(16)), "name": name, "description": desc});
            store.items_mut(crate::store::ROLES).push(role.clone());
            Ok(json(StatusCode::OK, &role))
        }
        (Route::Role(id), "GET") => {
            let r = find(store.items(crate::store::ROLES), "id", id).ok_or_else(no_role)?;
            Ok(json(StatusCode::OK, r))
        }
        (Route::Role(id), "PATCH") => {
            let body = ctx.obj()?;
            described_only(&body, "PATCH", "/roles/{id}")?;
            optional_str(&body, "name")?;
            optional_str(&body, "description")?;
            let r = find_mut(store.items_mut(crate::store::ROLES), "id", id).ok_or_else(no_role)?;
            merge(r, body);
            Ok(json(StatusCode::OK, r))
        }
        (Route::Role(id), "DELETE") => {
            find(store.items(crate::store::ROLES), "id", id).ok_or_else(no_role)?;
            store
                .items_mut(crate::store::ROLES)
                .retain(|r| r["id"].as_str() != Some(id.as_str()));
            store.role_permissions.remove(id);
            for roles in store.user_roles.values_mut() {
                roles.retain(|r| r != id);
            }
            Ok(json(StatusCode::OK, &json!({})))
        }
        (Route::RolePermissions(id), _) => role_permissions(ctx, store, id, m),
        (Route::RoleUsers(id), _) => role_users(ctx, store, id, m),
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn role_permissions(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(store.items(crate::store::ROLES), "id", id).ok_or_else(no_role)?;
    match m {
        "GET" => {
            let perms = store.role_permissions.get(id).cloned().unwrap_or_default();
            paginate(ctx, perms, "permissions", false, None)
        }
        "POST" => {
            let perms = permissions_in(ctx, store)?;
            link(&mut store.role_permissions, id, perms, same_permission);
            Ok(json(StatusCode::CREATED, &json!({})))
        }
        _ => {
            let perms = permissions_in(ctx, store)?;
            unlink(&mut store.role_permissions, id, &perms, same_permission);
            Ok(empty(StatusCode::NO_CONTENT))
        }
    }
}

/// The short user shape used by member and role-user lists.
pub(super) fn short_user(u: &Value) -> Value {
    json!({"user_id": u["user_id"], "email": u["email"], "picture": u["picture"], "name": u["name"]})
}

pub(super) fn role_users(ctx: &Ctx<'_>, store: &mut Store, id: &str, m: &str) -> Res {
    find(store.items(crate::store::ROLES), "id", id).ok_or_else(no_role)?;
    if m == "GET" {
        let users: Vec<Value> = store
            .items(crate::store::USERS)
            .iter()
            .filter(|u| {
                u["user_id"].as_str().is_some_and(|uid| {
                    store
                        .user_roles
                        .get(uid)
                        .is_some_and(|r| r.iter().any(|r| r == id))
                })
            })
            .map(short_user)
            .collect();
        return paginate(ctx, users, "users", false, Some("user_id"));
    }
    let ids = ids_in(ctx, "users")?;
    for u in &ids {
        find(store.items(crate::store::USERS), "user_id", u).ok_or_else(no_user)?;
    }
    for u in ids {
        link(&mut store.user_roles, &u, vec![id.to_string()], String::eq);
    }
    Ok(json(StatusCode::OK, &json!({})))
}
