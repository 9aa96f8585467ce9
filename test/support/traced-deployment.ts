// Shared by the tracing tests (services as processes, and under `npm start`): a deployment.toml with
// `[observability.tracing]` on, and the trace of one received span.
import { TEST_ADMIN } from './key-manager.harness.js';
import type { ReceivedSpan } from './otlp-receiver.js';
import type { TomlTables } from './test-config.js';
import type { TestKeystore } from './test-keystore.js';

export interface TracedDeployment {
  ports: { keyManager: number; devportal: number; keyManagerManagement: number; devportalManagement: number };
  databaseUrl: string;
  schemas: { km: string; dp: string };
  subjectPrefix: string;
  keystore: TestKeystore;
  /** The OTLP receiver's endpoint. */
  endpoint: string;
}

/** Both services on 127.0.0.1, NATS at 127.0.0.1:4222, encryption on, tracing every request to `endpoint`. */
export function tracedDeploymentTables(d: TracedDeployment): TomlTables {
  return {
    server: { host: '127.0.0.1', port: d.ports.keyManager, public_url: `http://127.0.0.1:${d.ports.keyManager}` },
    'key_manager.management': { port: d.ports.keyManagerManagement },
    'devportal.management': { port: d.ports.devportalManagement },
    database: { url: d.databaseUrl, schema: d.schemas.km, pool_size: 4 },
    'transport.nats': { servers: ['nats://127.0.0.1:4222'], subject_prefix: d.subjectPrefix },
    'keystore.primary': { file_name: d.keystore.file, type: d.keystore.type, password: d.keystore.password, alias: d.keystore.alias },
    'apim.oauth_config': { enable_token_encryption: true },
    super_admin: { ...TEST_ADMIN },
    'oauth.token_cleanup': { enable: false },
    log: { level: 'warn' },
    'devportal.server': { host: '127.0.0.1', port: d.ports.devportal, public_url: `http://127.0.0.1:${d.ports.devportal}` },
    'devportal.database': { schema: d.schemas.dp, pool_size: 4 },
    'observability.tracing': { enabled: true, endpoint: d.endpoint },
  };
}

/** The spans of `span`'s trace, and a way to list any one's ancestors in it (parent first). */
export function traceOf(spans: ReceivedSpan[], span: ReceivedSpan): { trace: ReceivedSpan[]; ancestors(of: ReceivedSpan): ReceivedSpan[] } {
  const trace = spans.filter((s) => s.traceId === span.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  return {
    trace,
    ancestors: (of) => {
      const chain: ReceivedSpan[] = [];
      for (let parent = byId.get(of.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) chain.push(parent);
      return chain;
    },
  };
}
