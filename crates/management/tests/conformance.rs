//! Runs the workspace conformance check (the same code as `cargo xtask conformance`) against
//! the Auth0 reference data in `../shared/auth0` relative to the workspace root, when present.

use std::path::Path;

#[allow(dead_code)]
#[path = "../../../xtask/src/conformance.rs"]
mod conformance;

#[test]
fn models_conform_to_the_spec_and_recorded_responses() {
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let summary = conformance::run(&workspace_root).expect("reference data readable");
    if summary.skipped {
        eprintln!("skipped: ../shared/auth0 not found");
        return;
    }
    assert_eq!(summary.failed, 0, "{summary:?}");
    assert!(summary.recordings_checked > 0, "{summary:?}");
    assert!(summary.endpoints_matched > 0, "{summary:?}");
}

#[test]
fn coverage_report_runs() {
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    conformance::coverage(&workspace_root).expect("coverage computed");
}

#[test]
fn absent_data_is_skipped() {
    let nowhere = std::env::temp_dir().join("auth0-m2m-no-such-root/a/b");
    let summary = conformance::run(&nowhere).expect("skip is not an error");
    assert!(summary.skipped);
    assert_eq!(summary.recordings_checked, 0);
}
