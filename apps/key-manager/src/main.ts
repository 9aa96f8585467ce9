import { prepareService } from '@app/telemetry';

// Configuration and tracing first: the service's modules (HTTP framework, PostgreSQL driver) load after.
const prepared = await prepareService('key-manager');
const [{ runServiceMain }, { startKeyManager }] = await Promise.all([import('@app/platform'), import('./key-manager.bootstrap.js')]);
await runServiceMain('key-manager', startKeyManager, { prepared });
