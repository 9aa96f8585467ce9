import { expect } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEVPORTAL_API } from './devportal.js';

export type LoadOp = 'portal-generate-token' | 'portal-read' | 'km-client-credentials' | 'km-introspect';

/** One request of the load: when it started and ended (ms since the load began), and how it went. */
export interface LoadRecord {
  op: LoadOp;
  start: number;
  end: number;
  ok: boolean;
  status: number;
  /** The Retry-After header of a 503. */
  retryAfter?: string;
  error?: string;
}

/** What a fault phase cost: requests failed (split by 503 with Retry-After or not), recovery, the slowest request. */
export interface PhaseReport {
  fault: string;
  requests: number;
  failed: number;
  failedWith503RetryAfter: number;
  /** Failed requests by kind of request, with a sample of what went wrong. */
  failedByOp: Partial<Record<LoadOp, number>>;
  errors: string[];
  /** ms from the piece's return (or the fault, when nothing returns) until the last failed or slow (> 1 s) request ended; 0 if none. */
  recoveryMs: number;
  slowestMs: number;
}

/** A fault phase that cost nothing: the load kept going (more than `minRequests` requests) and no request failed. */
export function expectPhaseClean(report: PhaseReport, minRequests = 10): void {
  expect(report.requests).toBeGreaterThan(minRequests);
  expect(report.errors).toEqual([]);
}

/**
 * A fault phase that cost no request through the portals (a Key Manager killed with -9 takes the requests it
 * had in flight on its own HTTP port with it; the portals' calls over the bus go to the other one).
 */
export function expectPortalsUnharmed(report: PhaseReport, minRequests = 10): void {
  expect(report.requests).toBeGreaterThan(minRequests);
  expect(report.failedByOp['portal-generate-token'] ?? 0).toBe(0);
  expect(report.failedByOp['portal-read'] ?? 0).toBe(0);
}

/** Anything that serves HTTP at a base URL: a service process, or a service started in the test's process. */
export interface LoadTarget {
  baseUrl: string;
}

export interface LoadTargets {
  keyManagers: LoadTarget[];
  portals: LoadTarget[];
  admin: { username: string; password: string };
}

/** What {@link FaultLoad.prepare} made. */
export interface LoadCredentials {
  portalToken: string;
  applicationId: string;
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
  resourceServer: { clientId: string; clientSecret: string };
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The connect failed: nothing was sent, so a load balancer sends it to the next instance. */
function refused(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED';
}

/**
 * Steady mixed load on a scaled deployment, through a client-side stand-in for a load balancer: each
 * request goes to the next instance in turn; a refused connection (nothing sent) moves on to the next
 * instance, as HAProxy's `retry-on conn-failure` or nginx's `proxy_next_upstream error` do; a connection
 * reset after sending is retried for safe requests only (reads and introspection) — everything else counts
 * as failed. Every token issued is remembered, to check afterwards that none was lost or issued twice.
 */
export class FaultLoad {
  readonly records: LoadRecord[] = [];
  private t0 = Date.now();
  private running = false;
  private workers: Promise<void>[] = [];
  private turn = 0;
  private prepared: LoadCredentials = { portalToken: '', applicationId: '', keyMappingId: '', consumerKey: '', consumerSecret: '', resourceServer: { clientId: '', clientSecret: '' } };

  /** `tokens`: every access token issued, with how many times it was handed out and when first (shared by {@link aimedAt}). */
  constructor(
    private readonly targets: LoadTargets,
    readonly tokens = new Map<string, { times: number; at: number }>(),
  ) {}

  /** What {@link prepare} made: the developer's portal token, the application and its keys, the resource server. */
  get credentials(): Readonly<LoadCredentials> {
    return this.prepared;
  }

  /**
   * The same load (developer, application, keys, once prepared) sent to `targets` only — one instance's own
   * port, say. The tokens it issues count in this load's audit; its clock is this load's.
   */
  aimedAt(targets: LoadTargets): FaultLoad {
    const other = new FaultLoad(targets, this.tokens);
    other.prepared = this.prepared;
    other.t0 = this.t0;
    return other;
  }

  now(): number {
    return Date.now() - this.t0;
  }

