// Throughput of SecretCipher.seal/open per writeable transformation, against the same cryptographic
// operation done with bare node:crypto in the same process, so the ratio shows what the library adds
// (WSO2 envelope, base64, checks) on top of OpenSSL.
//
//   npm run bench:crypto             (builds, then runs dist/bench/crypto/crypto.bench.js)
//   BENCH_ROUND_MS=500 BENCH_ROUNDS=7 npm run bench:crypto
//
// Each case is measured in rounds that alternate library and baseline (after a warm-up of both), so load
// from other processes hits both sides alike; a case's ratio is the median of its per-round ratios.
import { constants, createCipheriv, createDecipheriv, createSecretKey, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createPkcs12Keystore, Keyring, loadKeystore, parseSymmetricKey, SecretCipher, Transformations, type Transformation } from '@app/crypto';

const ROUND_MS = Number(process.env['BENCH_ROUND_MS'] ?? 400);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const WARMUP_MS = 300;
/** A WSO2-style opaque access token (UUID): what is sealed per token request. */
const TOKEN = '6c4cec2a-851f-ff74-90f8-76f22b5b4142';

interface Case {
  transformation: Transformation;
  operation: 'seal' | 'open';
  library: () => unknown;
  /** Bare node:crypto doing the same job: writing or reading WSO2's stored format, written the plain way (JSON + Buffer base64). */
  baseline: () => unknown;
  /** Bare node:crypto doing only the cipher operation (no stored format at all): how far the format itself is from free. */
  cipherOnly: () => unknown;
}

/** Operations per second of `fn`, run for at least `ms` milliseconds (in batches, so the clock is read rarely). */
function opsPerSecond(fn: () => unknown, ms: number): number {
  let ops = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = process.hrtime.bigint();
    if (batch < 1024) batch *= 2;
  }
  return ops / (Number(now - start) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(c: { library: () => unknown; baseline: () => unknown }): { library: number; baseline: number; ratio: number } {
  opsPerSecond(c.baseline, WARMUP_MS);
  opsPerSecond(c.library, WARMUP_MS);
  const library: number[] = [];
  const baseline: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // alternate which side goes first, so neither always runs on a warmer (or busier) machine
    let l: number;
    let b: number;
    if (round % 2 === 0) {
      l = opsPerSecond(c.library, ROUND_MS);
      b = opsPerSecond(c.baseline, ROUND_MS);
    } else {
      b = opsPerSecond(c.baseline, ROUND_MS);
      l = opsPerSecond(c.library, ROUND_MS);
    }
    library.push(l);
    baseline.push(b);
    ratios.push(l / b);
  }
  return { library: median(library), baseline: median(baseline), ratio: median(ratios) };
}

function rsaCases(transformation: Transformation, cipher: SecretCipher, publicKey: KeyObject, privateKey: KeyObject): Case[] {
  const oaepHash = transformation === Transformations.RsaOaepSha256 ? 'sha256' : 'sha1';
  const encrypt = { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash };
  const decrypt = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash };
  const sealed = cipher.seal(TOKEN);
  const ciphertext = publicEncrypt(encrypt, Buffer.from(TOKEN, 'utf8'));
  const thumbprint = cipher.keyring.rsaKeys[0]!.thumbprint;
  return [
    {
      transformation,
      operation: 'seal',
      library: () => cipher.seal(TOKEN),
      baseline: () => {
        const c = publicEncrypt(encrypt, Buffer.from(TOKEN, 'utf8')).toString('base64');
        const json = JSON.stringify({ c, t: transformation, tp: thumbprint, tpd: 'SHA-1' }).replaceAll('=', '\\u003d');
        return Buffer.from(json, 'utf8').toString('base64');
      },
      cipherOnly: () => publicEncrypt(encrypt, Buffer.from(TOKEN, 'utf8')),
    },
    {
      transformation,
      operation: 'open',
      library: () => cipher.open(sealed.stored, sealed.scheme),
      baseline: () => {
        const envelope = JSON.parse(Buffer.from(sealed.stored, 'base64').toString('utf8')) as { c: string; t: string };
        if (envelope.t !== transformation) throw new Error('transformation');
        return privateDecrypt(decrypt, Buffer.from(envelope.c, 'base64')).toString('utf8');
      },
      cipherOnly: () => privateDecrypt(decrypt, ciphertext).toString('utf8'),
    },
  ];
}

