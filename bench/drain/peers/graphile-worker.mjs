// graphile-worker runner with the batching its performance page sets: a local queue that
// fetches 500 jobs per query, completions (and failures) batched (delay 0), prepared
// statements on (the default), concurrentJobs 32 and a pool of concurrentJobs + 2.
import { Logger, run } from 'graphile-worker';
import { config, readyThenWaitForGo, work } from './common.mjs';

const preset = {
  worker: {
    connectionString: config.pgUrl,
    concurrentJobs: config.concurrency,
    maxPoolSize: config.concurrency + 2,
    preparedStatements: true,
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
  },
};

// Warnings and errors only: its default logs a line per job, which Notify's workers do not do either.
const logger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});

await readyThenWaitForGo();
const runner = await run({
  preset,
  logger,
  noHandleSignals: true,
  taskList: { drain: async (data) => { await work(data); } },
});
runner.events.on('job:failed', ({ job, error }) => console.error(`job ${job.id} failed: ${error}`));
process.on('SIGTERM', async () => { await runner.stop(); process.exit(0); });
