import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

jest.setTimeout(120_000);

type Requester = { request(subject: string, payload: string, options: { timeout: number }): Promise<{ string(): string }> };

/**
 * The reply to `ping`, asked on one node for a subscriber on another. A subscription reaches the other nodes
 * over the routes a moment after its own node has it (`flush` only confirms the latter): until then the node
 * asked answers "no responders", so ask again, for at most 10 s — any other failure fails at once.
 */
async function pingAcrossRoutes(nc: Requester): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return (await nc.request('ping', '', { timeout: 5000 })).string();
    } catch (error) {
      if (!/no responders/i.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('fault-test support', () => {
  let cluster: NatsCluster | undefined;
  let postgres: PrivatePostgres | undefined;

  afterAll(async () => {
    await cluster?.stop();
    await postgres?.destroy();
  });

  it('runs a 3-node NATS cluster whose routes carry messages, and brings a killed node back', async () => {
    cluster = await startNatsCluster();
    const a = await connect({ servers: cluster.nodes[0]!.url });
    const b = await connect({ servers: cluster.nodes[2]!.url });
    try {
      b.subscribe('ping', {
        callback: (_e, m) => {
          m.respond('pong');
        },
      });
      await b.flush();
      // A subscription propagates to the other nodes over the routes: ask from another node.
      expect(await pingAcrossRoutes(a)).toBe('pong');
      await cluster.kill(1);
      expect(cluster.nodes[1]!.running).toBe(false);
      expect(await pingAcrossRoutes(a)).toBe('pong');
      await cluster.restart(1);
      expect(cluster.nodes[1]!.running).toBe(true);
      const c = await connect({ servers: cluster.nodes[1]!.url });
      expect(await pingAcrossRoutes(c)).toBe('pong');
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('runs a private PostgreSQL that can be stopped, restarted and have its connections cut', async () => {
    postgres = await startPrivatePostgres();
    const client = new pg.Client({ connectionString: postgres.url });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('CREATE TABLE kept (v int)');
    await client.query('INSERT INTO kept VALUES (42)');
    expect(await postgres.terminateConnections()).toBeGreaterThanOrEqual(1);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await postgres.stop();
    expect(postgres.running).toBe(false);
    await expect(new pg.Client({ connectionString: postgres.url, connectionTimeoutMillis: 1000 }).connect()).rejects.toThrow();
    await postgres.start();
    const again = new pg.Client({ connectionString: postgres.url });
    await again.connect();
    expect((await again.query<{ v: number }>('SELECT v FROM kept')).rows).toEqual([{ v: 42 }]);
    await again.end();
  });
});
