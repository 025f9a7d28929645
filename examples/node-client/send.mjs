// Sends one email notification to Notify with the development API key, then reads its
// status back. Usage (with the AppHost running):  npm install && node send.mjs [email]
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

const status = await call('GetNotification', { notification_id: sent.notification_id });
for (const d of status.deliveries) {
  console.log(`delivery ${d.delivery_id} ${d.channel} ${d.recipient_masked}: ${d.status} (attempts ${d.attempt_count}/${d.max_attempts})`);
}
client.close();
