// Sends one email notification to Notify with the development API key, then reads its
// status back until the provider has it. Usage (with the AppHost running):  npm install && node send.mjs [email]
// Finds the ingress and key in <repo>/.notify/endpoints.json, or NOTIFY_ADDRESS / NOTIFY_API_KEY.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

function endpoints() {
  const file = join(repo, '.notify', 'endpoints.json');
  const fromFile = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const grpcUrl = process.env.NOTIFY_ADDRESS ?? fromFile.resources?.ingress?.endpoints?.grpc;
  const apiKey = process.env.NOTIFY_API_KEY ?? fromFile.developmentApiKey;
  if (!grpcUrl || !apiKey) {
    throw new Error('Start Notify first (scripts/run.sh) or set NOTIFY_ADDRESS and NOTIFY_API_KEY.');
  }
  return { address: new URL(grpcUrl).host, apiKey };
}

const definition = protoLoader.loadSync(join(repo, 'protos', 'notify', 'v1', 'notify.proto'), {
  includeDirs: [join(repo, 'protos')],
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const { notify } = grpc.loadPackageDefinition(definition);

const { address, apiKey } = endpoints();
const client = new notify.v1.NotifyService(address, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${apiKey}`);

const call = (method, request) => new Promise((ok, fail) =>
  client[method](request, metadata, (error, response) => (error ? fail(error) : ok(response))));

const email = process.argv[2] ?? 'ada@example.com';
const sent = await call('Send', {
  idempotency_key: `node-example-${randomUUID()}`,
  recipient: { email },
  channels: ['CHANNEL_EMAIL'],
  content: { email: { subject: 'Hello from Node', text_body: 'Sent through Notify over gRPC.' } },
});
console.log('Send ->', JSON.stringify(sent));

// Read the status back until every delivery has left the queue (or 15 s have passed): an OK from
// Send means committed; the channel process then delivers it within moments.
const inFlight = new Set(['DELIVERY_STATUS_PENDING', 'DELIVERY_STATUS_SENDING', 'DELIVERY_STATUS_RETRYING']);
const deadline = Date.now() + 15_000;
let last = '';
for (;;) {
  const status = await call('GetNotification', { notification_id: sent.notification_id });
  const lines = status.deliveries.map(d =>
    `delivery ${d.delivery_id} ${d.channel} ${d.recipient_masked}: ${d.status} (attempts ${d.attempt_count}/${d.max_attempts})`);
  if (lines.join('\n') !== last) {
    console.log((last = lines.join('\n')));
  }
  if (!status.deliveries.some(d => inFlight.has(d.status)) || Date.now() > deadline) {
    break;
  }
  await new Promise(wake => setTimeout(wake, 200));
}
client.close();
