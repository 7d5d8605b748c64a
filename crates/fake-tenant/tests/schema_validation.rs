//! Every answer of the generic handler is valid against the response schema of its operation in
//! Auth0's API description (read from `../shared/auth0` beside the workspace; skipped with a
//! message where it is absent), checked with a JSON Schema validator. String `pattern`s are left
//! out: several are ECMAScript expressions the validator's engine cannot compile, and the fake's
//! samples are not made to match them.

mod common;

use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};

/// Answers known to be invalid today (listed by the test when it runs).
const KNOWN_INVALID: usize = 7;

#[tokio::test]
async fn generic_answers_are_valid_against_the_description() {
    let spec_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/auth0/management-api-oas.json");
    let Ok(text) = std::fs::read(&spec_path) else {
        eprintln!("skipped: {} not found", spec_path.display());
        return;
    };
    let spec: Value = serde_json::from_slice(&text).expect("the description is JSON");
    let mut schemas = spec["components"]["schemas"].clone();
    strip_patterns(&mut schemas);
    let components = json!({"schemas": schemas});

    let tenant = auth0_m2m_fake::FakeTenant::builder()
        .client("v", "v-secret", &auth0_m2m_fake::served_scopes())
        .start()
        .await
        .expect("tenant");
    let http = common::http_client(&tenant);
    let token = common::token_for(&tenant, &http, "v", "v-secret").await;
    let routes = common::routes(&tenant, &http).await;

    let mut checked = 0;
    let mut invalid = Vec::new();
    for r in routes.iter().filter(|r| r["handler"] == "generic") {
        let (Some(method), Some(template), Some(sample)) = (
            r["method"].as_str(),
            r["path"].as_str(),
            r["sample_path"].as_str(),
        ) else {
            continue;
        };
        // Reads only: a write would change what later reads see, and reads cover the shapes.
        if method != "GET" {
            continue;
        }
        let op =
            &spec["paths"][template.trim_start_matches("/api/v2")][method.to_ascii_lowercase()];
        let schema = op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(code, _)| code.starts_with('2'))
            .find_map(|(_, a)| {
                a["content"]["application/json"]["schema"]
                    .as_object()
                    .cloned()
            });
        let Some(schema) = schema else {
            continue;
        };
        let mut schema = Value::Object(schema);
        strip_patterns(&mut schema);
        let answer = http
            .request(Method::GET, format!("{}{sample}", tenant.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert!(
            answer.status().is_success(),
            "{method} {sample}: {}",
            answer.status()
        );
        let body: Value = answer.json().await.expect("a JSON answer");
        let document = json!({"allOf": [schema], "components": components});
        let validator = jsonschema::validator_for(&document).expect("a valid schema");
        checked += 1;
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .take(3)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            invalid.push(format!("{method} {template}: {}", errors.join("; ")));
        }
    }
    println!(
        "schema validation: {checked} answers checked, {} invalid",
        invalid.len()
    );
    for line in &invalid {
        println!("  {line}");
    }
    assert!(checked > 100, "{checked} answers checked");
    // Not yet 0: five answers hold strings that fit several `oneOf` alternatives once patterns
    // and formats are left out (IP addresses against CIDR ranges, rendering context names),
    // and the two phone-provider answers cannot be valid: their schema requires `credentials`
    // but allows no property of that name. The bound only goes down.
    assert!(
        invalid.len() <= KNOWN_INVALID,
        "{} invalid (at most {KNOWN_INVALID} known):\n{}",
        invalid.len(),
        invalid.join("\n")
    );
}

/// Removes every `pattern` keyword (not properties that happen to be named `pattern`).
fn strip_patterns(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("pattern").is_some_and(Value::is_string) {
                map.remove("pattern");
            }
            for (key, value) in map.iter_mut() {
                if key == "properties" {
                    if let Value::Object(props) = value {
                        props.values_mut().for_each(strip_patterns);
                    }
                } else {
                    strip_patterns(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_patterns),
        _ => {}
    }
}
