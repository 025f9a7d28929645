// Sends one notification on all five channels through a running AppHost, waits until every
// delivery has left Notify, then asks the provider sandbox how many times each arrived.
// Usage (with scripts/run.sh running):  npm install && node all-channels.mjs
// Exit code 0 only if every delivery is DELIVERED and the sandbox saw each exactly once.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID, randomBytes } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const endpoints = JSON.parse(readFileSync(join(repo, '.notify', 'endpoints.json'), 'utf8'));
const ingress = new URL(endpoints.resources.ingress.endpoints.grpc).host;
const sandbox = endpoints.resources.sandbox.endpoints.http;

const definition = protoLoader.loadSync(join(repo, 'protos', 'notify', 'v1', 'notify.proto'), {
  includeDirs: [join(repo, 'protos')], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const { notify } = grpc.loadPackageDefinition(definition);
const client = new notify.v1.NotifyService(ingress, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${endpoints.developmentApiKey}`);
const call = (method, request) => new Promise((ok, fail) =>
  client[method](request, metadata, (error, response) => (error ? fail(error) : ok(response))));

const sent = await call('Send', {
  idempotency_key: `all-channels-${randomUUID()}`,
  recipient: {
    email: 'ada@example.com',
    phone: '+14155550199',
    whatsapp: '+14155550198',
    webhook_url: new URL('/webhooks/demo', sandbox).toString(),
    push_devices: [
      { platform: 'PUSH_PLATFORM_FCM', token: `fcm-demo_${randomBytes(8).toString('hex')}:token` },
      { platform: 'PUSH_PLATFORM_APNS', token: randomBytes(32).toString('hex') },
    ],
  },
  channels: ['CHANNEL_EMAIL', 'CHANNEL_SMS', 'CHANNEL_WHATSAPP', 'CHANNEL_WEBHOOK', 'CHANNEL_PUSH'],
  content: {
    email: { subject: 'Hello', text_body: 'Hello from every channel.' },
    sms: { body: 'Hello from every channel.' },
    whatsapp: { text: 'Hello from every channel.' },
    webhook: { event_type: 'demo.hello' },
    push: { title: 'Hello', body: 'Hello from every channel.' },
  },
});

let deliveries = [];
for (let i = 0; i < 60; i++) {
  deliveries = (await call('GetNotification', { notification_id: sent.notification_id })).deliveries;
  // Email, SMS and WhatsApp reach DELIVERED when the provider's receipt arrives; webhook and push at once.
  if (deliveries.every(d => d.status === 'DELIVERY_STATUS_DELIVERED' || d.status === 'DELIVERY_STATUS_DEAD' || d.status === 'DELIVERY_STATUS_FAILED')) break;
  await new Promise(r => setTimeout(r, 500));
}
client.close();

let ok = true;
for (const d of deliveries) {
  const seen = await (await fetch(new URL(`/sandbox/messages?deliveryId=${d.delivery_id}`, sandbox))).json();
  const arrivals = seen.messages.reduce((n, m) => n + m.arrivals, 0);
  const good = d.status === 'DELIVERY_STATUS_DELIVERED' && arrivals === 1;
  ok &&= good;
  console.log(`${good ? 'ok  ' : 'FAIL'} ${d.channel.padEnd(16)} ${d.recipient_masked.padEnd(22)} ${d.status} via ${d.provider || '-'} (attempts ${d.attempt_count}); sandbox saw it ${arrivals} time(s)`);
}
process.exit(ok ? 0 : 1);
