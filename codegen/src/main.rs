//! `cargo run -p auth0-m2m-codegen [-- --check]`: the generator on its own, for when the
//! checked-in generated code does not compile (`cargo xtask codegen` needs it to).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    match auth0_m2m_codegen::run(&root, &args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
