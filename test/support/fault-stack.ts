import { setTimeout as sleep } from 'node:timers/promises';
import { FaultLoad } from './fault-load.js';
import { freePort } from './free-port.js';
import { encryptionTables, TEST_ADMIN, type EncryptionMode } from './key-manager.harness.js';
import { startNatsCluster, type NatsCluster } from './nats-cluster.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { serviceProcess, type ServiceProcess } from './service-process.js';
import { mergeTables, writeTestConfig, type TomlTables } from './test-config.js';
import { createTestKeystore, type TestKeystore } from './test-keystore.js';

export interface FaultStack {
  cluster: NatsCluster;
  postgres: PrivatePostgres;
  keyManagers: ServiceProcess[];
  portals: ServiceProcess[];
  admin: typeof TEST_ADMIN;
  /** Stops every process the stack started (services first), and removes the database. */
  stop(): Promise<void>;
}

export interface FaultStackOptions {
  dir: string;
  keystore: TestKeystore;
  encryption?: EncryptionMode;
  keyManagers?: number;
  portals?: number;
  toml?: TomlTables;
}

/**
 * A scaled deployment in processes of its own, for fault tests: a 3-node NATS cluster, a private
 * PostgreSQL, `keyManagers` Key Manager and `portals` portal processes (built `dist/`, one
 * deployment.toml per instance pair that differs only in ports). Every service lists every NATS node.
 * All instances of a service share its schema, as a real deployment does.
 */
export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  const cluster = await startNatsCluster();
  let postgres: PrivatePostgres | undefined;
  const keyManagers: ServiceProcess[] = [];
  const portals: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(portals.map((p) => p.stop('SIGKILL')));
    await Promise.all(keyManagers.map((k) => k.stop('SIGKILL')));
    await cluster.stop();
    await postgres?.destroy();
  };
  try {
    postgres = await startPrivatePostgres();
    const instances = Math.max(options.keyManagers ?? 2, options.portals ?? 2);
    const ports = await Promise.all(
      Array.from({ length: instances }, async () => ({ km: await freePort(), dp: await freePort(), kmManagement: await freePort(), dpManagement: await freePort() })),
    );
    // Every Key Manager instance has the same public URL (the deployment's, behind its load balancer): it is
    // the issuer of the tokens, which every instance must accept.
    const publicUrl = `http://127.0.0.1:${ports[0]!.km}`;
    for (let i = 0; i < instances; i++) {
      const { km: kmPort, dp: dpPort, kmManagement, dpManagement } = ports[i]!;
      const tables = mergeTables(
        {
          server: { host: '127.0.0.1', port: kmPort, public_url: publicUrl },
          'key_manager.management': { port: kmManagement },
          'devportal.management': { port: dpManagement },
          database: { url: postgres.url, schema: 'key_manager', pool_size: 4 },
          'transport.nats': { servers: cluster.urls, request_timeout: 5000 },
          'keystore.primary': { file_name: options.keystore.file, type: options.keystore.type, password: options.keystore.password, alias: options.keystore.alias },
          super_admin: { ...TEST_ADMIN },
          'oauth.auth_throttle': { account_address_max_failures: 1_000_000, account_max_failures: 1_000_000, address_max_accounts: 1_000_000 },
          'oauth.token_cleanup': { enable: false },
          log: { level: 'warn' },
          devportal: { key_manager_wait: 60, token_cache_ttl: 5 },
          'devportal.server': { host: '127.0.0.1', port: dpPort, public_url: `http://127.0.0.1:${dpPort}` },
          'devportal.database': { schema: 'devportal', pool_size: 4 },
        },
        encryptionTables(options.encryption ?? 'rsa-oaep'),
        options.toml,
      );
      const config = await writeTestConfig(options.dir, 'key-manager', tables, `deployment-${i + 1}.toml`);
      if (i < (options.keyManagers ?? 2)) {
        keyManagers.push(serviceProcess({ service: 'key-manager', name: `key-manager-${i + 1}`, configFile: config.file, baseUrl: `http://127.0.0.1:${kmPort}`, managementUrl: `http://127.0.0.1:${kmManagement}`, logDir: options.dir }));
      }
      if (i < (options.portals ?? 2)) {
        portals.push(serviceProcess({ service: 'devportal', name: `devportal-${i + 1}`, configFile: config.file, baseUrl: `http://127.0.0.1:${dpPort}`, managementUrl: `http://127.0.0.1:${dpManagement}`, logDir: options.dir }));
      }
    }
    // The first Key Manager migrates alone; the others start beside each other.
    await keyManagers[0]!.start();
    await Promise.all([...keyManagers.slice(1).map((k) => k.start()), ...portals.map((p) => p.start())]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { cluster, postgres, keyManagers, portals, admin: TEST_ADMIN, stop };
}

/**
 * A fault stack of 2 Key Managers and 2 portals in `dir`, with a prepared {@link FaultLoad} of 4 workers
 * running steadily for a moment already: where a fault test file starts. `stop` ends the load, then the stack.
 */
export async function startFaultStackUnderLoad(dir: string): Promise<{ stack: FaultStack; load: FaultLoad; stop(): Promise<void> }> {
  const stack = await startFaultStack({ dir, keystore: await createTestKeystore(dir), keyManagers: 2, portals: 2 });
  const load = new FaultLoad(stack);
  try {
    await load.prepare();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  load.start(4);
  await sleep(1500);
  return {
    stack,
    load,
    stop: async () => {
      await load.stop();
      await stack.stop();
    },
  };
}

/** Kills a service process with -9 (a crashed host), leaves it down `downMs`, and starts it again (until ready). */
export async function crashAndRestart(instance: ServiceProcess, downMs = 2000): Promise<void> {
  await instance.stop('SIGKILL');
  await sleep(downMs);
  await instance.start();
}
