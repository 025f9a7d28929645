// What every peer's worker process shares: the stdout protocol the orchestrator (drain.mjs)
// reads, the "go" gate, and the scenario's work. Notify's worker (bench/Notify.DrainBench)
// speaks the same protocol: `ready`, `first <epoch ms>`, `handled <count>`.
import http from 'node:http';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';

export const config = {
  scenario: required('DRAIN_SCENARIO'), // noop | http
  concurrency: Number(process.env.DRAIN_CONCURRENCY ?? 32),
  pgUrl: process.env.DRAIN_PG_URL,
  redisHost: process.env.DRAIN_REDIS_HOST ?? '127.0.0.1',
  redisPort: Number(process.env.DRAIN_REDIS_PORT ?? 6379),
  sandboxUrl: process.env.DRAIN_SANDBOX_URL,
  sandboxKey: process.env.DRAIN_SANDBOX_KEY,
};

export const QUEUE = 'drain';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

export const nowMs = () => performance.timeOrigin + performance.now();

let handled = 0;
let reported = 0;
let first = false;

function report() {
  if (handled > reported) {
    reported = handled;
    process.stdout.write(`handled ${handled}\n`);
  }
}
setInterval(report, 20).unref();

/** Counts one finished unit of work; prints the time of the first. */
function handledOne() {
  if (!first) {
    first = true;
    process.stdout.write(`first ${nowMs().toFixed(3)}\n`);
  }
  handled++;
  if (handled % 100 === 0) report();
}

/** Resolves when the orchestrator writes `go` on stdin, after this process said `ready`. */
export function readyThenWaitForGo() {
  process.stdout.write('ready\n');
  return new Promise((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') resolve();
    });
  });
}

// Keep-alive connections to the sandbox, as an HTTP client library would hold them.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** The SendGrid Mail Send body every system sends for a message (same fields as Notify's). */
export function mailBody(data) {
  return JSON.stringify({
    personalizations: [{ to: [{ email: data.recipient }], custom_args: { delivery_id: data.deliveryId } }],
    from: { email: 'bench@example.com' },
    subject: data.subject,
    content: [{ type: 'text/plain', value: data.text }],
  });
}

function postMail(data) {
  const body = mailBody(data);
  return new Promise((resolve, reject) => {
    const request = http.request(new URL('/v3/mail/send', config.sandboxUrl), {
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${config.sandboxKey}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 202) resolve(response.headers['x-message-id']);
        else reject(new Error(`SendGrid answered ${response.statusCode}`));
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The work of one message in this run's scenario: nothing, or one Mail Send POST. */
export async function work(data) {
  if (config.scenario === 'http') {
    await postMail(data);
  }
  handledOne();
}

/** The job payload every peer stores: what Notify stores per delivery (recipient, id, inline content). */
export function payload(i, runId) {
  return {
    deliveryId: `${runId}-${i}`,
    recipient: `user${i}@example.com`,
    subject: 'Your receipt',
    text: 'Thanks for your order. This message is part of Notify\'s drain benchmark.',
  };
}
