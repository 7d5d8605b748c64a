// One process of the rate-budget fleet with node-auth0 (the `auth0` npm package): the same
// configuration on stdin and the same result on stdout as `auth0-m2m-bench rate-fleet-worker`.
// The package is loaded from the directory in AUTH0_NODE_PACKAGE; the fake tenant's CA comes
// from NODE_EXTRA_CA_CERTS.
"use strict";

const { ManagementClient } = require(process.env.AUTH0_NODE_PACKAGE);

const BULK_CALLS = 100;
const BULK_TASKS = 4;
const INTERACTIVE_PER_SECOND = 2;
const BASELINE_CALLS = 10;

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function main() {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const config = JSON.parse(input);
  const fs = require("fs");
  const client = new ManagementClient({
    domain: config.tenant.domain,
    clientId: config.tenant.client_id,
    clientSecret: config.tenant.client_secret,
    audience: config.tenant.audience,
  });
  const id = config.tenant.client_id;
  const result = {
    calls: 0,
    errors: 0,
    first_error: null,
    finished_ms: 0,
    latencies_ms: [],
    baseline_ms: 0,
    answers_429: 0,
  };
  // The token first, as the Rust workers do.
  await client.clients.get(id);
  if (config.interactive) {
    const idle = [];
    for (let i = 0; i < BASELINE_CALLS; i++) {
      const t = performance.now();
      await client.clients.get(id);
      idle.push(performance.now() - t);
    }
    idle.sort((a, b) => a - b);
    result.baseline_ms = percentile(idle, 50);
  }
  await sleep(config.start_unix_ms - Date.now());
  const started = performance.now();
  const fail = (e) => {
    result.errors += 1;
    if (result.first_error === null) result.first_error = String(e && e.message ? e.message : e);
  };
  if (config.interactive) {
    const calls = [];
    const period = 1000 / INTERACTIVE_PER_SECOND;
    for (let n = 0; !fs.existsSync(config.stop_file); n++) {
      await sleep(started + n * period - performance.now());
      const t = performance.now();
      calls.push(
        client.clients.get(id).then(
          () => result.latencies_ms.push(performance.now() - t),
          fail,
        ),
      );
      result.calls += 1;
    }
    await Promise.all(calls);
  } else {
    let next = 0;
    const task = async () => {
      while (next++ < BULK_CALLS) {
        result.calls += 1;
        try {
          await client.clients.get(id);
        } catch (e) {
          fail(e);
        }
      }
    };
    await Promise.all(Array.from({ length: BULK_TASKS }, task));
  }
  result.finished_ms = performance.now() - started;
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
