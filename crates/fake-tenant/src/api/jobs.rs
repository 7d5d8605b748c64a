//! Jobs: `/jobs/users-exports`, `/jobs/users-imports`, `/jobs/{id}`.

use super::base::*;
use super::connections::connection_by_id;
use super::multipart::multipart_parts;
use super::routes::Route;

/// Handles the job routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::JobsExport, _) => export_job(ctx, store),
        (Route::JobsImport, _) => import_job(ctx, store),
        (Route::Job(id), _) => {
            let job = find_mut(store.items_mut(crate::store::JOBS), "id", id).ok_or_else(|| {
                ApiErr::not_found("The job does not exist", Some("inexistent_job"))
            })?;
            let out = advance_job(job, &ctx.app.base_url);
            Ok(json(StatusCode::OK, &out))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn export_job(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = if ctx.body.is_empty() {
        Map::new()
    } else {
        ctx.obj()?
    };
    described_only(&body, "POST", "/jobs/users-exports")?;
    let format = optional_str(&body, "format")?.unwrap_or("csv").to_string();
    if format != "csv" && format != "json" {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'No enum match for: \"{format}\"' on property format."
        )));
    }
    let mut job = json!({
        "id": format!("job_{}", random_alnum(16)),
        "type": "users_export",
        "status": "pending",
        "format": format,
        "created_at": iso8601(now_ms()),
        "created_ms": now_ms(),
    });
    if let Some(cid) = optional_str(&body, "connection_id")? {
        let conn = connection_by_id(store, cid)?;
        job["connection_id"] = json!(cid);
        job["connection"] = conn["name"].clone();
    }
    if let Some(l) = body.get("limit") {
        job["limit"] = l.clone();
    }
    if let Some(f) = body.get("fields") {
        job["fields"] = f.clone();
    }
    store.items_mut(crate::store::JOBS).push(job.clone());
    Ok(json(StatusCode::OK, &public_job(&job)))
}

pub(super) fn import_job(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    if !ctx
        .content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ApiErr::bad_body(
            "Payload validation error: 'Expected content type multipart/form-data'.",
        ));
    }
    let parts = multipart_parts(&ctx.content_type, &ctx.body)
        .ok_or_else(|| ApiErr::bad_body("Invalid multipart/form-data payload"))?;
    let field = |n: &str| parts.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let users = field("users").ok_or_else(|| {
        ApiErr::bad_body("Payload validation error: 'Missing required property: users'.")
    })?;
    let users: Value = serde_json::from_slice(&users).map_err(|_| {
        ApiErr::bad_body("Users file must be an array of user objects in JSON format")
    })?;
    let count = users.as_array().map_or(0, Vec::len);
    if !users.is_array() {
        return Err(ApiErr::bad_body(
            "Users file must be an array of user objects in JSON format",
        ));
    }
    let cid = field("connection_id")
        .map(|v| String::from_utf8_lossy(&v).trim().to_string())
        .ok_or_else(|| {
            ApiErr::bad_body(
                "Payload validation error: 'Missing required property: connection_id'.",
            )
        })?;
    let conn = connection_by_id(store, &cid)?;
    let mut job = json!({
        "id": format!("job_{}", random_alnum(16)),
        "type": "users_import",
        "status": "pending",
        "connection_id": cid,
        "connection": conn["name"],
        "created_at": iso8601(now_ms()),
        "summary_total": count,
        "created_ms": now_ms(),
    });
    if let Some(ext) = field("external_id") {
        job["external_id"] = json!(String::from_utf8_lossy(&ext).trim());
    }
    store.items_mut(crate::store::JOBS).push(job.clone());
    Ok(json(StatusCode::ACCEPTED, &public_job(&job)))
}

/// `POST /jobs/verification-email`: a job that sends the user a verification email, kept with
/// the other jobs (`GET /jobs/{id}` reads it).
pub(super) fn verification_email_job(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    described_only(&body, "POST", "/jobs/verification-email")?;
    let user_id = required_str(&body, "user_id")?;
    if find(store.items(crate::store::USERS), "user_id", user_id).is_none() {
        return Err(ApiErr::not_found(
            "The user does not exist.",
            Some("inexistent_user"),
        ));
    }
    let created = now_ms();
    let job = json!({
        "id": crate::overrides::new_id(
            crate::overrides::id_format(crate::store::JOBS).ok_or_else(|| {
                ApiErr(StatusCode::INTERNAL_SERVER_ERROR, "no job id format".into(), None)
            })?,
        ),
        "type": "verification_email",
        "status": "pending",
        "created_at": iso8601(created),
        "created_ms": created,
    });
    store.items_mut(crate::store::JOBS).push(job.clone());
    Ok(json(StatusCode::CREATED, &public_job(&job)))
}

/// Auth0 runs a job in the background: the first read of a job answers it `pending`, the
/// next ones `completed` (whatever the clock says, so that a test polling it is
/// deterministic); `reads` and `created_ms` are internal.
pub(super) fn advance_job(job: &mut Value, base_url: &str) -> Value {
    let reads = job["reads"].as_u64().unwrap_or(0) + 1;
    job["reads"] = Value::from(reads);
    let due = reads >= 2;
    if job["status"] == "pending"
        && due
        && let Some(o) = job.as_object_mut()
    {
        o.insert("status".into(), json!("completed"));
        if o.get("type") == Some(&json!("verification_email")) {
            // A sent email has no summary.
        } else if o.get("type") == Some(&json!("users_export")) {
            let id = o
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            o.insert(
                "location".into(),
                json!(format!("{base_url}/__fake/exports/{id}.json.gz")),
            );
        } else {
            let total = o.remove("summary_total").unwrap_or(json!(0));
            o.insert(
                "summary".into(),
                json!({"failed": 0, "inserted": total, "total": total, "updated": 0}),
            );
        }
    }
    public_job(job)
}

/// A job without its internal bookkeeping fields.
pub(super) fn public_job(job: &Value) -> Value {
    let mut out = job.clone();
    if let Some(o) = out.as_object_mut() {
        o.remove("created_ms");
        o.remove("summary_total");
        o.remove("reads");
    }
    out
}
