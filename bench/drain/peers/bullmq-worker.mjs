// BullMQ worker: one Worker with concurrency 32 (the docs' way to run jobs in parallel in
// one process); jobs are removed on completion (set when they were added, see enqueue.mjs).
import { Worker } from 'bullmq';
import { config, QUEUE, readyThenWaitForGo, work } from './common.mjs';

const worker = new Worker(QUEUE, async (job) => { await work(job.data); }, {
  connection: { host: config.redisHost, port: config.redisPort, maxRetriesPerRequest: null },
  concurrency: config.concurrency,
  autorun: false,
});
worker.on('failed', (job, error) => console.error(`job ${job?.id} failed: ${error.message}`));
await worker.waitUntilReady();
await readyThenWaitForGo();
worker.run();
process.on('SIGTERM', async () => { await worker.close(); process.exit(0); });
