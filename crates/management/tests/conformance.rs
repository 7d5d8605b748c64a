//! Runs the workspace conformance check (the same code as `cargo xtask conformance`) against
//! the Auth0 reference data in `../shared/auth0` relative to the workspace root, when present.

#[allow(dead_code)]
#[path = "../../../xtask/src/conformance.rs"]
mod conformance;

/// The whole API (every group) against the whole description.
#[cfg(feature = "full")]
mod whole_api {
    use std::path::{Path, PathBuf};

    use auth0_m2m_management::catalogue;

    use super::conformance;

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The OpenAPI description, when the reference data is present.
    fn spec() -> Option<serde_json::Value> {
        let path = workspace_root().join("../shared/auth0/management-api-oas.json");
        let text = std::fs::read(path).ok()?;
        Some(serde_json::from_slice(&text).expect("the OpenAPI description is JSON"))
    }

    #[test]
    fn models_conform_to_the_spec_and_recorded_responses() {
        let summary = conformance::run(&workspace_root()).expect("reference data readable");
        if summary.skipped {
            assert!(spec().is_none(), "skipped although the data is present");
            eprintln!("skipped: ../shared/auth0 not found");
            return;
        }
        assert_eq!(summary.failed, 0, "{summary:?}");
        assert_eq!(summary.spec_fields_in_extra, 0, "{summary:?}");
        assert!(
            summary.files >= 690,
            "every recording file is read: {summary:?}"
        );
        assert!(summary.recordings_checked > 0, "{summary:?}");
        assert!(summary.endpoints_matched > 0, "{summary:?}");
        assert!(summary.endpoints_matched <= catalogue::catalogue().len());
        assert_eq!(summary.gate(), Ok(()));
    }

    #[test]
    fn coverage_counts_the_catalogue_against_the_spec() {
        let coverage = conformance::coverage(&workspace_root()).expect("coverage computed");
        let Some(spec) = spec() else {
            assert!(coverage.skipped);
            assert_eq!((coverage.total, coverage.modeled), (0, 0));
            return;
        };
        assert!(!coverage.skipped);
        // Every catalogue entry is an operation of the spec, and no two entries name the same
        // operation, so the modeled count is exactly the catalogue's length.
        assert_eq!(coverage.not_in_spec, Vec::<String>::new());
        assert_eq!(coverage.modeled, catalogue::catalogue().len());
        // The total is the number of operations of the spec, counted here independently.
        let mut operations = 0;
        let mut resources = std::collections::BTreeSet::new();
        for item in spec["paths"].as_object().expect("paths").values() {
            let item = item.as_object().expect("path item");
            let n = ["get", "post", "put", "patch", "delete"]
                .iter()
                .filter(|m| item.contains_key(**m))
                .count();
            operations += n;
            for m in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(m) {
                    resources.insert(op["tags"][0].as_str().unwrap_or("").to_owned());
                }
            }
        }
        assert!(operations > 0);
        assert_eq!(coverage.total, operations);
        assert_eq!(coverage.resources, resources.len());
        assert_eq!(
            coverage.modeled, coverage.total,
            "every operation is modeled"
        );
    }
}

#[test]
fn absent_data_never_passes_the_gate() {
    let nowhere = std::env::temp_dir().join("auth0-m2m-no-such-root/a/b");
    let summary = conformance::run(&nowhere).expect("absent data is not a read error");
    assert!(summary.skipped);
    assert_eq!(summary.recordings_checked, 0);
    let err = summary
        .gate()
        .expect_err("absent data is a failure of the gate");
    assert!(err.contains("not found"), "{err}");
    let coverage = conformance::coverage(&nowhere).expect("absent data is not a read error");
    assert!(coverage.skipped);
}

#[test]
fn the_gate_fails_below_its_floor_or_on_a_failed_check() {
    let floor = conformance::Floor {
        files: 1,
        responses: 1,
        endpoints: 1,
        example_answers: 0,
    };
    let checked_nothing = conformance::Summary::default();
    let err = checked_nothing
        .gate_against(floor)
        .expect_err("0 recordings checked");
    assert!(err.contains("responses checked: 0"), "{err}");
    let good = conformance::Summary {
        files: 1,
        recordings_checked: 10,
        endpoints_matched: 3,
        ..conformance::Summary::default()
    };
    assert_eq!(good.gate_against(floor), Ok(()));
    let failed = conformance::Summary { failed: 1, ..good };
    assert!(
        failed
            .gate_against(floor)
            .expect_err("a failure")
            .contains("1 checks failed")
    );
}
