/**
 * The Key Manager's own per-issuance work for the stored secret, outside HTTP and PostgreSQL: a fresh opaque
 * token (`newSelectorSecret`), `TokenProcessor.protect` (seal + lookup hash) and the token INSERT's JSON parameter
 * for a batch of 14 rows (`insertParameters`) — encryption off against AES-GCM — beside the bare cost of one
 * AES-256-GCM seal with WSO2's envelope written by hand (as bench:key-manager's cost table times it). CPU time
 * per token, the median of 15 alternating rounds: a measure a loaded machine disturbs far less than the
 * HTTP benchmark's per-request CPU (issue 17 item 4).
 *
 *   npm run build && node dist/bench/key-manager/issuance-work.bench.js
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Keyring, parseSymmetricKey, SecretCipher, SecretKinds, selectorOfSecret, TokenProcessor, Transformations } from '@app/crypto';
import { insertParameters, type NewToken } from '../../apps/key-manager/src/persistence/tokens.repository.js';
import { newSelectorSecret } from '../../apps/key-manager/src/tokens/secret-generator.util.js';

const BATCH = 14; // the Key Manager's average insert batch under bench:key-manager's load
const ROUNDS = 15;

const keyring = Keyring.create({ rsa: [], symmetric: [parseSymmetricKey(randomBytes(32).toString('hex'))] });
const processors = {
  off: new TokenProcessor(new SecretCipher(keyring, { enabled: false, transformation: Transformations.RsaOaepSha1 })),
  'aes-gcm': new TokenProcessor(new SecretCipher(keyring, { enabled: true, transformation: Transformations.AesGcm })),
};

/** One batch of opaque client_credentials tokens as the Key Manager issues and inserts them. */
function issueBatch(processor: TokenProcessor): number {
  const now = Math.floor(Date.now() / 1000);
  const rows: NewToken[] = [];
  for (let i = 0; i < BATCH; i++) {
    const id = '0193a000-0000-7000-8000-000000000000';
    const token = newSelectorSecret();
    rows.push({
      id,
      clientId: 'bench-client-id-24-chars',
      username: null,
      scopes: 'default',
      tokenType: 'Default',
      grantType: 'client_credentials',
      access: processor.protect(SecretKinds.AccessToken, token),
      accessSelector: selectorOfSecret(token),
      refresh: null,
      refreshSelector: null,
      issuedAt: now,
      expiresAt: now + 3600,
      refreshExpiresAt: null,
      familyId: id,
      parentId: null,
      authorizationCodeId: null,
      signingKeyId: null,
      authTime: null,
    });
  }
  return insertParameters(rows).reduce((length, parameter) => length + parameter.length, 0);
}

// The bare seal, as bench:key-manager's bareCipherUs writes it.
const aesKey = randomBytes(32);
const keyId = createHash('sha256').update(aesKey).digest('base64');
const secret = randomBytes(32).toString('base64url');
function bareSeal(): number {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  const sealed = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  const inner = Buffer.from(JSON.stringify({ cipher: sealed.toString('base64'), initializationVector: iv.toString('base64'), keyId })).toString('base64');
  return Buffer.from(JSON.stringify({ c: inner, t: 'AES/GCM/NoPadding', iv: iv.toString('base64') })).toString('base64').length;
}

const tasks: Record<string, { run: () => number; tokens: number; repeat: number }> = {
  off: { run: () => issueBatch(processors.off), tokens: BATCH, repeat: 1000 },
  'aes-gcm': { run: () => issueBatch(processors['aes-gcm']), tokens: BATCH, repeat: 1000 },
  bare: { run: bareSeal, tokens: 1, repeat: BATCH * 1000 },
};
const perToken = new Map<string, number[]>(Object.keys(tasks).map((k) => [k, []]));
for (const task of Object.values(tasks)) for (let i = 0; i < 3000; i++) task.run(); // warm-up (JIT)
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(tasks);
  for (const name of round % 2 ? names.reverse() : names) {
    const task = tasks[name]!;
    const started = process.cpuUsage();
    for (let i = 0; i < task.repeat; i++) task.run();
    const used = process.cpuUsage(started);
    perToken.get(name)!.push((used.user + used.system) / (task.repeat * task.tokens));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const [off, aes, bare] = [median(perToken.get('off')!), median(perToken.get('aes-gcm')!), median(perToken.get('bare')!)];
process.stdout.write(
  `Node ${process.version}; ${ROUNDS} alternating rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n\n` +
    '| issuance work per token (secret, protect, INSERT parameter), µs of CPU: off | aes-gcm | extra | bare AES-GCM seal + envelope µs | extra ÷ bare |\n' +
    '|---:|---:|---:|---:|---:|\n' +
    `| ${off.toFixed(1)} | ${aes.toFixed(1)} | ${(aes - off).toFixed(1)} | ${bare.toFixed(1)} | ${((aes - off) / bare).toFixed(2)} |\n`,
);
