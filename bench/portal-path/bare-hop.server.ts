/**
 * The least any portal in its own process must do to get a token from the Key Manager over the bus: the
 * physical floor of issue 17 item 3's portal path, run by portal-path.bench as its `bare hop` scenario.
 *
 *   node dist/bench/portal-path/bare-hop.server.js <nats url> <subject prefix> <http port>
 *
 * `POST /token` with `{"clientId": …}`: parse the HTTP request and its JSON body, send `km.tokens.issue` to the
 * Key Manager as the portal's client sends it (the same envelope: sender with the Key Manager's own encryption
 * profile, request id, data), parse the reply, answer WSO2's three fields as JSON. Nothing else: no Nest, no
 * bearer token, no ownership or secret check, no validation, no logging, no metrics, no hedging, no tracing;
 * requests of one turn of the event loop go out together, as the portal's do.
 * It prints `ready` on stdout once it listens. Not a product component: only the benchmark starts it.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from '@nats-io/transport-node';

const [natsUrl, prefix, port] = process.argv.slice(2);
if (!natsUrl || prefix === undefined || !port) {
  console.error('usage: bare-hop.server <nats url> <subject prefix> <http port>');
  process.exit(2);
}
const subject = (pattern: string) => (prefix ? `${prefix}.${pattern}` : pattern);
const nc = await connect({ servers: natsUrl, name: 'bench-bare-hop' });
const instanceId = randomUUID();

interface Reply {
  err?: { code: string; message: string } | null;
  response?: { data: Record<string, unknown>; responder: { profile: Record<string, unknown> } };
}

async function call(pattern: string, data: unknown, profile: Record<string, unknown>): Promise<Reply> {
  const requestId = randomUUID();
  const body = JSON.stringify({ id: requestId, pattern, data: { sender: { service: 'devportal', instanceId, profile }, requestId, data } });
  // Sent in this turn's check phase with the others of the turn, in one socket write, as the portal's
  // transport sends (NatsRpcTransport): otherwise each request of its own turn costs a write system call.
  await new Promise((resolve) => setImmediate(resolve));
  const message = await nc.request(subject(pattern), body, { timeout: 5000 });
  return JSON.parse(message.string()) as Reply;
}

// The Key Manager answers its profile whatever the caller's; every call after that sends it back as ours.
const first = await call('km.profile.get', {}, { fingerprint: 'bench-bare-hop' });
const profile = first.response?.responder.profile;
if (!profile) throw new Error(`the Key Manager did not answer km.profile.get: ${JSON.stringify(first.err)}`);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const answer = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    let clientId: unknown;
    try {
      clientId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { clientId?: unknown }).clientId;
    } catch {
      return answer(400, { message: 'not JSON' });
    }
    call('km.tokens.issue', { clientId }, profile).then(
      (reply) => {
        const tokens = reply.response?.data;
        if (!tokens) return answer(502, { message: reply.err?.code ?? 'no answer' });
        answer(200, { accessToken: tokens['accessToken'], tokenScopes: tokens['scopes'], validityTime: tokens['expiresIn'] });
      },
      (error: unknown) => answer(502, { message: error instanceof Error ? error.message : 'failed' }),
    );
  });
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  void nc.drain().then(() => process.exit(0));
});
