import 'reflect-metadata';
import { prepareService } from '@app/telemetry';

// Configuration and tracing first: the service's modules (HTTP framework, PostgreSQL driver) load after.
const prepared = await prepareService('devportal');
const [{ runServiceMain }, { startDevportal }] = await Promise.all([import('@app/platform'), import('./devportal.bootstrap.js')]);
await runServiceMain('devportal', startDevportal, { prepared });
