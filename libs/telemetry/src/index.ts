/**
 * OpenTelemetry tracing for the services: started from `[observability.tracing]` before a service loads,
 * and nothing at all when tracing is off. The bus's context propagation lives in `libs/platform`.
 */
export { prepareService, type PreparedService } from './prepare-service.js';
export { redactQuery, startServicesTracing, startTracing, type ServicesTracing, type TracedProcess, type Tracing } from './tracing.js';
