//! A union-typed write to the fake tenant is answered, and read back, in the alternative its
//! tag names, with the fields it was sent (as Auth0 answers: recordings/go-auth0/
//! TestLogStreamManager_Create_It_can_successfully_create_a_DataDog_LogStream.json); only the
//! fields the alternative requires and that were not sent are filled. Every answer is checked
//! against the description's response schemas.

mod common;
#[path = "e2e_support/schema.rs"]
#[allow(dead_code, unreachable_pub)]
mod schema;

use auth0_m2m::ManagementClient;
use auth0_m2m::http::Method;
use auth0_m2m_fake::FakeTenant;
use serde_json::{Value, json};

async fn send(client: &ManagementClient, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut request = client.request(method.clone(), path);
    if let Some(body) = &body {
        request = request.json(body);
    }
    request
        .send::<Value>()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// A fake tenant that records its answers, and a client of it.
async fn recording_tenant() -> (FakeTenant, ManagementClient) {
    let tenant = FakeTenant::builder()
        .record_answers(true)
        .start()
        .await
        .expect("tenant");
    let client = common::client(&tenant);
    (tenant, client)
}

/// Checks every answer the tenant recorded against the description, when it is beside the
/// workspace.
fn assert_answers_valid(tenant: &FakeTenant) {
    let Some(path) = schema::description_path() else {
        println!("schema validation: skipped, the description is not beside the workspace");
        return;
    };
    let spec: Value = serde_json::from_slice(&std::fs::read(path).expect("description"))
        .expect("the description is JSON");
    let answers = tenant.answers();
    let v = schema::validate(&spec, &answers);
    assert_eq!(v.checked, answers.len(), "every answer has a body to check");
    assert!(v.invalid.is_empty(), "{}", v.invalid.join("\n"));
}

/// One creation body per log stream type, each with every field its sink requires.
fn log_stream_bodies() -> Vec<Value> {
    vec![
        json!({"name": "dd", "type": "datadog",
               "sink": {"datadogApiKey": "dd-key-0123", "datadogRegion": "us"}}),
        json!({"name": "web", "type": "http",
               "sink": {"httpEndpoint": "https://logs.example.com/auth0",
                        "httpAuthorization": "Bearer abc", "httpContentFormat": "JSONLINES",
                        "httpContentType": "application/json"}}),
        json!({"name": "seg", "type": "segment", "sink": {"segmentWriteKey": "seg-write-key"}}),
        json!({"name": "splunk", "type": "splunk",
               "sink": {"splunkDomain": "splunk.example.com", "splunkToken": "splunk-token",
                        "splunkPort": "8088", "splunkSecure": true}}),
        json!({"name": "sumo", "type": "sumo",
               "sink": {"sumoSourceAddress": "https://sumo.example.com/receiver"}}),
        json!({"name": "mix", "type": "mixpanel",
               "sink": {"mixpanelRegion": "us", "mixpanelProjectId": "123",
                        "mixpanelServiceAccountUsername": "svc",
                        "mixpanelServiceAccountPassword": "mix-password"}}),
        json!({"name": "bridge", "type": "eventbridge",
               "sink": {"awsAccountId": "123456789012", "awsRegion": "us-east-1"}}),
        json!({"name": "grid", "type": "eventgrid",
               "sink": {"azureSubscriptionId": "b5bd9f13-4c4a-4a3a-9b5b-6f5f3c7b8d21", "azureRegion": "eastus",
                        "azureResourceGroup": "logs"}}),
    ]
}

#[tokio::test]
async fn log_streams_keep_the_type_and_sink_they_were_written_with() {
    let (tenant, client) = recording_tenant().await;
    let mut ids = Vec::new();
    for body in log_stream_bodies() {
        let created = send(
            &client,
            Method::POST,
            "/api/v2/log-streams",
            Some(body.clone()),
        )
        .await;
        assert_eq!(created["type"], body["type"], "{created}");
        assert_eq!(created["sink"], body["sink"], "the sink as sent: {created}");
        assert_eq!(created["name"], body["name"]);
        let id = created["id"].as_str().expect("an id").to_owned();
        let read = send(
            &client,
            Method::GET,
            &format!("/api/v2/log-streams/{id}"),
            None,
        )
        .await;
        assert_eq!(read, created, "read back as created");
        ids.push((id, body));
    }

    // The list holds each stream in its own type.
    let listed = send(&client, Method::GET, "/api/v2/log-streams", None).await;
    for (id, body) in &ids {
        let item = listed
            .as_array()
            .expect("a list")
            .iter()
            .find(|s| s["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} listed"));
        assert_eq!(
            (&item["type"], &item["sink"]),
            (&body["type"], &body["sink"])
        );
    }

    // An update keeps the type, takes the new sink and fills nothing it did not send.
    let (dd, _) = &ids[0];
    let path = format!("/api/v2/log-streams/{dd}");
    let sink = json!({"datadogApiKey": "dd-key-rotated", "datadogRegion": "eu"});
    let updated = send(&client, Method::PATCH, &path, Some(json!({"sink": sink}))).await;
    assert_eq!(
        (&updated["type"], &updated["sink"]),
        (&json!("datadog"), &sink)
    );
    assert_eq!(send(&client, Method::GET, &path, None).await, updated);

    // An HTTP sink sent with its one required field answers that field alone: no sample
    // values for the optional ones.
    let created = send(
        &client,
        Method::POST,
        "/api/v2/log-streams",
        Some(json!({"type": "http", "sink": {"httpEndpoint": "https://e.example.com/"}})),
    )
    .await;
    assert_eq!(
        created["sink"],
        json!({"httpEndpoint": "https://e.example.com/"})
    );
    assert_eq!(created["type"], "http");

    assert_answers_valid(&tenant);
}

#[tokio::test]
async fn event_streams_keep_the_destination_and_authorization_they_were_written_with() {
    let (tenant, client) = recording_tenant().await;
    let subscriptions = json!([{"event_type": "user.created"}]);
    // `(destination sent, destination answered)`: tagged below the top level
    // (`destination.type`, then the webhook authorization's `method`); the answer drops what
    // the response schema does not describe (the bearer token, the basic password).
    let webhook = |authorization: Value| {
        json!({"type": "webhook", "configuration": {
            "webhook_endpoint": "https://hooks.example.com/auth0",
            "webhook_authorization": authorization}})
    };
    let cases = [
        (
            webhook(json!({"method": "bearer", "token": "hook-token"})),
            webhook(json!({"method": "bearer"})),
        ),
        (
            webhook(json!({"method": "basic", "username": "u", "password": "p"})),
            webhook(json!({"method": "basic", "username": "u"})),
        ),
        (
            json!({"type": "eventbridge", "configuration": {
                "aws_account_id": "123456789012", "aws_region": "us-east-1"}}),
            json!({"type": "eventbridge", "configuration": {
                "aws_account_id": "123456789012", "aws_region": "us-east-1"}}),
        ),
        (
            json!({"type": "action", "configuration": {"action_id": "act_123"}}),
            json!({"type": "action", "configuration": {"action_id": "act_123"}}),
        ),
    ];
    for (sent, answered) in cases {
        let body = json!({"name": "stream", "subscriptions": subscriptions,
                          "destination": sent});
        let created = send(&client, Method::POST, "/api/v2/event-streams", Some(body)).await;
        assert_eq!(created["destination"], answered, "{created}");
        assert_eq!(created["subscriptions"], subscriptions);
        let id = created["id"].as_str().expect("an id");
        let read = send(
            &client,
            Method::GET,
            &format!("/api/v2/event-streams/{id}"),
            None,
        )
        .await;
        assert_eq!(read["destination"], answered);
    }
    assert_answers_valid(&tenant);
}
