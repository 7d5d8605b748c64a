//! Records the compiler version for the `Auth0-Client` telemetry header.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        // "rustc 1.89.0 (29483883e 2025-08-04)" -> "1.89.0"
        .and_then(|s| s.split_whitespace().nth(1).map(str::to_owned))
        .filter(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=AUTH0_M2M_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rerun-if-changed=build.rs");
}
