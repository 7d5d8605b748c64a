//! Throughput of `GET /api/v2/clients` at a fixed concurrency: through the Management API
//! client, and through a bare reqwest client with a static bearer token that deserializes the
//! body into the same type (the limit of the HTTP stack).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth0_m2m_management::Endpoint;
use auth0_m2m_management::clients::ListClients;
use serde::Serialize;

use crate::BoxError;
use crate::economy::list_clients;
use crate::tenant::{TenantInfo, http_client, token_client};

/// The throughput figures of the report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Throughput {
    /// Requests in flight at any time.
    pub(crate) concurrency: usize,
    /// Measured seconds per side (the sum of the alternating rounds).
    pub(crate) seconds_per_side: f64,
    /// Requests per second of the bare reqwest client.
    pub(crate) raw_rps: f64,
    /// Requests per second of the Management API client.
    pub(crate) facade_rps: f64,
    /// `facade_rps / raw_rps`.
    pub(crate) ratio: f64,
    /// `facade / raw` calls with both sides running at the same time (each at `concurrency`)
    /// for `seconds_simultaneous`: insensitive to changes in the machine's load.
    pub(crate) ratio_simultaneous: f64,
    /// How long both sides ran at the same time.
    pub(crate) seconds_simultaneous: f64,
    /// The median over the alternating rounds of `client / bare` calls in the round.
    pub(crate) ratio_median_of_rounds: f64,
    /// Calls of each alternating round: `[bare, client]`.
    pub(crate) rounds: Vec<[u64; 2]>,
}

