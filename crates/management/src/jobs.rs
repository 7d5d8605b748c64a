//! Jobs: user exports and imports, and job status: `/api/v2/jobs`.

use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::endpoint::{Body, Endpoint, Part};
use crate::error::Error;
use crate::path::{self, id, lit};

string_enum! {
    /// The state of a job.
    JobStatus {
        /// Waiting to run.
        Pending => "pending",
        /// Running.
        Processing => "processing",
        /// Done.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
    }
}

model! {
    /// A job.
    pub struct Job {
        /// The job id (`job_…`).
        pub id: String,
        /// The state of the job.
        pub status: JobStatus,
        /// The job type, e.g. `users_export` or `users_import`.
        #[serde(rename = "type")]
        pub job_type: String,
        /// When the job was created (ISO 8601).
        pub created_at: String,
        /// The connection id.
        pub connection_id: String,
        /// The connection name.
        pub connection: String,
        /// The export format: `json` or `csv`.
        pub format: String,
        /// The most users to export.
        pub limit: u64,
        /// The exported fields.
        pub fields: Vec<Value>,
        /// Where to download the export when the job is completed.
        pub location: String,
        /// Completion percentage.
        pub percentage_done: u64,
        /// Estimated seconds left.
        pub time_left_seconds: u64,
        /// Import summary (`failed`, `updated`, `inserted`, `total`).
        pub summary: Value,
        /// The caller's id for the job.
        pub external_id: String,
        /// `status_details`, as Auth0's API description names it.
        pub status_details: String,
    }
}

str_accessors!(Job: id, connection_id, external_id);

/// A field to export, optionally renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportField {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    export_as: Option<String>,
}

impl ExportField {
    /// Exports the user field `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            export_as: None,
        }
    }

    /// Names the field `export_as` in the export.
    pub fn export_as(mut self, export_as: impl Into<String>) -> Self {
        self.export_as = Some(export_as.into());
        self
    }
}

request_body! {
    /// The body of [`CreateUsersExport`].
    pub struct UsersExport {
        required {}
        optional {
            /// Only users of this connection.
            connection_id: String,
            /// The format: `json` (newline-delimited) or `csv`.
            format: String,
            /// The most users to export.
            limit: u64,
            /// The fields to export.
            fields: Vec<ExportField>,
        }
    }
}

/// `POST /api/v2/jobs/users-exports`: starts a users export job.
#[derive(Debug, Clone)]
pub struct CreateUsersExport {
    body: UsersExport,
}

impl CreateUsersExport {
    /// Starts the export described by `body`.
    pub fn new(body: UsersExport) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateUsersExport {
    type Response = Job;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["jobs", "users-exports"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:users"]
    }
}

/// `POST /api/v2/jobs/users-imports`: starts a users import job; the body is
/// `multipart/form-data` with the users file.
#[derive(Debug, Clone)]
pub struct ImportUsers {
    connection_id: String,
    users: Vec<u8>,
    upsert: Option<bool>,
    external_id: Option<String>,
    send_completion_email: Option<bool>,
}

impl ImportUsers {
    /// Imports `users_json` (a JSON array of users, as bytes) into the connection
    /// `connection_id`.
    pub fn new(connection_id: impl Into<String>, users_json: Vec<u8>) -> Self {
        Self {
            connection_id: connection_id.into(),
            users: users_json,
            upsert: None,
            external_id: None,
            send_completion_email: None,
        }
    }

    /// Imports `users`, serialized as a JSON array.
    pub fn from_users<T: Serialize>(
        connection_id: impl Into<String>,
        users: &[T],
    ) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(users).map_err(Error::Body)?;
        Ok(Self::new(connection_id, bytes))
    }

    /// Whether existing users are updated (default on the server: `false`).
    pub fn upsert(mut self, upsert: bool) -> Self {
        self.upsert = Some(upsert);
        self
    }

    /// The caller's id for the job.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Whether a completion email is sent to tenant owners (default on the server: `true`).
    pub fn send_completion_email(mut self, send: bool) -> Self {
        self.send_completion_email = Some(send);
        self
    }
}

impl Endpoint for ImportUsers {
    type Response = Job;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["jobs", "users-imports"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        let mut parts = vec![
            Part::file(
                "users",
                "users.json",
                "application/json",
                self.users.clone(),
            ),
            Part::text("connection_id", self.connection_id.clone()),
        ];
        if let Some(upsert) = self.upsert {
            parts.push(Part::text("upsert", upsert.to_string()));
        }
        if let Some(external_id) = &self.external_id {
            parts.push(Part::text("external_id", external_id.clone()));
        }
        if let Some(send) = self.send_completion_email {
            parts.push(Part::text("send_completion_email", send.to_string()));
        }
        Ok(Some(Body::Multipart(parts)))
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:users"]
    }
}

id_endpoint!(
    /// `GET /api/v2/jobs/{id}`: the state of a job.
    GetJob, GET, Job, [lit("jobs"), id], ["create:users", "read:users"]
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn import_is_multipart() {
        let ep = ImportUsers::from_users("con_1", &[json!({"email": "a@example.com"})])
            .unwrap()
            .upsert(true);
        let Some(Body::Multipart(parts)) = ep.body().unwrap() else {
            panic!("expected multipart");
        };
        let names: Vec<_> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["users", "connection_id", "upsert"]);
        assert_eq!(parts[0].data, br#"[{"email":"a@example.com"}]"#);
        assert_eq!(parts[0].file_name.as_deref(), Some("users.json"));
        assert_eq!(parts[2].data, b"true");
        assert_eq!(ep.path(), "/api/v2/jobs/users-imports");
    }

    #[test]
    fn export_body_and_job_status() {
        let ep = CreateUsersExport::new(
            UsersExport::new()
                .format("json")
                .fields(vec![ExportField::new("email").export_as("mail")]),
        );
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(
                json!({"format": "json", "fields": [{"name": "email", "export_as": "mail"}]})
            ))
        );
        let job = GetJob::new("job_1")
            .parse_response(br#"{"id":"job_1","status":"archived","type":"users_export"}"#)
            .unwrap();
        assert_eq!(job.status, Some(JobStatus::Unknown("archived".into())));
        let job = GetJob::new("job_1")
            .parse_response(br#"{"status":"completed"}"#)
            .unwrap();
        assert_eq!(job.status, Some(JobStatus::Completed));
    }
}
