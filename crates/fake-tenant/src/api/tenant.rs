//! Tenant settings: `/tenants/settings`.

use super::base::*;
use super::pagination::select_fields_keeping;
use super::routes::Route;

/// Handles the tenant settings routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::TenantSettings, "GET") => Ok(json(
            StatusCode::OK,
            &select_fields_keeping(
                ctx,
                store
                    .singleton(crate::store::TENANT_SETTINGS)
                    .cloned()
                    .unwrap_or_else(|| json!({})),
                crate::overrides::TENANT_SETTINGS_FIELDS_ALWAYS,
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
            let mut body = body;
            for (minutes, hours) in crate::overrides::SETTINGS_IN_MINUTES {
                if let Some(v) = body.remove(*minutes) {
                    body.insert((*hours).to_owned(), in_hours(&v, minutes)?);
                }
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

/// A number of minutes as hours, whole hours as an integer (`10080` minutes are `168`), others
/// as a fraction (`15` are `0.25`), as Auth0 answers them.
fn in_hours(minutes: &Value, field: &str) -> Result<Value, ApiErr> {
    let n = minutes.as_i64().ok_or_else(|| {
        ApiErr::bad_body(format!(
            "Payload validation error: 'Expected type integer but found type {}' on property {field}.",
            type_name(minutes)
        ))
    })?;
    if n < 1 {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'Value {n} is less than minimum 1' on property {field}."
        )));
    }
    Ok(if n % 60 == 0 {
        Value::from(n / 60)
    } else {
        Value::from(n as f64 / 60.0)
    })
}
