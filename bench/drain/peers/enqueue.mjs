// Pre-enqueues COUNT jobs for one peer with its own bulk API, 1,000 per call:
//   node enqueue.mjs bullmq|graphile|pgboss COUNT
import { Queue } from 'bullmq';
import { makeWorkerUtils } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { config, QUEUE, payload } from './common.mjs';

const [system, countText] = process.argv.slice(2);
const count = Number(countText);
const chunk = 1000;
const runId = Math.random().toString(36).slice(2, 10);
const started = Date.now();

async function chunks(add) {
  for (let first = 0; first < count; first += chunk) {
    const items = [];
    for (let i = first; i < Math.min(count, first + chunk); i++) items.push(payload(i, runId));
    await add(items);
  }
}

if (system === 'bullmq') {
  const queue = new Queue(QUEUE, { connection: { host: config.redisHost, port: config.redisPort } });
  await chunks((items) => queue.addBulk(items.map((data) => ({
    name: 'mail', data, opts: { removeOnComplete: true, removeOnFail: 1000 },
  }))));
  await queue.close();
} else if (system === 'graphile') {
  const utils = await makeWorkerUtils({ connectionString: config.pgUrl });
  await utils.migrate();
  await chunks((items) => utils.addJobs(items.map((data) => ({ identifier: 'drain', payload: data }))));
  await utils.release();
} else if (system === 'pgboss') {
  const boss = new PgBoss({ connectionString: config.pgUrl, schedule: false, supervise: false });
  boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
  await boss.start();
  await boss.createQueue(QUEUE);
  await chunks((items) => boss.insert(items.map((data) => ({ name: QUEUE, data }))));
  await boss.stop({ graceful: false, wait: true });
} else {
  console.error(`unknown system ${system}`);
  process.exit(2);
}
console.log(`enqueued ${count} in ${((Date.now() - started) / 1000).toFixed(2)} s`);