/// Drives `call` from `concurrency` tasks for `warmup` (not counted), then for `duration`;
/// returns the completed calls of the measured window and its length. Any failed call fails
/// the measurement.
pub(crate) async fn drive<F, Fut>(
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    call: F,
) -> Result<(u64, Duration), BoxError>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<usize, String>> + Send,
{
    let call = Arc::new(call);
    let counted = Arc::new(AtomicU64::new(0));
    let begin = Instant::now() + warmup;
    let end = begin + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (call, counted) = (Arc::clone(&call), Arc::clone(&counted));
            tokio::spawn(async move {
                loop {
                    let now = Instant::now();
                    if now >= end {
                        return Ok::<(), String>(());
                    }
                    call().await?;
                    let done = Instant::now();
                    if done >= begin && done < end {
                        counted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    Ok((counted.load(Ordering::Relaxed), duration))
}

/// One call in flight: resolves to the number of clients listed.
pub(crate) type Call = Pin<Box<dyn Future<Output = Result<usize, String>> + Send>>;
/// Starts a call.
pub(crate) type Caller = Arc<dyn Fn() -> Call + Send + Sync>;

/// The bare side: one reqwest client, one token fetched up front, the same model type.
pub(crate) async fn raw_caller(info: &TenantInfo) -> Result<Caller, BoxError> {
    let token = token_client(info)?.fetch_token().await?;
    let bearer: Arc<str> = token.bearer_header_value().into();
    let http = http_client(info)?;
    let url: Arc<str> = format!("{}{}", info.base_url, ListClients::new().path()).into();
    Ok(Arc::new(move || {
        let (http, url, bearer) = (http.clone(), Arc::clone(&url), Arc::clone(&bearer));
        Box::pin(async move { list_clients(&http, &url, &bearer).await }) as Call
    }))
}

/// The Management API client's side: `clients().list().send()` with its defaults (with the
/// telemetry header when `telemetry`, the default).
pub(crate) fn facade_caller(info: &TenantInfo, telemetry: bool) -> Result<Caller, BoxError> {
    let client = crate::tenant::management_client(info)?
        .with_telemetry(telemetry)
        .build()?;
    Ok(Arc::new(move || {
        let client = client.clone();
        Box::pin(async move {
            client
                .clients()
                .list()
                .send()
                .await
                .map(|page| page.items().len())
                .map_err(|e| e.to_string())
        }) as Call
    }))
}

/// Measures both sides in `rounds` alternating rounds of `round` each, the order reversed
/// every other round (so that a change in the machine's load affects both alike), each round
/// after a 100 ms warm-up (the connections stay in each client's pool between rounds).
pub(crate) async fn run(
    info: &TenantInfo,
    concurrency: usize,
    round: Duration,
    rounds: u32,
) -> Result<Throughput, BoxError> {
    let sides = [raw_caller(info).await?, facade_caller(info, true)?];
    let (per_round, secs) = alternate(&sides, concurrency, round, rounds).await?;
    let raw_rps = per_round.iter().map(|r| r[0]).sum::<u64>() as f64 / secs;
    let facade_rps = per_round.iter().map(|r| r[1]).sum::<u64>() as f64 / secs;
    let together = (round * rounds / 3).max(Duration::from_secs(3));
    let (raw, facade) = (Arc::clone(&sides[0]), Arc::clone(&sides[1]));
    let warmup = Duration::from_millis(200);
    let (r, f) = tokio::join!(
        drive(concurrency, warmup, together, move || raw()),
        drive(concurrency, warmup, together, move || facade())
    );
    let (raw_n, facade_n) = (r?.0, f?.0);
    Ok(Throughput {
        concurrency,
        seconds_per_side: secs,
        raw_rps,
        facade_rps,
        ratio: facade_rps / raw_rps,
        ratio_simultaneous: facade_n as f64 / raw_n.max(1) as f64,
        seconds_simultaneous: together.as_secs_f64(),
        ratio_median_of_rounds: crate::stats::median(
            &per_round
                .iter()
                .map(|r| r[1] as f64 / r[0].max(1) as f64)
                .collect::<Vec<_>>(),
        )
        .unwrap_or(0.0),
        rounds: per_round.iter().map(|r| [r[0], r[1]]).collect(),
    })
}

/// Runs every side once per round, in an order rotated each round; returns the calls of
/// each side per round and the measured seconds per side.
async fn alternate(
    sides: &[Caller],
    concurrency: usize,
    round: Duration,
    rounds: u32,
) -> Result<(Vec<Vec<u64>>, f64), BoxError> {
    let mut per_round = Vec::new();
    let mut secs = 0.0;
    for r in 0..rounds as usize {
        let mut counts = vec![0u64; sides.len()];
        for k in 0..sides.len() {
            let i = (k + r) % sides.len();
            let f = Arc::clone(&sides[i]);
            let (n, _) = drive(concurrency, Duration::from_millis(100), round, move || f()).await?;
            counts[i] = n;
        }
        per_round.push(counts);
        secs += round.as_secs_f64();
    }
    Ok((per_round, secs))
}

/// Requests per second of the bare client, the default client and the client without its
/// telemetry header, measured in alternating rounds.
pub(crate) async fn compare(
    info: &TenantInfo,
    concurrency: usize,
    round: Duration,
    rounds: u32,
) -> Result<serde_json::Value, BoxError> {
    let names = ["raw_rps", "facade_rps", "facade_no_telemetry_rps"];
    let sides = [
        raw_caller(info).await?,
        facade_caller(info, true)?,
        facade_caller(info, false)?,
    ];
    let (per_round, secs) = alternate(&sides, concurrency, round, rounds).await?;
    let counts: Vec<u64> = (0..sides.len())
        .map(|i| per_round.iter().map(|r| r[i]).sum())
        .collect();
    let mut out = serde_json::Map::new();
    out.insert("concurrency".into(), concurrency.into());
    out.insert("seconds_per_side".into(), secs.into());
    for (name, n) in names.iter().zip(&counts) {
        out.insert((*name).into(), (*n as f64 / secs).into());
    }
    out.insert(
        "ratio".into(),
        (counts[1] as f64 / counts[0].max(1) as f64).into(),
    );
    out.insert(
        "ratio_no_telemetry".into(),
        (counts[2] as f64 / counts[0].max(1) as f64).into(),
    );
    Ok(out.into())
}
