//! The generator's secret rule and the crate's own [`is_secret_field`] agree on every string
//! field of the generated models, and the log-stream sinks that carry credentials keep them out
//! of `Debug`.

use auth0_m2m_management::secret::is_secret_field;
use auth0_m2m_management::{PLAIN_STRING_FIELDS, SECRET_FIELDS};

#[test]
fn every_generated_string_field_follows_the_rule() {
    assert!(
        SECRET_FIELDS.len() > 20 && PLAIN_STRING_FIELDS.len() > 300,
        "the generated lists are nearly empty: {} secret, {} plain",
        SECRET_FIELDS.len(),
        PLAIN_STRING_FIELDS.len()
    );
    let wrong_secret: Vec<&&str> = SECRET_FIELDS
        .iter()
        .filter(|f| !is_secret_field(f))
        .collect();
    let wrong_plain: Vec<&&str> = PLAIN_STRING_FIELDS
        .iter()
        .filter(|f| is_secret_field(f))
        .collect();
    assert!(
        wrong_secret.is_empty() && wrong_plain.is_empty(),
        "redacted though the rule says plain: {wrong_secret:?}; plain though the rule says secret: {wrong_plain:?}"
    );
    for name in [
        "datadogApiKey",
        "segmentWriteKey",
        "httpAuthorization",
        "client_secret",
        "splunkToken",
    ] {
        assert!(SECRET_FIELDS.contains(&name), "{name} is not redacted");
    }
}

#[cfg(feature = "log_streams")]
mod log_streams {
    use auth0_m2m_management::log_streams as ls;

    const SECRET: &str = "s3cr3t-log-stream-credential";

    fn assert_hidden(value: &impl std::fmt::Debug) {
        let printed = format!("{value:?} {value:#?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(printed.contains("REDACTED"), "{printed}");
    }

    #[test]
    fn sink_credentials_are_redacted() {
        for (json, field) in [
            (
                serde_json::json!({"id": "lst_1", "type": "datadog", "sink": {"datadogApiKey": SECRET, "datadogRegion": "us"}}),
                "datadogApiKey",
            ),
            (
                serde_json::json!({"id": "lst_2", "type": "segment", "sink": {"segmentWriteKey": SECRET}}),
                "segmentWriteKey",
            ),
            (
                serde_json::json!({"id": "lst_3", "type": "http", "sink": {"httpEndpoint": "https://example.com/logs", "httpAuthorization": SECRET}}),
                "httpAuthorization",
            ),
        ] {
            let stream: ls::GetLogStreamResponseContent =
                serde_json::from_value(json.clone()).expect(field);
            assert_hidden(&stream);
            // The secret is kept and written back as received.
            assert_eq!(serde_json::to_value(&stream).unwrap(), json, "{field}");
        }
    }
}
