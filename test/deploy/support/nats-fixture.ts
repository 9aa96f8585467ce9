// A private nats-server for one test file. The shared one on 127.0.0.1:4222 carries other engineers'
// tests at the same time, and Key Manager subjects are fixed (km.*): sharing it would let another run's
// Key Manager answer this run's portal.
import { connect } from 'node:net';
import { natsServerBinary } from '../../support/private-nats.js';
import { freePort, LocalProcess, waitFor } from './local-process.js';

export interface PrivateNats {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export const NATS_SERVER_BINARY = natsServerBinary();

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startPrivateNats(): Promise<PrivateNats> {
  const port = await freePort();
  const server = new LocalProcess('nats-server', NATS_SERVER_BINARY, ['-a', '127.0.0.1', '-p', String(port)], {
    env: { PATH: `/usr/sbin:/usr/local/bin:/usr/bin:/bin` },
  });
  await waitFor(`nats-server on port ${port}`, async () => {
    if (!server.running) throw new Error(server.tail());
    return accepts(port);
  }, 10_000);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await server.stop('SIGTERM', 5_000);
    },
  };
}
