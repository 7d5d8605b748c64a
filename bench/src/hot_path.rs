//! The hot path: `TokenProvider::token()` on a warm provider, in nanoseconds per call.
//!
//! Each thread drives its own single-threaded runtime and times batches of calls with
//! [`Instant`]; with two threads both start each batch together at a barrier, so they contend
//! on the same provider. The figure is the median over the repetitions of the mean time per
//! call in a batch. A batch (about 1 ms) is much shorter than a scheduler time slice, so on a busy
//! machine most batches run without preemption and the median ignores those that do not.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::Instant;

use auth0_m2m_cache::{MemoryCache, TokenProvider};
use serde::Serialize;

use crate::BoxError;
use crate::stats::median;
use crate::tenant::{TenantInfo, token_client};

/// Calls per timed batch.
pub(crate) const BATCH: u64 = 20_000;
/// Timed batches per thread count.
pub(crate) const REPETITIONS: usize = 501;

/// The hot-path figures of the report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HotPath {
    /// Median ns per call with one thread.
    pub(crate) ns_p50_1t: f64,
    /// Median ns per call with two threads calling at once.
    pub(crate) ns_p50_2t: f64,
    /// Calls per batch.
    pub(crate) batch: u64,
    /// Batches timed per thread count.
    pub(crate) repetitions: usize,
}

/// Measures `token()` on a provider warmed against the tenant `info`.
pub(crate) fn run(info: &TenantInfo, batch: u64, repetitions: usize) -> Result<HotPath, BoxError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let provider = {
        let _guard = rt.enter();
        TokenProvider::builder(token_client(info)?)
            .with_cache(Arc::new(MemoryCache::new()))
            .build()?
    };
    rt.block_on(provider.token())?;
    let ns_p50_1t = measure(&provider, 1, batch, repetitions)?;
    let ns_p50_2t = measure(&provider, 2, batch, repetitions)?;
    Ok(HotPath {
        ns_p50_1t,
        ns_p50_2t,
        batch,
        repetitions,
    })
}

/// The median over `repetitions` of the mean ns per call of `threads` threads each calling
/// `token()` `batch` times at once (one warm-up batch first).
fn measure(
    provider: &TokenProvider,
    threads: usize,
    batch: u64,
    repetitions: usize,
) -> Result<f64, BoxError> {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let provider = provider.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || -> Result<Vec<f64>, String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                let mut per_call = Vec::with_capacity(repetitions);
                for rep in 0..=repetitions {
                    barrier.wait();
                    let elapsed = rt.block_on(async {
                        let started = Instant::now();
                        for _ in 0..batch {
                            let token = provider.token().await.map_err(|e| e.to_string())?;
                            black_box(token);
                        }
                        Ok::<_, String>(started.elapsed())
                    })?;
                    if rep > 0 {
                        per_call.push(elapsed.as_nanos() as f64 / batch as f64);
                    }
                }
                Ok(per_call)
            })
        })
        .collect();
    let mut per_rep = vec![0.0; repetitions];
    for handle in handles {
        let per_call = handle.join().map_err(|_| "a hot-path thread panicked")??;
        for (sum, v) in per_rep.iter_mut().zip(per_call) {
            *sum += v / threads as f64;
        }
    }
    median(&per_rep).ok_or_else(|| "no hot-path repetitions".into())
}
