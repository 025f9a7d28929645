// One measured run of the drain benchmark, for any of the four systems:
//   node drain.mjs --system notify|bullmq|graphile|pgboss --scenario noop|http --replicas N [--count 20000] [--warmup 2000]
//   node drain.mjs --system notify --scenario http --latency-rate R [--latency-seconds 20]
// Resets the system's store, pre-enqueues WARMUP + COUNT messages (not timed), starts N
// worker processes and lets them all go at once. The drain is timed to the moment the store
// reports none left (polled every 2 ms once the workers have handled them all), from two
// starts: `rate` from the moment the workers together had handled WARMUP messages (COUNT
// messages, warm: start-up, JIT compilation and connection set-up are behind), and
// `coldRate` from the first message any worker started (all WARMUP + COUNT messages).
// Prints one JSON line on stdout; progress goes to stderr.
// Connection settings come from the environment that bench/drain/run.sh sets.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';

const nowMs = () => performance.timeOrigin + performance.now();
const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    system: { type: 'string' },
    scenario: { type: 'string', default: 'noop' },
    replicas: { type: 'string', default: '1' },
    count: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '2000' },
    'latency-rate': { type: 'string' },
    'latency-seconds': { type: 'string', default: '20' },
  },
});
const system = args.system;
const scenario = args.scenario;
const replicas = Number(args.replicas);
const count = Number(args.count);
const warmup = Number(args.warmup);
const latencyRate = args['latency-rate'] ? Number(args['latency-rate']) : null;
if (!['notify', 'bullmq', 'graphile', 'pgboss'].includes(system) || !['noop', 'http'].includes(scenario)) {
  console.error('usage: node drain.mjs --system notify|bullmq|graphile|pgboss --scenario noop|http --replicas N [--count N]');
  process.exit(2);
}

const env = process.env;
const pgHost = env.DRAIN_PG_HOST ?? '127.0.0.1';
const pgPort = env.DRAIN_PG_PORT;
const pgUser = env.DRAIN_PG_USER;
const pgPassword = env.DRAIN_PG_PASSWORD;
const database = `drain_${system}`;
const pgUrl = (db) => `postgres://${pgUser}:${encodeURIComponent(pgPassword)}@${pgHost}:${pgPort}/${db}`;
const npgsql = `Host=${pgHost};Port=${pgPort};Username=${pgUser};Password=${pgPassword};Database=${database}`;
const redis = { host: env.DRAIN_REDIS_HOST ?? '127.0.0.1', port: Number(env.DRAIN_REDIS_PORT) };
const sandboxUrl = env.DRAIN_SANDBOX_URL;
const sandboxKey = env.DRAIN_SANDBOX_KEY;
const dotnetDll = env.DRAIN_NOTIFY_DLL;
const log = (message) => process.stderr.write(`[${system}/${scenario}/${replicas}] ${message}\n`);

const workerEnv = {
  ...env,
  DRAIN_SCENARIO: scenario,
  DRAIN_CONCURRENCY: '32',
  DRAIN_PG_URL: pgUrl(database),
  DRAIN_REDIS_HOST: redis.host,
  DRAIN_REDIS_PORT: String(redis.port),
  DRAIN_SANDBOX_URL: sandboxUrl ?? '',
  DRAIN_SANDBOX_KEY: sandboxKey ?? '',
};

// CPU time from /proc, in ms: a number the other work on a shared machine disturbs far less
// than throughput. USER_HZ is 100 on Linux.
function procTimes(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), self: (Number(f[11]) + Number(f[12])) * 10, children: (Number(f[13]) + Number(f[14])) * 10 };
  } catch {
    return null;
  }
}

/** The server's CPU so far: the postmaster, its live backends, and the backends that exited (its children's time). */
function serverCpu(pid) {
  if (!pid) return 0;
  const root = procTimes(pid);
  if (!root) return 0;
  let total = root.self + root.children;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    const t = procTimes(entry);
    if (t && t.ppid === pid) total += t.self;
  }
  return total;
}

