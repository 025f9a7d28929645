// Turns the run's JSON lines into the markdown table run.sh prints and appends to
// bench/RESULTS.md: medians of the repetitions, every run's number beside them, and the
// issue's targets checked against the medians.
import fs from 'node:fs';
import os from 'node:os';
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    drains: { type: 'string' }, pgbench: { type: 'string' }, latency: { type: 'string' },
    count: { type: 'string' }, reps: { type: 'string' }, durable: { type: 'string' },
    'pg-version': { type: 'string' }, 'redis-version': { type: 'string' }, commit: { type: 'string' },
    load: { type: 'string' },
  },
});

const read = (file) => (file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const drains = read(args.drains);
const pgbench = read(args.pgbench);
const latency = read(args.latency);
const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n) => (n === null ? '—' : Math.round(n).toLocaleString('en-US'));
const peerVersions = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8')).dependencies;

function machine() {
  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model ?? '?';
  const osName = (fs.readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="?([^"\n]*)/) ?? [])[1] ?? os.type();
  let dotnet = '?';
  try { dotnet = execSync('dotnet --version', { encoding: 'utf8' }).trim(); } catch { /* not on PATH */ }
  return `nproc=${os.availableParallelism()}, cpu=${cpu.trim()}, ram=${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, os=${osName}, `
    + `.NET SDK ${dotnet}, Node.js ${process.versions.node}, PostgreSQL ${args['pg-version']} `
    + `(${args.durable === '1' ? 'synchronous_commit on' : 'synchronous_commit off, fsync on'}), Redis ${args['redis-version']} (no persistence)`;
}