  /** Signs a developer up, creates an application with client_credentials keys, registers a resource server. */
  async prepare(): Promise<void> {
    const portal = this.targets.portals[0]!.baseUrl + DEVPORTAL_API;
    const user = { username: `soak-${process.pid}`, password: 'a long enough passphrase 1' };
    await this.json('POST', `${portal}/signup`, user, undefined, 201);
    const login = await this.json<{ access_token?: string; accessToken?: string; token?: string }>('POST', `${portal}/login`, user, undefined, 200);
    const portalToken = login.access_token ?? login.accessToken ?? login.token ?? '';
    const app = await this.json<{ applicationId: string }>('POST', `${portal}/applications`, { name: 'Soak', tokenType: 'JWT' }, portalToken, 201);
    const keys = await this.json<{ keyMappingId: string; consumerKey: string; consumerSecret: string }>(
      'POST',
      `${portal}/applications/${app.applicationId}/generate-keys`,
      { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'], validityTime: 3600 },
      portalToken,
      200,
    );
    const km = this.targets.keyManagers[0]!.baseUrl;
    const rs = await fetch(`${km}/keymanager-operations/dcr/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(this.targets.admin.username, this.targets.admin.password) },
      body: JSON.stringify({ client_name: `soak-rs-${process.pid}`, grant_types: ['client_credentials'], ext_resource_server: true }),
    });
    const registered = (await rs.json()) as { client_id?: string; clientId?: string; client_secret?: string; clientSecret?: string };
    if (rs.status >= 300) throw new Error(`resource server registration failed: ${rs.status} ${JSON.stringify(registered)}`);
    this.prepared = {
      portalToken,
      applicationId: app.applicationId,
      keyMappingId: keys.keyMappingId,
      consumerKey: keys.consumerKey,
      consumerSecret: keys.consumerSecret,
      resourceServer: { clientId: registered.client_id ?? registered.clientId ?? '', clientSecret: registered.client_secret ?? registered.clientSecret ?? '' },
    };
  }

  start(workers = 4, pauseMs = 10): void {
    this.running = true;
    this.workers = Array.from({ length: workers }, (_, w) => this.work(w, pauseMs));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /**
   * Introspects every token issued: those not active are lost, those handed out more than once duplicated;
   * `lostAt` and `duplicatedAt` say when each was issued (ms since the load began), to count them by phase.
   */
  async audit(): Promise<{ issued: number; lost: number; duplicated: number; lostAt: number[]; duplicatedAt: number[] }> {
    const all = [...this.tokens.keys()];
    const lostAt: number[] = [];
    for (let i = 0; i < all.length; i += 16) {
      const batch = all.slice(i, i + 16);
      const results = await Promise.all(batch.map((t) => this.introspect(t, 5)));
      results.forEach((active, j) => {
        if (!active) lostAt.push(this.tokens.get(batch[j]!)!.at);
      });
    }
    const duplicatedAt = [...this.tokens.values()].filter((t) => t.times > 1).map((t) => t.at);
    return { issued: all.length, lost: lostAt.length, duplicated: duplicatedAt.length, lostAt, duplicatedAt };
  }

  /**
   * Injects a fault while the load runs: `fault` does it and resolves when the piece is back (or at once, for
   * a fault with nothing to bring back); then `settleMs` of load, and the report of the requests that started
   * from the fault until then, recovery counted from the piece's return.
   */
  async during(name: string, fault: () => Promise<void>, settleMs = 1500): Promise<PhaseReport & { from: number; back: number; to: number }> {
    const from = this.now();
    await fault();
    const back = this.now();
    await sleep(settleMs);
    const to = this.now();
    return { ...this.phase(name, from, to, back), from, back, to };
  }

  /** The report of the requests that started between `from` and `to` (ms since start); recovery counted from `back`. */
  phase(fault: string, from: number, to: number, back: number): PhaseReport {
    const inPhase = this.records.filter((r) => r.start >= from && r.start < to);
    const failed = inPhase.filter((r) => !r.ok);
    const bad = inPhase.filter((r) => !r.ok || r.end - r.start > 1000);
    const lastBad = bad.reduce((m, r) => Math.max(m, r.end), 0);
    return {
      fault,
      requests: inPhase.length,
      failed: failed.length,
      failedWith503RetryAfter: failed.filter((r) => r.status === 503 && r.retryAfter !== undefined).length,
      failedByOp: failed.reduce<Partial<Record<LoadOp, number>>>((m, r) => ({ ...m, [r.op]: (m[r.op] ?? 0) + 1 }), {}),
      errors: [...new Set(failed.map((r) => `${r.op}: ${r.error ?? r.status}`))].slice(0, 5),
      recoveryMs: Math.max(0, lastBad - back),
      slowestMs: inPhase.reduce((m, r) => Math.max(m, r.end - r.start), 0),
    };
  }

  /** Requests that started in [from, to) and failed with anything but a 503 with Retry-After (all an outage of the database may answer). */
  failedOtherThan503(from: number, to: number): string[] {
    return this.describe(this.records.filter((r) => r.start >= from && r.start < to && !r.ok && (r.status !== 503 || r.retryAfter === undefined)));
  }

  /** Requests that started at `from` or later and failed. */
  failedSince(from: number): string[] {
    return this.describe(this.records.filter((r) => r.start >= from && !r.ok));
  }

  private describe(records: LoadRecord[]): string[] {
    return records.map((r) => `${r.op} ${r.status} ${r.error ?? ''}`);
  }

  private async work(worker: number, pauseMs: number): Promise<void> {
    const ops: LoadOp[] = ['portal-generate-token', 'km-introspect', 'portal-read', 'km-client-credentials', 'km-introspect'];
    for (let i = worker; this.running; i++) {
      await this.run(ops[i % ops.length]!);
      await sleep(pauseMs);
    }
  }

  private async run(op: LoadOp): Promise<void> {
    const start = this.now();
    const record: LoadRecord = { op, start, end: start, ok: false, status: 0 };
    try {
      switch (op) {
        case 'portal-generate-token': {
          const res = await this.send(this.targets.portals, false, (base) =>
            fetch(`${base}${DEVPORTAL_API}/applications/${this.prepared.applicationId}/oauth-keys/${this.prepared.keyMappingId}/generate-token`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${this.prepared.portalToken}` },
              body: JSON.stringify({ consumerSecret: this.prepared.consumerSecret, validityPeriod: 3600 }),
            }),
          );
          this.note(record, res);
          if (res.status === 200) this.issued(((await res.json()) as { accessToken: string }).accessToken);
          else await res.arrayBuffer();
          break;
        }
        case 'portal-read': {
          const res = await this.send(this.targets.portals, true, (base) =>
            fetch(`${base}${DEVPORTAL_API}/applications/${this.prepared.applicationId}`, { headers: { authorization: `Bearer ${this.prepared.portalToken}` } }),
          );
          this.note(record, res);
          await res.arrayBuffer();
          break;
        }
        case 'km-client-credentials': {
          const res = await this.send(this.targets.keyManagers, false, (base) =>
            fetch(`${base}/oauth2/token`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(this.prepared.consumerKey, this.prepared.consumerSecret) },
              body: 'grant_type=client_credentials',
            }),
          );
          this.note(record, res);
          if (res.status === 200) this.issued(((await res.json()) as { access_token: string }).access_token);
          else await res.arrayBuffer();
          break;
        }
        case 'km-introspect': {
          const sample = [...this.tokens.keys()];
          const token = sample[Math.floor(Math.random() * sample.length)];
          if (!token) return;
          const res = await this.introspectRequest(token);
          this.note(record, res);
          const body = (await res.json()) as { active?: boolean };
          if (res.status === 200 && body.active !== true) {
            record.ok = false;
            record.error = 'token not active';
          }
          break;
        }
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string; name?: string } }).cause;
      const why = cause?.code ?? (cause?.message || cause?.name);
      // Not `instanceof Error`: fetch's errors come from another realm under Jest.
      const message = (error as { message?: string }).message;
      record.error = message !== undefined ? `${message}${why ? ` (${why})` : ''}` : String(error);
    }
    record.end = this.now();
    this.records.push(record);
  }

  private note(record: LoadRecord, res: Response): void {
    record.status = res.status;
    record.ok = res.status < 400;
    const retryAfter = res.headers.get('retry-after');
    if (retryAfter !== null) record.retryAfter = retryAfter;
  }

  private issued(token: string): void {
    const seen = this.tokens.get(token);
    if (seen) seen.times++;
    else this.tokens.set(token, { times: 1, at: this.now() });
  }

  private async introspect(token: string, tries: number): Promise<boolean> {
    for (let i = 0; ; i++) {
      try {
        const res = await this.introspectRequest(token);
        const body = (await res.json()) as { active?: boolean };
        if (res.status === 200) return body.active === true;
      } catch {
        // try again
      }
      if (i >= tries) return false;
      await sleep(200);
    }
  }

  private introspectRequest(token: string): Promise<Response> {
    return this.send(this.targets.keyManagers, true, (base) =>
      fetch(`${base}/oauth2/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(this.prepared.resourceServer.clientId, this.prepared.resourceServer.clientSecret) },
        body: new URLSearchParams({ token }).toString(),
      }),
    );
  }

  /** The load balancer: next instance in turn; refused → the instance after it; reset after sending → the instance after it for safe requests only. */
  private async send(instances: LoadTarget[], safe: boolean, request: (base: string) => Promise<Response>): Promise<Response> {
    let lastError: unknown;
    // Each try goes to the instance after the one tried before (the shared turn moves with every worker's
    // request: following it, a worker could meet the same stopped instance on every try).
    const first = this.turn++;
    for (let attempt = 0; attempt < instances.length * 3; attempt++) {
      const instance = instances[(first + attempt) % instances.length]!;
      try {
        const res = await request(instance.baseUrl);
        // The whole body, so that a connection cut while it arrives counts like one cut before.
        const body = await res.arrayBuffer();
        return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, headers: res.headers });
      } catch (error) {
        lastError = error;
        if (!refused(error) && !safe) throw error;
        if (attempt >= instances.length - 1) await sleep(100);
      }
    }
    throw lastError;
  }

  private async json<T>(method: string, url: string, body: unknown, token: string | undefined, expected: number): Promise<T> {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
