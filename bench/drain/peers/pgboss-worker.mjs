// pg-boss 10 worker. Each work() call adds one polling worker that fetches a batch
// (batchSize) and completes it in one statement when the handler resolves; a worker that
// found jobs still waits out the polling interval (0.5 s, pg-boss's minimum) counted from
// the start of its fetch. So throughput comes from several workers with large batches.
// Within a batch, jobs run concurrently up to 32 / workers, so at most 32 run at once.
import PgBoss from 'pg-boss';
import { config, QUEUE, readyThenWaitForGo, work } from './common.mjs';

export const PGBOSS_WORKERS = Number(process.env.DRAIN_PGBOSS_WORKERS ?? 4);
export const PGBOSS_BATCH = Number(process.env.DRAIN_PGBOSS_BATCH ?? 500);

const boss = new PgBoss({
  connectionString: config.pgUrl,
  max: PGBOSS_WORKERS + 2,
  schedule: false,
  supervise: false,
  migrate: false,
});
boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
await boss.start();

async function runBatch(jobs) {
  const perWorker = Math.max(1, Math.floor(config.concurrency / PGBOSS_WORKERS));
  let next = 0;
  const lanes = Array.from({ length: Math.min(perWorker, jobs.length) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      await work(job.data);
    }
  });
  await Promise.all(lanes);
}

await readyThenWaitForGo();
for (let i = 0; i < PGBOSS_WORKERS; i++) {
  await boss.work(QUEUE, { batchSize: PGBOSS_BATCH, pollingIntervalSeconds: 0.5 }, runBatch);
}
process.on('SIGTERM', async () => { await boss.stop({ graceful: true, wait: true, timeout: 5000 }); process.exit(0); });