function cpuSnapshot(workers) {
  return {
    workers: workers.reduce((a, w) => a + (procTimes(w.child.pid)?.self ?? 0), 0),
    postgres: serverCpu(Number(env.DRAIN_PG_PID)),
    redis: serverCpu(Number(env.DRAIN_REDIS_PID)),
    sandbox: serverCpu(Number(env.DRAIN_SANDBOX_PID)),
  };
}

const cpuPerThousand = (before, after, n) => Object.fromEntries(
  Object.keys(after).map((k) => [k, Math.round(((after[k] - before[k]) * 1000) / n)]));

async function sql(db, text, params) {
  const client = new pg.Client({ connectionString: pgUrl(db) });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

function runToEnd(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { env: workerEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`${command} ${commandArgs[0]} exited ${code}: ${output}`))));
  });
}

async function resetStores() {
  await sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await sql('postgres', `CREATE DATABASE ${database}`);
  const client = new Redis(redis);
  await client.flushall();
  client.disconnect();
  if (sandboxUrl) {
    const answer = await fetch(new URL('/sandbox/reset', sandboxUrl), { method: 'POST' });
    if (!answer.ok) throw new Error(`sandbox reset answered ${answer.status}`);
  }
}

async function enqueue(n) {
  const output = system === 'notify'
    ? await runToEnd('dotnet', [dotnetDll, 'enqueue', npgsql, String(n)])
    : await runToEnd(process.execPath, [path.join(here, 'enqueue.mjs'), system, String(n)]);
  log(output);
  // Every system starts from the same state: statistics fresh, dirty pages flushed.
  await sql(database, 'VACUUM ANALYZE');
  await sql('postgres', 'CHECKPOINT');
}

// The moment the workers together had handled `warmup` messages (when the line saying so arrived).
let warmStart = null;
let warmCpu = null;
let running = [];
function onHandled() {
  if (warmStart === null && running.reduce((a, w) => a + w.handled, 0) >= warmup) {
    warmStart = nowMs();
    warmCpu = cpuSnapshot(running);
  }
}

function startWorker(index) {
  const [command, commandArgs] = system === 'notify'
    ? ['dotnet', [dotnetDll, 'work',
      `--ConnectionStrings:notifydb=${npgsql}`,
      `--ConnectionStrings:redis=${redis.host}:${redis.port}`,
      `--Drain:Provider=${scenario === 'http' ? 'sendgrid' : 'noop'}`,
      ...(scenario === 'http' ? [`--Drain:SendGridUrl=${sandboxUrl}`, `--Drain:SendGridApiKey=${sandboxKey}`] : []),
      '--Notify:Delivery:MaxConcurrency=32',
      '--Notify:Delivery:BatchSize=100',
      `--Notify:Delivery:WorkerId=drain-${index}`,
      '--Logging:LogLevel:Default=Warning',
      '--Drain:WaitForGo=true',
      '--urls=http://127.0.0.1:0',
      // Extra engine settings for experiments, e.g. "--Notify:Delivery:BatchSize=200".
      ...(env.DRAIN_NOTIFY_ARGS ? env.DRAIN_NOTIFY_ARGS.split(' ') : [])]]
    : [process.execPath, [path.join(here, `${system}-worker.mjs`)]];
  const child = spawn(command, commandArgs, { env: { ...workerEnv, DOTNET_ENVIRONMENT: 'Production' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const worker = { child, ready: false, first: null, handled: 0, exited: false, stopping: false };
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      const [word, value] = line.split(' ');
      if (word === 'ready') worker.ready = true;
      else if (word === 'first') worker.first = Number(value);
      else if (word === 'handled') {
        worker.handled = Math.max(worker.handled, Number(value));
        onHandled();
      }
      else if (line) process.stderr.write(`  worker ${index}: ${line}\n`);
    }
  });
  child.on('exit', (code, signal) => {
    worker.exited = true;
    if (!worker.stopping) process.stderr.write(`  worker ${index}: exited (${signal ? `signal ${signal}` : `code ${code}`})\n`);
  });
  return worker;
}

