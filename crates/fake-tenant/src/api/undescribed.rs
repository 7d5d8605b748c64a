//! Routes Auth0 serves, as recorded, that the API description lacks
//! ([`UNDESCRIBED_ROUTES`](crate::overrides::UNDESCRIBED_ROUTES)): settings and a list, kept in
//! the one store like every other.

use super::base::{Ctx, Res};
use crate::overrides::{Undescribed, UndescribedRoute};
use crate::resp::{empty, json};
use crate::state::Store;
use http::StatusCode;
use serde_json::{Map, Value};

/// The scope `method` on `route` needs.
pub(super) fn scope(route: &UndescribedRoute, method: &str) -> &'static str {
    if method == "GET" {
        route.read_scope
    } else {
        route.write_scope
    }
}

/// Whether `route` answers `method`.
pub(super) fn serves(route: &UndescribedRoute, method: &str) -> bool {
    match route.kind {
        Undescribed::Setting(_) => matches!(method, "GET" | "PUT" | "PATCH"),
        Undescribed::List => matches!(method, "GET" | "POST"),
    }
}

/// Answers `method` on `route`.
pub(super) fn handle(
    route: &UndescribedRoute,
    method: &str,
    ctx: &Ctx<'_>,
    store: &mut Store,
) -> Res {
    match route.kind {
        Undescribed::Setting(fresh) => {
            let setting = store.singleton_mut(route.path);
            if setting.is_null() {
                *setting =
                    serde_json::from_str(fresh).unwrap_or_else(|_| Value::Object(Map::new()));
            }
            match method {
                "PUT" => *setting = Value::Object(ctx.obj()?),
                "PATCH" => {
                    let body = ctx.obj()?;
                    if let Some(o) = setting.as_object_mut() {
                        o.extend(body);
                    }
                }
                _ => {
                    // A read adds what Auth0 reads back though the last write left it out.
                    let mut read = setting.clone();
                    if let (Some(o), Some(defaults)) = (
                        read.as_object_mut(),
                        crate::overrides::read_defaults(route.path).and_then(|d| {
                            serde_json::from_str::<Map<String, Value>>(d.fields).ok()
                        }),
                    ) {
                        for (k, v) in defaults {
                            o.entry(k).or_insert(v);
                        }
                    }
                    return Ok(json(StatusCode::OK, &read));
                }
            }
            Ok(json(StatusCode::OK, setting))
        }
        Undescribed::List => {
            if method == "POST" {
                let body = ctx.obj()?;
                store.items_mut(route.path).push(Value::Object(body));
                return Ok(empty(StatusCode::NO_CONTENT));
            }
            let items: Vec<Value> = store
                .items(route.path)
                .iter()
                .filter(|item| {
                    ctx.query.iter().all(|(k, v)| {
                        item.get(k)
                            .is_none_or(|held| held.as_str() == Some(v.as_str()))
                    })
                })
                .cloned()
                .collect();
            Ok(json(StatusCode::OK, &Value::Array(items)))
        }
    }
}