function aesCases(cipher: SecretCipher, key: KeyObject): Case[] {
  const transformation = Transformations.AesGcm;
  const sealed = cipher.seal(TOKEN);
  const keyId = cipher.keyring.symmetricKeys[0]!.keyId;
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([c.update(TOKEN, 'utf8'), c.final()]);
  const tag = c.getAuthTag();
  return [
    {
      transformation,
      operation: 'seal',
      library: () => cipher.seal(TOKEN),
      baseline: () => {
        const fresh = randomBytes(12);
        const e = createCipheriv('aes-256-gcm', key, fresh);
        const body = Buffer.concat([e.update(TOKEN, 'utf8'), e.final(), e.getAuthTag()]);
        const iv = fresh.toString('base64');
        const inner = JSON.stringify({ cipher: body.toString('base64'), initializationVector: iv, keyId });
        const outer = JSON.stringify({ c: Buffer.from(inner, 'utf8').toString('base64'), t: transformation, iv });
        return Buffer.from(outer, 'utf8').toString('base64');
      },
      cipherOnly: () => {
        const fresh = randomBytes(12);
        const e = createCipheriv('aes-256-gcm', key, fresh);
        return Buffer.concat([e.update(TOKEN, 'utf8'), e.final(), e.getAuthTag()]);
      },
    },
    {
      transformation,
      operation: 'open',
      library: () => cipher.open(sealed.stored, sealed.scheme),
      baseline: () => {
        const outer = JSON.parse(Buffer.from(sealed.stored, 'base64').toString('utf8')) as { c: string; t: string };
        if (outer.t !== transformation) throw new Error('transformation');
        const inner = JSON.parse(Buffer.from(outer.c, 'base64').toString('utf8')) as { cipher: string; initializationVector: string };
        const body = Buffer.from(inner.cipher, 'base64');
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(inner.initializationVector, 'base64'));
        d.setAuthTag(body.subarray(body.length - 16));
        return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8');
      },
      cipherOnly: () => {
        const d = createDecipheriv('aes-256-gcm', key, iv);
        d.setAuthTag(tag);
        return Buffer.concat([d.update(ciphertext), d.final()]).toString('utf8');
      },
    },
  ];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crypto-bench-'));
  try {
    const file = path.join(dir, 'bench.p12');
    await writeFile(file, await createPkcs12Keystore({ alias: 'bench', password: 'bench-password' }));
    const rsa = await loadKeystore({ file, type: 'PKCS12', password: 'bench-password', alias: 'bench' });
    const aesHex = randomBytes(32).toString('hex');
    const keyring = Keyring.create({ rsa: [rsa], symmetric: [parseSymmetricKey(aesHex)] });
    const writer = (transformation: Transformation) => new SecretCipher(keyring, { enabled: true, transformation });

    const cases = [
      ...rsaCases(Transformations.RsaOaepSha1, writer(Transformations.RsaOaepSha1), rsa.publicKey, rsa.privateKey),
      ...rsaCases(Transformations.RsaOaepSha256, writer(Transformations.RsaOaepSha256), rsa.publicKey, rsa.privateKey),
      // the baseline gets a cached KeyObject too (cheaper cipher set-up than a raw Buffer key), as the library has
      ...aesCases(writer(Transformations.AesGcm), createSecretKey(Buffer.from(aesHex, 'hex'))),
    ];

    console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}; RSA ${rsa.keySizeBits}-bit, AES-256;`);
    console.log(`plaintext: ${TOKEN.length}-byte token; ${ROUNDS} alternating rounds of ${ROUND_MS} ms per side after ${WARMUP_MS} ms warm-up; medians\n`);
    console.log('| transformation | operation | SecretCipher ops/s | bare node:crypto, same stored format, ops/s | ratio | bare cipher only, ops/s | ratio |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cases) {
      const same = measure({ library: c.library, baseline: c.baseline });
      const bare = measure({ library: c.library, baseline: c.cipherOnly });
      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      console.log(
        `| ${c.transformation} | ${c.operation} | ${fmt(same.library)} | ${fmt(same.baseline)} | ${same.ratio.toFixed(2)} | ${fmt(bare.baseline)} | ${bare.ratio.toFixed(2)} |`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
