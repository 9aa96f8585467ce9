// `npm start`: the whole system in one process, for development and demos.
//   DEPLOYMENT_CONFIG set  -> both services from that file (database and NATS as configured there).
//   otherwise              -> a development keystore, passwords and config in .dev/ (created once);
//                             DATABASE_URL or an embedded PostgreSQL; NATS at NATS_URL / 127.0.0.1:4222
//                             when reachable, else the in-process bus.
// Ctrl-C (or SIGTERM) stops the services, then the embedded database, and exits 0.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pino, type DestinationStream } from 'pino';
import { ConfigError, EX_CONFIG, loadConfig, loadConfigFor, readLauncherEnv, type DeploymentConfig, type LauncherEnv } from '@app/config';
import { describeStartupFailure, InProcessBus, type BusOption } from '@app/platform';
import { startServicesTracing, type ServicesTracing } from '@app/telemetry';
import {
  DEFAULT_KEY_MANAGER_PORT,
  DEFAULT_NATS_URL,
  DEV_ADMIN_USERNAME,
  DEV_DATABASE_NAME,
  DEV_FOLDER,
  DevFiles,
  type DevConfigEnv,
  type RunValues,
} from './dev-config.template.js';
import { devFolderOf, openDevWorkspace, runFileContents, writeRunValues, type DevWorkspace } from './dev-workspace.store.js';
import { startEmbeddedPostgres } from './embedded-postgres.runner.js';
import { developmentWarning, firstRunNotice, modeLines, readyBanner } from './launcher-banner.formatter.js';
import { LauncherError } from './launcher.error.js';
import { acquireLauncherLock } from './launcher-lock.store.js';
import { DEVPORTAL_API_BASE, removeLauncherState, writeLauncherState, type LauncherState } from './launcher-state.store.js';
import { natsReachable } from './nats.probe.js';
import { startServices, type ServiceConfigs } from './services.runner.js';
import { terminalLogStream } from './terminal-log.stream.js';
import { redactUrl } from './url.util.js';

/** Preferred port of the embedded PostgreSQL (any free port when taken), away from a system one on 5432. */
const EMBEDDED_POSTGRES_PORT = 54329;
/** A stop that takes longer than this is forced: exit 1 rather than hang the terminal. */
const STOP_TIMEOUT_MS = 30_000;

const print = (text: string) => process.stdout.write(`${text}\n`);
const printError = (text: string) => process.stderr.write(`${text}\n`);

type Cleanup = { name: string; run: () => Promise<void> };
const cleanups: Cleanup[] = [];
let stopping: Promise<void> | undefined;
/** Set once the configuration is known, when `[observability.tracing]` is on for either service. */
let tracing: ServicesTracing | undefined;

