// Shared service plumbing for the Key Manager and the Developer Portal: configuration injection, logging,
// the HTTP application factory, database and migrations, encryption state, the bus (NATS or in-process),
// health and metrics. Apps import it as `@app/platform`.
export { createHttpApplication, pathOf, servedRoutes, type HttpAppOptions, type ServedRoute } from './http/http-app.factory.js';
export { applySecurityHeaders, DEFAULT_CSP, SECURITY_HEADERS } from './http/security-headers.js';
export {
  DATABASE_RETRY_AFTER_SECONDS,
  DatabaseReadRetryInterceptor,
  GuardedClient,
  isDatabaseUnavailable,
  openPool,
  retryOnDatabaseFault,
} from './database/database-faults.js';
export { postgresConnection, postgresTls } from './database/database-tls.js';
export { checkPostgresVersion, DatabaseModule, SchemaMigrator, quoteIdentifier, typeOrmOptions, type DatabaseModuleOptions } from './database/database.module.js';
export { applyMigrations, type MigrationConnection } from './database/apply-migrations.js';
export { EncryptionModule } from './encryption/encryption.module.js';
export { EncryptionControlService } from './encryption/encryption-control.service.js';
export { loadEncryptionMaterial, type EncryptionMaterial } from './encryption/encryption-material.js';
export { EncryptionService, type PrepareCheck, type ProfileCheck } from './encryption/encryption.service.js';
export {
  StoredSecretsInspector,
  UnreadableStoredSecretsError,
  countStoredSecrets,
  storedSecretsState,
  type StoredSecretsReport,
  type StoredSecretsRow,
  type StoredValueCountRow,
} from './encryption/stored-secrets.inspector.js';
export {
  COMPACT_STORED_VALUE_COUNTS,
  READ_STORED_VALUE_COUNTS,
  createStoredValueCounts,
  dropStoredValueCounts,
  runStatements,
  seedStoredValueCounts,
  type CountedColumn,
} from './encryption/stored-value-counts.js';
export { HealthModule, type ReadinessCheck } from './health/health.module.js';
export { ManagementServer, MANAGEMENT_ROUTES } from './health/management.server.js';
export { ReadinessService, type Readiness } from './health/readiness.service.js';
export { loggableMessage, serializeError, type LoggedError } from './logging/error-serializer.js';
export { createRootLogger } from './logging/logger.factory.js';
export { NestLoggerAdapter } from './logging/nest-logger.adapter.js';
export { DeploymentIdentityMigration } from './messaging/deployment-identity.migration.js';
export { DeploymentIdentity, discoverNodes, DISCOVERY_INTERVAL_MS, FOREIGN_MEMORY_MS, type ForeignInstance } from './messaging/deployment-identity.js';
export { DeploymentWatch } from './health/deployment-watch.js';
export { InProcessBus, InProcessServer, InProcessRpcTransport } from './messaging/in-process.transport.js';
export { KeyManagerClient, KeyManagerCallError } from './messaging/key-manager.client.js';
export { BusConnection, MessagingModule, keyManagerMicroservice, type BusOption } from './messaging/messaging.module.js';
export { closeNats, connectNats, natsLoginOptions, NatsRpcTransport } from './messaging/nats-connection.js';
export { RPC_TRANSPORT, RpcTransportError, type RpcTransport } from './messaging/rpc-transport.js';
export {
  RpcData,
  RpcEnvelopeInterceptor,
  RpcErrorFilter,
  RpcRequestId,
  SkipProfileCheck,
  rpcValidationPipe,
  type RpcErrorMapper,
} from './messaging/rpc-server.js';
export { MetricsModule, MetricsRegistry } from './metrics/metrics.module.js';
export { DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER, RuntimeModule } from './runtime/runtime.module.js';
export { redactUrl } from './runtime/redact-url.js';
export { describeStartupFailure, drainService, runServiceMain, startupExitCode, EXIT_CONFIG, EXIT_STARTUP_FAILED, type PreparedServiceStart, type ServiceContext, type ServiceStarter } from './runtime/service-main.js';
export {
  checkAuthorization,
  findRefusedCharacter,
  guardRequest,
  NewCredentials,
  REFUSED_CREDENTIAL_REPORTER,
  RefusedInputError,
  type CredentialAttempt,
  type CredentialKind,
  type RefusedCredentialReporter,
  type RefusedValue,
  type RequestPart,
} from './http/input-guard.js';
export { jsonNestsDeeperThan, JsonTooDeepError, MAX_JSON_DEPTH, useJsonBodyParser } from './http/json-body.js';
