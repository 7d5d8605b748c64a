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
    if conn["strategy"] != "auth0" {
        return Err(ApiErr::bad_body(
            "Users can only be imported into a database connection.",
        ));
    }
    let connection = conn["name"].as_str().unwrap_or_default().to_owned();
    let upsert = field("upsert").is_some_and(|v| String::from_utf8_lossy(&v).trim() == "true");
    let id = format!("job_{}", random_alnum(16));
    let summary = import_users(
        store,
        &id,
        &connection,
        users.as_array().map_or(&[][..], Vec::as_slice),
        upsert,
    );
    let mut job = json!({
        "id": id,
        "type": "users_import",
        "status": "pending",
        "connection_id": cid,
        "connection": connection,
        "created_at": iso8601(now_ms()),
        "summary_counts": summary,
        "created_ms": now_ms(),
    });
    if let Some(ext) = field("external_id") {
        job["external_id"] = json!(String::from_utf8_lossy(&ext).trim());
    }
    store.items_mut(crate::store::JOBS).push(job.clone());
    Ok(json(StatusCode::ACCEPTED, &public_job(&job)))
}

/// The fields of an imported user kept on the user (a password hash is not kept: the fake
/// signs no user in).
const IMPORTED_FIELDS: &[&str] = &[
    "email_verified",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "blocked",
    "username",
    "user_metadata",
    "app_metadata",
];

/// Imports `users` into the database `connection` as the job `job_id`: each new email is a
/// new user, a known one is updated when `upsert` and otherwise an error of the job
/// (`DUPLICATED_USER`, as recordings/go-auth0/TestJobManager_ReadErrors.json reads it), as is
/// a user without an email. Answers the summary `{failed, inserted, total, updated}`; the
/// errors are what `GET /jobs/{id}/errors` lists.
fn import_users(
    store: &mut Store,
    job_id: &str,
    connection: &str,
    users: &[Value],
    upsert: bool,
) -> Value {
    let (mut inserted, mut updated) = (0, 0);
    let mut errors = Vec::new();
    // What an error shows of the user: what was sent, without secrets.
    let shown = |u: &Value| {
        let mut u = u.clone();
        if let Some(o) = u.as_object_mut() {
            o.retain(|k, _| !k.contains("password") && k != "mfa_factors");
        }
        u
    };
    for user in users {
        let Some(email) = user.get("email").and_then(Value::as_str) else {
            errors.push(json!({"user": shown(user), "errors": [
                {"code": "MISSING_REQUIRED_PROPERTY", "message": "Missing required property: email"}]}));
            continue;
        };
        let now = now_ms();
        let existing = store.items_mut(crate::store::USERS).iter_mut().find(|u| {
            u["email"].as_str().map(str::to_lowercase) == Some(email.to_lowercase())
                && u["identities"][0]["connection"].as_str() == Some(connection)
        });
        let target = match existing {
            Some(_) if !upsert => {
                errors.push(
                    json!({"user": shown(user), "errors": [{"code": "DUPLICATED_USER",
                    "message": "The user already exist and upsert parameter is false"}]}),
                );
                continue;
            }
            Some(u) => {
                updated += 1;
                u
            }
            None => {
                inserted += 1;
                let users = store.items_mut(crate::store::USERS);
                users.push(seed::new_user(email, connection, now));
                let last = users.len() - 1;
                &mut users[last]
            }
        };
        for field in IMPORTED_FIELDS {
            if let Some(v) = user.get(*field) {
                target[*field] = v.clone();
            }
        }
        target["updated_at"] = json!(iso8601(now));
    }
    let failed = errors.len();
    store
        .collections
        .insert(format!("/jobs/{job_id}/errors"), errors);
    json!({"failed": failed, "inserted": inserted, "total": users.len(), "updated": updated})
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

/// Auth0 runs a job in the background: the job's create answers it `pending`, and every read
/// of it `completed` (whatever the clock says, so that a test polling it is deterministic), as
/// the newest recordings read jobs at their first read
/// (recordings/go-auth0/TestJobManager_ImportUsers.json: an import completed with its summary;
/// ruby-auth0's older recordings read `pending` first); `reads` and `created_ms` are internal.
pub(super) fn advance_job(job: &mut Value, base_url: &str) -> Value {
    let reads = job["reads"].as_u64().unwrap_or(0) + 1;
    job["reads"] = Value::from(reads);
    let due = reads >= 1;
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
        } else if let Some(summary) = o.remove("summary_counts") {
            o.insert("summary".into(), summary);
        }
    }
    public_job(job)
}

/// A job without its internal bookkeeping fields.
pub(super) fn public_job(job: &Value) -> Value {
    let mut out = job.clone();
    if let Some(o) = out.as_object_mut() {
        o.remove("created_ms");
        o.remove("summary_counts");
        o.remove("reads");
    }
    out
}
