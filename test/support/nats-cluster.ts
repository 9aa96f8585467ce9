import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { natsServerBinary } from './private-nats.js';

/** One node of a {@link NatsCluster}: its client URL, and whether it runs now. */
export interface NatsClusterNode {
  readonly index: number;
  readonly url: string;
  readonly running: boolean;
}

export interface NatsCluster {
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL: what `[transport.nats] servers` takes. */
  readonly urls: string[];
  /** Kills a node: SIGKILL (no goodbye to clients or routes, like a crashed host) or SIGTERM. */
  kill(index: number, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts a stopped node again on the same ports and waits until it has its routes back. */
  restart(index: number): Promise<void>;
  /** Waits until every running node has a route to every other running node. */
  waitForRoutes(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface NodeState {
  index: number;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  child?: ChildProcess;
}

async function json(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return res.json();
}

/**
 * A real NATS cluster of `size` local `nats-server` processes (default 3) on free loopback ports, with
 * routes between every pair (each node lists the others' cluster ports), for tests that kill and restart
 * nodes under load. No JetStream: the services use core request/reply and broadcasts only.
 */
export async function startNatsCluster(size = 3, name = `tc${process.pid}`): Promise<NatsCluster> {
  const nodes: NodeState[] = [];
  for (let index = 0; index < size; index++) {
    nodes.push({ index, clientPort: await freePort(), clusterPort: await freePort(), monitorPort: await freePort() });
  }
  const routes = (self: NodeState) =>
    nodes
      .filter((n) => n !== self)
      .map((n) => `nats-route://127.0.0.1:${n.clusterPort}`)
      .join(',');

  const launch = async (node: NodeState) => {
    const args = [
      '-a', '127.0.0.1',
      '-p', String(node.clientPort),
      '-m', String(node.monitorPort),
      '--name', `${name}-n${node.index}`,
      '--cluster_name', name,
      '--cluster', `nats://127.0.0.1:${node.clusterPort}`,
      '--routes', routes(node),
    ];
    const child = spawn(natsServerBinary(), args, { stdio: 'ignore' });
    node.child = child;
    child.once('exit', () => {
      if (node.child === child) node.child = undefined;
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (!node.child) throw new Error(`nats-server node ${node.index} exited at start`);
      try {
        await json(`http://127.0.0.1:${node.monitorPort}/healthz`);
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`nats-server node ${node.index} did not start`);
        await sleep(50);
      }
    }
  };

  const waitForRoutes = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = nodes.filter((n) => n.child);
      const counts = await Promise.all(
        running.map((n) => json(`http://127.0.0.1:${n.monitorPort}/routez`).then((r) => (r as { num_routes: number }).num_routes, () => -1)),
      );
      if (counts.every((c) => c >= running.length - 1)) return;
      if (Date.now() > deadline) throw new Error(`NATS cluster routes incomplete: ${counts.join(', ')} of ${running.length - 1}`);
      await sleep(100);
    }
  };

  const stopNode = async (node: NodeState, signal: NodeJS.Signals) => {
    const child = node.child;
    if (!child) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await Promise.race([gone, sleep(5000, undefined, { ref: false })]);
    if (node.child === child) {
      child.kill('SIGKILL');
      await gone;
    }
  };

  try {
    await Promise.all(nodes.map(launch));
    await waitForRoutes();
  } catch (error) {
    await Promise.all(nodes.map((n) => stopNode(n, 'SIGKILL')));
    throw error;
  }

  const view = (node: NodeState): NatsClusterNode => ({
    index: node.index,
    url: `nats://127.0.0.1:${node.clientPort}`,
    get running() {
      return node.child !== undefined;
    },
  });
  return {
    nodes: nodes.map(view),
    urls: nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`),
    kill: (index, signal = 'SIGKILL') => stopNode(nodes[index]!, signal),
    restart: async (index) => {
      const node = nodes[index]!;
      if (node.child) throw new Error(`NATS node ${index} is running`);
      await launch(node);
      await waitForRoutes();
    },
    waitForRoutes,
    stop: async () => {
      await Promise.all(nodes.map((n) => stopNode(n, 'SIGTERM')));
    },
  };
}
