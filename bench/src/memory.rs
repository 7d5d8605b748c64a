//! Memory: the peak resident set size (`VmHWM`) of a process that builds a `ManagementClient`
//! and makes 10,000 calls with it. Measured in a separate process (`memory-worker`) so that
//! nothing else the benchmarks allocate counts.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::BoxError;
use crate::tenant::{TenantInfo, management_client};

/// Calls made before reading the peak RSS.
pub(crate) const CALLS: u64 = 10_000;
/// Concurrent tasks making them.
const TASKS: usize = 8;

/// The memory figures of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Memory {
    /// Peak RSS after the calls, KiB.
    pub(crate) rss_kib: u64,
    /// Peak RSS before the client was built, KiB.
    pub(crate) rss_kib_before: u64,
    /// Calls made.
    pub(crate) calls: u64,
}

/// `VmHWM` of this process from `/proc/self/status`, KiB.
pub(crate) fn peak_rss_kib() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    parse_vm_hwm(&status).ok_or_else(|| "no VmHWM line in /proc/self/status".into())
}

/// The value of the `VmHWM:` line, in KiB.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Runs `memory-worker` against `tenant` and reads its figures.
pub(crate) fn run(exe: &Path, tenant: &TenantInfo) -> Result<Memory, BoxError> {
    let mut child = Command::new(exe)
        .arg("memory-worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the memory worker: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(serde_json::to_string(tenant)?.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "the memory worker failed ({})\n--- worker stderr ---\n{stderr}",
            out.status
        )
        .into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim())
        .map_err(|e| format!("unexpected memory worker output {stdout:?}: {e}\n{stderr}").into())
}

/// The `memory-worker` process: reads the tenant on stdin, builds a client, makes
/// [`CALLS`] calls of `clients().list()`, prints [`Memory`].
pub(crate) fn worker_main() -> Result<(), BoxError> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let tenant: TenantInfo = serde_json::from_str(&input)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rss_kib_before = peak_rss_kib()?;
    let client = management_client(&tenant)?.build()?;
    rt.block_on(async {
        let claimed = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let client = client.clone();
                let claimed = Arc::clone(&claimed);
                tokio::spawn(async move {
                    while claimed.fetch_add(1, Ordering::Relaxed) < CALLS {
                        client.clients().list().send().await?;
                    }
                    Ok::<(), auth0_m2m::Error>(())
                })
            })
            .collect();
        for t in tasks {
            t.await??;
        }
        Ok::<(), BoxError>(())
    })?;
    let memory = Memory {
        rss_kib: peak_rss_kib()?,
        rss_kib_before,
        calls: CALLS,
    };
    println!("{}", serde_json::to_string(&memory)?);
    drop(client);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_vm_hwm;

    #[test]
    fn reads_vm_hwm() {
        let status = "Name:\tx\nVmPeak:\t  20000 kB\nVmHWM:\t    8123 kB\nVmRSS:\t 8000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(8123));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
    }
}