/** Runs the cleanups in reverse order of registration, once. */
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        printError(`launcher: stopping ${cleanup.name} failed: ${describeStartupFailure(error)}`);
      }
    }
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals | 'parent exit'): void {
  // npm forwards the terminal's SIGINT, so the same Ctrl-C can arrive twice: one stop is enough.
  if (stopping) return;
  print(`\nlauncher: ${signal === 'parent exit' ? 'the parent process (npm) exited' : `${signal} received`}, stopping…`);
  setTimeout(() => {
    printError(`launcher: still stopping after ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
  void stopEverything().then(() => {
    print('launcher: stopped.');
    process.exit(0);
  });
}

/** Log lines of a service go to .dev/logs/<service>.log (JSON); warnings and errors also to the terminal (readable in a TTY). */
function developmentLogs(folder: string): (service: string) => DestinationStream {
  return (service) =>
    pino.multistream([
      { level: 'trace', stream: pino.destination({ dest: path.join(folder, `${service}.log`), append: true, mkdir: true, sync: true }) },
      { level: 'warn', stream: terminalLogStream() },
    ]);
}

interface Plan {
  state: Omit<LauncherState, 'keyManager' | 'devportal' | 'admin' | 'pid' | 'startedAt'>;
  configs: ServiceConfigs;
  bus: BusOption;
  notes: string[];
  stateFile: string;
  logs?: string;
  adminPasswordHint: string;
  logDestination?: (service: 'key-manager' | 'devportal') => DestinationStream;
  /** How to point the operator CLI at this system. */
  cliHint?: string;
  /** Runs once the services are up, before the banner (writes the files describing this start). */
  afterStart?: () => Promise<void>;
}

/** DEPLOYMENT_CONFIG mode: everything as the file says. */
async function planFromDeploymentConfig(env: LauncherEnv & { deploymentConfig: string }): Promise<Plan> {
  const file = path.resolve(env.deploymentConfig);
  const keyManager = loadConfig({ service: 'key-manager', file });
  const devportal = loadConfigFor('devportal', keyManager);
  const notes = (['databaseUrl', 'natsUrl', 'port'] as const)
    .filter((key) => env[key] !== undefined)
    .map((key) => `${{ databaseUrl: 'DATABASE_URL', natsUrl: 'NATS_URL', port: 'PORT' }[key]} is ignored: ${file} decides`);
  return {
    state: {
      configFile: file,
      config: 'deployment',
      database: { kind: 'configured', url: keyManager.database.url, keyManagerSchema: keyManager.database.schema, devportalSchema: devportal.database.schema },
      bus: { kind: 'nats', natsUrl: keyManager.nats.servers.join(','), subjectPrefix: keyManager.nats.subjectPrefix },
    },
    configs: { keyManager, devportal },
    bus: { kind: 'nats' },
    notes,
    stateFile: path.join(devFolderOf(process.cwd()), DevFiles.state),
    adminPasswordHint: `[super_admin] in ${file}`,
  };
}

/** Development mode: .dev/ workspace, chosen database and bus. */
async function planDevelopment(env: LauncherEnv, workspace: DevWorkspace): Promise<Plan> {
  const port = env.port ?? DEFAULT_KEY_MANAGER_PORT;
  if (port + 101 > 65535) {
    throw new ConfigError('CONFIG_INVALID', undefined, [
      { key: 'PORT', problem: `is ${port}`, expected: 'at most 65434 (the portal listens on PORT + 1, the management ports are PORT + 100 and PORT + 101)' },
    ]);
  }
  const notes: string[] = [];

  let database: LauncherState['database'];
  if (env.databaseUrl) {
    database = { kind: 'external', url: env.databaseUrl, keyManagerSchema: '', devportalSchema: '' };
  } else {
    print(`launcher: starting embedded PostgreSQL (data in ${path.join(DEV_FOLDER, DevFiles.pgdata)}; first start takes a few seconds)…`);
    const logFile = pino.destination({ dest: path.join(workspace.logs, 'postgres.log'), append: true, mkdir: true, sync: true });
    const embedded = await startEmbeddedPostgres({
      dataDir: workspace.pgdata,
      password: workspace.secrets.databasePassword,
      database: DEV_DATABASE_NAME,
      preferredPort: EMBEDDED_POSTGRES_PORT,
      onLog: (line) => logFile.write(`${line}\n`),
      onPortTaken: (taken, chosen) =>
        print(`launcher: port ${taken} was taken while embedded PostgreSQL started (another npm start starting at the same moment?); using port ${chosen}`),
    });
    cleanups.push({ name: 'embedded PostgreSQL', run: embedded.stop });
    database = { kind: 'embedded', url: embedded.url, keyManagerSchema: '', devportalSchema: '' };
  }

  const natsUrl = env.natsUrl ?? DEFAULT_NATS_URL;
  const useNats = await natsReachable(natsUrl);
  if (!useNats) notes.push(`no NATS server answers at ${redactUrl(natsUrl)}${env.natsUrl ? ' (NATS_URL)' : ''}: using the in-process bus`);

  const run: RunValues = { databaseUrl: database.url, natsUrl, keyManagerPort: String(port), devportalPort: String(port + 1) };
  // .dev/deployment.toml reads these from .dev/run/ with $file{}; they are written there only once the start
  // succeeded (a failed start leaves the files of the previous one alone), so until then the config lib gets
  // them from memory, and keeps them for the rollout's reload. The $env{} values serve a config of an
  // earlier version that still references them.
  const configEnv: DevConfigEnv = {
    DATABASE_URL: run.databaseUrl,
    NATS_URL: run.natsUrl,
    KEY_MANAGER_PORT: run.keyManagerPort,
    DEVPORTAL_PORT: run.devportalPort,
    KEYSTORE_PASSWORD: workspace.secrets.keystorePassword,
    ADMIN_PASSWORD: workspace.secrets.adminPassword,
  };
  const keyManager = loadConfig({ service: 'key-manager', file: workspace.configFile, env: { ...configEnv }, files: runFileContents(workspace.folder, run) });
  const devportal = loadConfigFor('devportal', keyManager);
  database.keyManagerSchema = keyManager.database.schema;
  database.devportalSchema = devportal.database.schema;

  return {
    state: {
      configFile: workspace.configFile,
      config: 'development',
      database,
      bus: useNats ? { kind: 'nats', natsUrl, subjectPrefix: keyManager.nats.subjectPrefix } : { kind: 'in-process' },
    },
    configs: { keyManager, devportal },
    // The Key Manager's handling of the portal's calls is traced as the Key Manager's.
    bus: useNats ? { kind: 'nats' } : { kind: 'in-process', bus: new InProcessBus((handle) => (tracing ? tracing.runAs('key-manager', handle) : handle())) },
    notes,
    stateFile: workspace.stateFile,
    logs: `${path.join(DEV_FOLDER, DevFiles.logs)}/ (key-manager.log, devportal.log${database.kind === 'embedded' ? ', postgres.log' : ''})`,
    adminPasswordHint: `in ${path.join(DEV_FOLDER, DevFiles.secrets)}`,
    logDestination: developmentLogs(workspace.logs),
    cliHint: `DEPLOYMENT_CONFIG=${path.join(DEV_FOLDER, DevFiles.config)} npx token-encryption ${useNats ? 'encryption status' : 'tokens status'}`,
    afterStart: () => writeRunValues(workspace.folder, run),
  };
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));
  // `kill <npm pid>` makes npm exit without passing SIGTERM on; stop too rather than run on orphaned.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && onSignal('parent exit'), 1000).unref();

  const env = readLauncherEnv();
  const folder = devFolderOf(process.cwd());
  await mkdir(folder, { recursive: true, mode: 0o755 });
  const lock = await acquireLauncherLock(path.join(folder, DevFiles.lock), path.join(folder, DevFiles.state));
  cleanups.push({ name: 'the launcher lock', run: lock.release });
  let plan: Plan;
  if (env.deploymentConfig) {
    plan = await planFromDeploymentConfig({ ...env, deploymentConfig: env.deploymentConfig });
  } else {
    const workspace = await openDevWorkspace(process.cwd());
    print(developmentWarning(`${DEV_FOLDER}/`));
    if (workspace.created) {
      print(firstRunNotice({ adminUsername: DEV_ADMIN_USERNAME, adminPassword: workspace.secrets.adminPassword, secretsFile: path.join(DEV_FOLDER, DevFiles.secrets) }));
    }
    plan = await planDevelopment(env, workspace);
  }
  print(modeLines(plan.state, plan.notes));
  if (stopping) return;

  // Tracing as each service does on its own ([observability.tracing] of each), its spans under its own name.
  const instanceIds = { 'key-manager': `key-manager-${randomBytes(4).toString('hex')}`, devportal: `devportal-${randomBytes(4).toString('hex')}` };
  tracing = await startServicesTracing(
    { 'key-manager': plan.configs.keyManager.observability.tracing, devportal: plan.configs.devportal.observability.tracing },
    { 'key-manager': { instanceId: instanceIds['key-manager'] }, devportal: { instanceId: instanceIds.devportal } },
  );
  if (tracing) {
    cleanups.push({ name: 'tracing (sending the last spans)', run: tracing.shutdown });
    const endpoints = [plan.configs.keyManager, plan.configs.devportal].filter((c) => c.observability.tracing.enabled).map((c) => redactUrl(c.observability.tracing.endpoint));
    print(`launcher: tracing on: spans sent to ${[...new Set(endpoints)].join(' and ')}`);
  }
  const services = await startServices(plan.configs, plan.bus, plan.logDestination, tracing ? { instanceIds, runAs: tracing.runAs } : undefined);
  cleanups.push({ name: 'the services', run: services.stop });
  await plan.afterStart?.();

  const km: DeploymentConfig = plan.configs.keyManager;
  const portal: DeploymentConfig = plan.configs.devportal;
  const state: LauncherState = {
    ...plan.state,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    keyManager: { url: km.server.publicUrl, managementUrl: services.managementUrls.keyManager },
    devportal: { url: portal.server.publicUrl, apiUrl: `${portal.server.publicUrl}${DEVPORTAL_API_BASE}`, managementUrl: services.managementUrls.devportal },
    admin: { username: km.superAdmin.username },
  };
  await writeLauncherState(plan.stateFile, state);
  cleanups.push({ name: plan.stateFile, run: () => removeLauncherState(plan.stateFile, process.pid) });
  print(readyBanner(state, { ...(plan.logs ? { logs: plan.logs } : {}), ...(plan.cliHint ? { cliHint: plan.cliHint } : {}), adminPasswordHint: plan.adminPasswordHint }));
}

try {
  await main();
} catch (error) {
  if (error instanceof ConfigError) printError(error.format());
  else if (error instanceof LauncherError) printError(`launcher: ${error.message}`);
  else printError(`launcher: could not start: ${describeStartupFailure(error)}`);
  await stopEverything();
  process.exit(error instanceof ConfigError ? EX_CONFIG : 1);
}
