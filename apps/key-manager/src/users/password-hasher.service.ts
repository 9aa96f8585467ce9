import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt parameters for new hashes: N = 2^14, r = 8, p = 1 (OWASP's minimum for scrypt), 256-bit output. */
const COST = 16384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  // Asynchronous: the work runs on libuv's thread pool, not the event loop.
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, { ...options, maxmem: 256 * (options.N ?? COST) * (options.r ?? BLOCK_SIZE) }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Password hashing with scrypt from node:crypto. Stored as `scrypt$N$r$p$salt$hash` (base64), so the
 * parameters can be raised later without invalidating existing hashes.
 */
@Injectable()
export class PasswordHasher {
  // Compared against when the user does not exist, so that an unknown name costs as much as a wrong password.
  private readonly decoy = this.hash('decoy password that never matches');

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, KEY_BYTES, { N: COST, r: BLOCK_SIZE, p: PARALLELISM });
    return `scrypt$${COST}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /** Whether `password` matches `stored` (compared in constant time). A malformed `stored` never matches. */
  async verify(password: string, stored: string): Promise<boolean> {
    const m = FORMAT.exec(stored);
    if (!m) return false;
    const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const salt = Buffer.from(m[4]!, 'base64');
    const expected = Buffer.from(m[5]!, 'base64');
    if (expected.length < 16 || N < 2 || r < 1 || p < 1) return false;
    const actual = await derive(password, salt, expected.length, { N, r, p });
    return timingSafeEqual(actual, expected);
  }

  /** Spends the time of one verification without a user (keeps "no such user" and "wrong password" alike). */
  async verifyDecoy(password: string): Promise<false> {
    await this.verify(password, await this.decoy);
    return false;
  }
}
