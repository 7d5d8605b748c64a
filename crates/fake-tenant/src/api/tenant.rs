//! Tenant settings: `/tenants/settings`.

use super::base::*;
use super::pagination::select_fields;
use super::routes::Route;

/// Handles the tenant settings routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::TenantSettings, "GET") => Ok(json(
            StatusCode::OK,
            &select_fields(
                ctx,
                store
                    .singleton(crate::store::TENANT_SETTINGS)
                    .cloned()
                    .unwrap_or_else(|| json!({})),
            ),
        )),
        (Route::TenantSettings, _) => {
            let body = ctx.obj()?;
            if let Some(n) = body.get("friendly_name")
                && !n.is_string()
            {
                return Err(ApiErr::bad_body(format!(
                    "Payload validation error: 'Expected type string but found type {}' on property friendly_name (The friendly name of the tenant).",
                    type_name(n)
                )));
            }
            let settings = store.singleton_mut(crate::store::TENANT_SETTINGS);
            if !settings.is_object() {
                *settings = json!({});
            }
            for (k, v) in body {
                match (&mut settings[&k], v) {
                    (Value::Object(existing), Value::Object(new)) if k == "flags" => {
                        existing.extend(new);
                    }
                    (slot, v) => *slot = v,
                }
            }
            Ok(json(StatusCode::OK, settings))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}