const systems = [
  ['notify', 'Notify (engine, `AddDeliveryEngine`)'],
  ['graphile', `graphile-worker ${peerVersions['graphile-worker']}`],
  ['bullmq', `BullMQ ${peerVersions.bullmq}`],
  ['pgboss', `pg-boss ${peerVersions['pg-boss']}`],
];
const columns = [['noop', 1], ['noop', 2], ['http', 1], ['http', 2]];
const cell = (system, scenario, replicas, pick = (r) => r.rate) => {
  const runs = drains.filter((r) => r.system === system && r.scenario === scenario && r.replicas === replicas);
  const good = runs.filter((r) => r.ok).map(pick);
  const failed = runs.length - good.length;
  return { median: median(good), runs: good, failed };
};
const rateTable = (pick) => {
  const rows = ['| system | (a) no-op, 1 replica | (a) no-op, 2 replicas | (b) HTTP POST, 1 replica | (b) HTTP POST, 2 replicas |',
    '| --- | --- | --- | --- | --- |'];
  for (const [system, name] of systems) {
    if (!drains.some((r) => r.system === system)) continue;
    const cells = columns.map(([scenario, replicas]) => {
      const c = cell(system, scenario, replicas, pick);
      if (c.runs.length === 0 && c.failed === 0) return '—';
      return `**${fmt(c.median)}** (${c.runs.map(fmt).join(', ')}${c.failed ? `; ${c.failed} failed` : ''})`;
    });
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return rows;
};

const lines = [];
const date = new Date().toISOString().slice(0, 10);
lines.push(`## Delivery drain (issue 3): ${date}, commit ${args.commit}`);
lines.push('');
lines.push(`Machine: \`${machine()}\`.`);
const warmup = drains.find((r) => r.warmup !== undefined)?.warmup ?? 0;
lines.push(`Each run pre-enqueues ${fmt(warmup + Number(args.count))} messages, then starts the workers. **Messages/s, warm**: the last`
  + ` ${fmt(Number(args.count))}, from the moment the workers together had handled ${fmt(warmup)} (start-up, JIT compilation and`
  + ` connection set-up behind them) to the last completion the store reports. **Median of ${args.reps} runs**, each run in brackets.`
  + ` ${args.load ? `Load average before the run: ${args.load}. ` : ''}Single runs on 2 shared cores are noisy; the CPU cost per`
  + ' message below is the steadier measure.');
lines.push('');
lines.push(...rateTable((r) => r.rate));
lines.push('');
lines.push(`Cold: all ${fmt(warmup + Number(args.count))} messages from the first one any worker started (includes each process's start-up and JIT), messages/s:`);
lines.push('');
lines.push(...rateTable((r) => r.coldRate));
lines.push('');
lines.push('CPU per 1,000 messages (ms; warm part of scenario (a), 1 replica, median): the workers\' processes, PostgreSQL (backends, autovacuum), Redis.');
lines.push('');
lines.push('| system | workers | PostgreSQL | Redis | total |');
lines.push('| --- | --- | --- | --- | --- |');
for (const [system, name] of systems) {
  const runs = drains.filter((r) => r.system === system && r.scenario === 'noop' && r.replicas === 1 && r.ok && r.cpuMsPer1000);
  if (!runs.length) continue;
  const m = (k) => median(runs.map((r) => r.cpuMsPer1000[k]));
  lines.push(`| ${name} | ${fmt(m('workers'))} | ${fmt(m('postgres'))} | ${fmt(m('redis'))} | ${fmt(m('workers') + m('postgres') + m('redis'))} |`);
}

const pgRates = (clients) => pgbench.filter((r) => r.clients === clients && r.ok).map((r) => r.rows);
const pg1 = median(pgRates(1));
const pg2 = median(pgRates(2));
if (pgbench.length) {
  lines.push('');
  lines.push(`pgbench baseline (\`bench/drain/pgbench/claim_complete.sql\`: Notify's claim of 100 rows and their completion, rows/s):`
    + ` 1 client **${fmt(pg1)}** (${pgRates(1).map(fmt).join(', ')}), 2 clients **${fmt(pg2)}** (${pgRates(2).map(fmt).join(', ')}).`);
}
const lat = latency.filter((r) => r.ok);
if (lat.length) {
  lines.push('');
  lines.push(`Notify accept → provider latency, scenario (b), 1 replica, ${lat[0].rate}/s for ${lat[0].seconds} s (half the median`
    + ` sustainable rate): p50 **${median(lat.map((r) => r.p50)).toFixed(1)} ms**, p99 **${median(lat.map((r) => r.p99)).toFixed(1)} ms**`
    + ` (p99 per run: ${lat.map((r) => r.p99.toFixed(1)).join(', ')}).`);
}

lines.push('');
lines.push('| target (issue 3) | measured (medians) | met |');
lines.push('| --- | --- | --- |');
for (const [scenario, label] of [['noop', '(a) no-op'], ['http', '(b) HTTP POST']]) {
  const notify = cell('notify', scenario, 1).median;
  const peers = systems.slice(1).map(([s, name]) => [name, cell(s, scenario, 1).median]).filter(([, m]) => m !== null);
  if (notify === null || peers.length === 0) continue;
  const [bestName, best] = peers.sort((a, b) => b[1] - a[1])[0];
  const ratio = notify / best;
  const coldNotify = cell('notify', scenario, 1, (r) => r.coldRate).median;
  const coldBest = Math.max(...systems.slice(1).map(([s]) => cell(s, scenario, 1, (r) => r.coldRate).median ?? 0));
  lines.push(`| Notify ≥ 1.5× the best peer, ${label}, 1 replica | warm: ${fmt(notify)} vs ${bestName} ${fmt(best)}: ${ratio.toFixed(2)}×; cold: ${(coldNotify / coldBest).toFixed(2)}× | ${ratio >= 1.5 ? 'yes' : '**no**'} |`);
}
const notifyNoop = cell('notify', 'noop', 1).median;
const pgBest = Math.max(pg1 ?? 0, pg2 ?? 0);
if (notifyNoop !== null && pgBest > 0) {
  const share = notifyNoop / pgBest;
  lines.push(`| Notify's drain ≥ 60% of pgbench claim/complete | (a) 1 replica, warm, ${fmt(notifyNoop)} vs pgbench ${fmt(pgBest)} (the better of 1 and 2 clients): ${(share * 100).toFixed(0)}% | ${share >= 0.6 ? 'yes' : '**no**'} |`);
}
if (lat.length) {
  const p99 = median(lat.map((r) => r.p99));
  lines.push(`| accept → provider p99 ≤ 250 ms at half the sustainable rate | ${p99.toFixed(1)} ms at ${lat[0].rate}/s | ${p99 <= 250 ? 'yes' : '**no**'} |`);
}
const failures = drains.filter((r) => !r.ok);
if (failures.length) {
  lines.push('');
  lines.push(`Failed or unverified runs (left out of the medians): ${failures.map((r) => `${r.system}/${r.scenario}/${r.replicas}: ${(r.problems ?? []).join('; ')}`).join(' · ')}`);
}
console.log(lines.join('\n'));