async function waitFor(condition, what, timeoutMs, workers) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (workers.some((w) => w.exited)) throw new Error(`a worker exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function stopWorkers(workers) {
  for (const w of workers) w.stopping = true;
  for (const w of workers) if (!w.exited) w.child.kill('SIGTERM');
  const deadline = Date.now() + 15000;
  while (workers.some((w) => !w.exited) && Date.now() < deadline) await sleep(50);
  for (const w of workers) if (!w.exited) w.child.kill('SIGKILL');
}

/** How many messages the store still holds as not yet done. */
async function makeRemaining() {
  if (system === 'bullmq') {
    const queue = new Queue('drain', { connection: redis });
    return {
      remaining: async () => {
        const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children');
        return Object.values(counts).reduce((a, b) => a + b, 0);
      },
      close: () => queue.close(),
    };
  }
  const client = new pg.Client({ connectionString: pgUrl(database) });
  await client.connect();
  const query = {
    // Two counts, each on the partial index that holds exactly those rows (one IN over all
    // three statuses is a scan of the whole partition).
    notify: "SELECT ((SELECT count(*) FROM notify.deliveries WHERE channel = 'email' AND status IN ('PENDING', 'RETRYING'))"
      + " + (SELECT count(*) FROM notify.deliveries WHERE channel = 'email' AND status = 'SENDING'))::int AS n",
    graphile: 'SELECT count(*)::int AS n FROM graphile_worker._private_jobs',
    pgboss: "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'drain' AND state IN ('created', 'retry', 'active')",
  }[system];
  return { remaining: async () => (await client.query(query)).rows[0].n, close: () => client.end() };
}

/** Checks every message was done exactly once; returns a list of problems (empty when fine). */
async function verify(n) {
  const problems = [];
  if (system === 'notify') {
    const { rows: [r] } = await sql(database, `SELECT
        count(*) FILTER (WHERE status = 'SENT')::int AS sent,
        (SELECT count(*)::int FROM notify.delivery_attempts) AS attempts
      FROM notify.deliveries`);
    if (r.sent !== n) problems.push(`${r.sent} of ${n} deliveries SENT`);
    if (r.attempts !== n) problems.push(`${r.attempts} attempts for ${n} deliveries`);
  } else if (system === 'pgboss') {
    const { rows: [r] } = await sql(database, "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'drain' AND state = 'completed'");
    if (r.n !== n) problems.push(`${r.n} of ${n} jobs completed`);
  } else if (system === 'graphile') {
    const { rows: [r] } = await sql(database, 'SELECT count(*)::int AS n FROM graphile_worker._private_jobs');
    if (r.n !== 0) problems.push(`${r.n} jobs left`);
  } else {
    const queue = new Queue('drain', { connection: redis });
    const counts = await queue.getJobCounts('failed');
    await queue.close();
    if (counts.failed !== 0) problems.push(`${counts.failed} jobs failed`);
  }
  if (scenario === 'http') {
    const stats = await (await fetch(new URL('/sandbox/stats', sandboxUrl))).json();
    const s = stats.sendgrid;
    if (s.accepted !== n || s.duplicates !== 0) problems.push(`sandbox: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected`);
  }
  return problems;
}

async function drainRun() {
  await resetStores();
  await enqueue(warmup + count);
  const total = warmup + count;
  const workers = Array.from({ length: replicas }, (_, i) => startWorker(i + 1));
  activeWorkers = workers;
  running = workers;
  try {
    await waitFor(() => workers.every((w) => w.ready), 'workers to start', 120000, workers);
    const cpuBefore = cpuSnapshot(workers);
    for (const w of workers) w.child.stdin.write('go\n');
    await waitFor(() => workers.reduce((a, w) => a + w.handled, 0) >= total, 'the work to be handled', 900000, workers);
    const store = await makeRemaining();
    let end;
    try {
      while (true) {
        const polled = nowMs();
        if ((await store.remaining()) === 0) { end = polled; break; }
        await sleep(2);
      }
    } finally {
      await store.close();
    }
    const cpuEnd = cpuSnapshot(workers);
    const first = Math.min(...workers.filter((w) => w.first !== null).map((w) => w.first));
    const seconds = (end - (warmStart ?? first)) / 1000;
    const coldSeconds = (end - first) / 1000;
    const problems = await verify(total);
    return {
      system, scenario, replicas, count, warmup, seconds: Number(seconds.toFixed(3)),
      rate: Math.round(count / seconds), coldRate: Math.round(total / coldSeconds),
      cpuMsPer1000: cpuPerThousand(warmCpu ?? cpuBefore, cpuEnd, count),
      coldCpuMsPer1000: cpuPerThousand(cpuBefore, cpuEnd, total),
      ok: problems.length === 0, problems,
      perWorker: workers.map((w) => w.handled),
    };
  } finally {
    await stopWorkers(workers);
  }
}

/** Notify only: deliveries written at a steady rate while one replica drains; accept → provider latency from the database. */
async function latencyRun() {
  const seconds = Number(args['latency-seconds']);
  await resetStores();
  // The warm-up deliveries also give the planner statistics of a table with rows in it (an
  // analyzed empty table makes it plan sequential scans that grow slower with every row fed).
  await enqueue(warmup);
  const workers = [startWorker(1)];
  activeWorkers = workers;
  running = workers;
  try {
    await waitFor(() => workers[0].ready, 'the worker to start', 120000, workers);
    workers[0].child.stdin.write('go\n');
    await waitFor(() => workers[0].handled >= warmup, 'the warm-up deliveries', 120000, workers);
    const fed = await runToEnd('dotnet', [dotnetDll, 'feed', npgsql, String(latencyRate), String(seconds)]);
    log(fed);
    const total = Number(/fed (\d+)/.exec(fed)[1]) + warmup;
    await waitFor(() => workers[0].handled >= total, 'the fed deliveries', 300000, workers);
    await sleep(1000);
    // Accepted = the notification's created_at (its insert transaction's start, so a little
    // before the caller's answer); at the provider = the attempt's start. The first 2 s are warm-up.
    const { rows: [r] } = await sql(database, `
      WITH l AS (
        SELECT extract(epoch FROM a.started_at - n.created_at) * 1000 AS ms
        FROM notify.delivery_attempts a
        JOIN notify.deliveries d ON d.id = a.delivery_id
        JOIN notify.notifications n ON n.id = d.notification_id
        WHERE n.idempotency_key LIKE 'feed-%'
          AND n.created_at > (SELECT min(created_at) FROM notify.notifications WHERE idempotency_key LIKE 'feed-%') + interval '2 seconds')
      SELECT count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max FROM l`);
    const problems = await verify(total);
    return {
      system, scenario, replicas: 1, mode: 'latency', rate: latencyRate, seconds, measured: r.n,
      p50: Number(Number(r.p50).toFixed(1)), p99: Number(Number(r.p99).toFixed(1)), max: Number(Number(r.max).toFixed(1)),
      ok: problems.length === 0, problems,
    };
  } finally {
    await stopWorkers(workers);
  }
}

// Interrupted: stop the workers this run started before going.
let activeWorkers = [];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await stopWorkers(activeWorkers);
    process.exit(130);
  });
}

try {
  const result = latencyRate ? await latencyRun() : await drainRun();
  log(JSON.stringify(result));
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  log(`failed: ${error.stack ?? error}`);
  process.exit(1);
}
