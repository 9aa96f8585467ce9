import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, type OnApplicationShutdown } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { RpcErrorCodes, type RpcErrorBody, type RpcRequest } from '@app/contracts';
import { openPool, ROOT_LOGGER } from '@app/platform';
import { mapKeyManagerRpcError } from './rpc-error.mapper.js';

/** How long a command's first answer is kept: far beyond any retry (a call gives up after its request timeout). */
export const IDEMPOTENCY_TTL_SECONDS = 600;

const KEY_FORMAT = /^[A-Za-z0-9_-]{16,128}$/;

/** Lookup key of an idempotency key: its SHA-256 (the key itself is never stored). */
function keyHash(key: string): string {
  return createHash('sha256').update(`rpc-idempotency:${key}`).digest('hex');
}

/** AES-256-GCM key for the stored answer, derived from the idempotency key (HKDF-SHA-256). */
function resultKey(key: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, 'token-encryption', 'rpc-idempotency-result', 32));
}

function seal(key: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', resultKey(key), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value ?? null), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(key: string, sealed: string): unknown {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', resultKey(key), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as unknown;
}

/** Marks a stored refusal (a domain error's reply body) among stored results. */
const REFUSAL = '__rpcRefusal';

/** A stored result as the handler's answer: a stored refusal is thrown again as the same coded reply. */
function answer(result: unknown): unknown {
  if (typeof result === 'object' && result !== null && REFUSAL in result) throw new RpcException((result as Record<string, RpcErrorBody>)[REFUSAL]!);
  return result;
}

/**
 * Does each bus command sent with an idempotency key once, on every Key Manager instance together
 * (`rpc_idempotency` in the Key Manager's schema):
 *
 * 1. In a transaction of its own, insert the key's row. The first copy of a command gets it and runs the
 *    handler while the transaction stays open; its answer is stored (encrypted, see below) and committed.
 * 2. Another copy — a retry after a lost reply, or a hedge sent while the first was slow — blocks on that
 *    insert until the first copy's transaction ends: committed → it answers with the stored answer;
 *    rolled back (the handler failed, or its Key Manager died: PostgreSQL ends the transaction of a closed
 *    connection) → it runs the command itself.
 *
 * A command that fails on the way stores nothing (the next copy tries again); a domain refusal (wrong
 * password, throttled, taken name …) is an answer like any other and is stored, so a copy does not run the
 * check again — the authentication throttle counts one failed log-in once. A key sent with another
 * request is refused.
 * The stored answer holds secrets (a token, a consumer secret): it is sealed with AES-256-GCM under a key
 * derived from the idempotency key, which only the caller holds, and looked up by the key's SHA-256.
 *
 * The open transactions use a small pool of their own, so the handlers' queries never wait behind them.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnApplicationShutdown {
  private readonly pool: pg.Pool;
  private readonly logger: Logger;
  private readonly cleanup: NodeJS.Timeout;

  constructor(dataSource: DataSource, @Inject(ROOT_LOGGER) logger: Logger) {
    // The same connection settings (URL, TLS, search_path) as TypeORM's pool.
    const master = (dataSource.driver as unknown as { master: pg.Pool & { options: pg.PoolConfig } }).master;
    this.pool = openPool({ ...master.options, max: Math.max(4, master.options.max ?? 10), application_name: 'key-manager idempotency' });
    this.logger = logger.child({ component: 'idempotency' });
    this.cleanup = setInterval(() => void this.deleteExpired(), 60_000).unref();
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const request = context.switchToRpc().getData() as Partial<RpcRequest<unknown>> | null;
    const key = request?.idempotencyKey;
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY_FORMAT.test(key)) {
      throw new RpcException({ code: RpcErrorCodes.InvalidRequest, message: 'idempotencyKey must be 16 to 128 characters of A-Z, a-z, 0-9, - and _' } satisfies RpcErrorBody);
    }
    const pattern = context.getHandler().name;
    const requestHash = createHash('sha256').update(pattern).update('\0').update(JSON.stringify(request?.data ?? null)).digest('hex');
    return from(this.once(key, pattern, requestHash, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }

  private async once(key: string, pattern: string, requestHash: string, run: () => Promise<unknown>): Promise<unknown> {
    const hash = keyHash(key);
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const claimed = await client.query(
          `INSERT INTO rpc_idempotency (key_hash, pattern, request_hash, expires_at)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4)) ON CONFLICT (key_hash) DO NOTHING`,
          [hash, pattern, requestHash, IDEMPOTENCY_TTL_SECONDS],
        );
        if (claimed.rowCount === 1) {
          let result: unknown;
          try {
            result = await run();
          } catch (error) {
            const refusal = mapKeyManagerRpcError(error);
            if (refusal) {
              result = { [REFUSAL]: refusal };
            } else {
              await client.query('ROLLBACK').catch(() => (broken = true));
              throw error;
            }
          }
          try {
            await client.query('UPDATE rpc_idempotency SET result = $2 WHERE key_hash = $1', [hash, seal(key, result)]);
            await client.query('COMMIT');
          } catch (error) {
            // Done but not recorded: this answer still goes out; only a repeat of this command would redo it.
            broken = true;
            this.logger.warn({ pattern, err: error }, 'could not record the answer of a command for its retries');
          }
          return answer(result);
        }
        await client.query('ROLLBACK');
        const rows = await client.query<{ request_hash: string; result: string | null }>('SELECT request_hash, result FROM rpc_idempotency WHERE key_hash = $1', [hash]);
        const row = rows.rows[0];
        // Gone between the two statements (expired and cleaned up): claim it afresh.
        if (!row || row.result === null) {
          if (attempt < 3) continue;
          return await run();
        }
        if (row.request_hash !== requestHash) {
          throw new RpcException({ code: RpcErrorCodes.InvalidRequest, message: 'idempotencyKey was already used for another request' } satisfies RpcErrorBody);
        }
        return answer(open(key, row.result));
      } catch (error) {
        if (!(error instanceof RpcException)) broken = true;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  private async deleteExpired(): Promise<void> {
    try {
      await this.pool.query('DELETE FROM rpc_idempotency WHERE expires_at < now()');
    } catch {
      // The next round tries again.
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.cleanup);
    await this.pool.end().catch(() => undefined);
  }
}
