import { randomFillSync } from 'node:crypto';
import { formatUuid, stampUuidV7 } from '@app/crypto';

const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. For the primary key of new token
X land on the rightmost leaf of the `id` (and `family_id`) index instead of a random
 * page of it, which at millions of rows is a page PostgreSQL has to read (docs/benchmarks.md, table-size).
 * Still a UUID, the format of WSO2's TOKEN_ID (rows imported from WSO2 keep their random ones). A row id reaches
 * clients only as the `jti` introspection answers for an opaque token: an identifier, never a capability (no
 * request takes a row id in place of the token), and with 74 random bits still unguessable; its time tells what
 * the `iat` beside it does, to the millisecond.
 */
export function timeOrderedUuid(nowMs = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(16 * next, 16 * ++next);
  stampUuidV7(b, nowMs);
  return formatUuid(b);
}
