import type { ServiceName } from './config.types.js';
import {
  AuthThrottleSection,
  MultipleClientSecretsSection,
  CorsSection,
  DatabaseSection,
  DeviceFlowSection,
  DevportalSection,
  EncryptionSection,
  KeystoreSection,
  LogSection,
  ManagementSection,
  NatsSection,
  OauthConfigSection,
  OauthSection,
  ServerSection,
  SuperAdminSection,
  SystemParameterSection,
  TokenCleanupSection,
  TokenExpirySection,
  TracingSection,
  TrustedIssuerSection,
  Wso2JwtIssuerSection,
} from './deployment-config.sections.js';
import { keysOf, type KeySpec } from './toml-key.decorator.js';

export type SectionClass = abstract new () => object;

export interface SectionSpec {
  /** TOML table path at the top level, e.g. `transport.nats`. */
  path: string;
  section: SectionClass;
  /** May appear again under `[key_manager.*]` / `[devportal.*]` to override it for one service. */
  overlay: boolean;
  /** An array of tables (`[[keystore.old]]`). */
  array: boolean;
}

const spec = (path: string, section: SectionClass, options: { overlay?: boolean; array?: boolean } = {}): SectionSpec => ({
  path,
  section,
  overlay: options.overlay ?? false,
  array: options.array ?? false,
});

/** Every table the file may contain (besides the overlays). */
export const SECTIONS: readonly SectionSpec[] = [
  spec('server', ServerSection, { overlay: true }),
  spec('management', ManagementSection, { overlay: true }),
  spec('database', DatabaseSection, { overlay: true }),
  spec('transport.nats', NatsSection, { overlay: true }),
  spec('keystore.primary', KeystoreSection),
  spec('keystore.old', KeystoreSection, { array: true }),
  spec('apim.oauth_config', OauthConfigSection),
  spec('system.parameter', SystemParameterSection),
  spec('encryption', EncryptionSection),
  spec('super_admin', SuperAdminSection),
  spec('oauth', OauthSection),
  spec('oauth.token_expiry', TokenExpirySection),
  spec('oauth.token_cleanup', TokenCleanupSection),
  spec('oauth.auth_throttle', AuthThrottleSection),
  spec('oauth.multiple_client_secrets', MultipleClientSecretsSection),
  spec('oauth.device_flow', DeviceFlowSection),
  spec('oauth.trusted_issuer', TrustedIssuerSection, { array: true }),
  spec('oauth.wso2_jwt_issuer', Wso2JwtIssuerSection, { array: true }),
  spec('cors', CorsSection),
  spec('devportal', DevportalSection),
  spec('log', LogSection, { overlay: true }),
  spec('observability.tracing', TracingSection, { overlay: true }),
];

/**
 * Overlay roots: `[key_manager.server]` overrides `[server]` for the key manager only. The CLI has none: it
 * reads the shared settings, and another service's view through `loadConfigFor`.
 */
export const OVERLAY_ROOT: Record<ServiceName, string | undefined> = {
  'key-manager': 'key_manager',
  devportal: 'devportal',
  cli: undefined,
};

/** WSO2 keys people bring along when migrating, with what to do instead. */
export const WSO2_HINTS: Readonly<Record<string, string>> = {
  'server.hostname': 'use public_url (the URL clients see) and host (the address to listen on)',
  'server.offset': 'set port itself; there is no port offset',
  'database.apim_db': 'use [database] url, a postgres:// URL',
  'database.shared_db': 'use [database] url; each service has its own schema in one database',
  'keystore.tls': 'TLS is terminated in front of the services; only [keystore.primary] and [[keystore.old]] are read',
  truststore: 'TLS is terminated in front of the services; there is no truststore',
  'oauth.extensions': 'the persistence processor follows from [apim.oauth_config] enable_token_encryption / enable_token_hashing; remove it',
  'super_admin.create_admin_account': 'the key manager always manages the [super_admin] account; remove it',
  'super_admin.admin_role': 'roles are not configurable; remove it',
  'cors.allow_generic_http_requests': 'always so here: requests without an Origin header are never refused; remove it',
  'cors.allow_subdomains': 'list each origin in allowed_origins; remove it',
  'cors.supported_methods': 'the Key Manager allows GET, POST and OPTIONS on its CORS endpoints; remove it',
  'cors.support_any_header': 'the Key Manager allows the Authorization, Content-Type and DPoP headers; remove it',
  'cors.supported_headers': 'the Key Manager allows the Authorization, Content-Type and DPoP headers; remove it',
  'cors.exposed_headers': 'the Key Manager exposes WWW-Authenticate and Retry-After; remove it',
  'cors.supports_credentials': 'the OAuth2 endpoints use no cookies, so credentials are never allowed; remove it',
  'cors.tag_requests': 'not supported; remove it',
  'oauth.client_auth_throttle': 'renamed [oauth.auth_throttle], with limits per account, per account and address, and per address (docs/configuration.md)',
  'encryption.internal_crypto_provider':
    'the provider follows from [system.parameter] "org.wso2.CipherTransformation"; remove it',
};

/** A node of the table tree the loader walks the document against. */
export interface SchemaNode {
  /** Rendered TOML path of the table, '' at the root. */
  path: string;
  section?: SectionSpec;
  /** Sub-tables, by TOML name. */
  children: Map<string, SchemaNode>;
  /** `key_manager` / `devportal`: the tables beneath override the top-level ones for one service. */
  overlayFor?: ServiceName;
  /** On a section table inside such an overlay: the service it overrides for. */
  insideOverlayFor?: ServiceName;
}

function node(path: string): SchemaNode {
  return { path, children: new Map() };
}

function ensurePath(root: SchemaNode, segments: readonly string[]): SchemaNode {
  let current = root;
  for (const segment of segments) {
    let child = current.children.get(segment);
    if (!child) {
      child = node(current.path ? `${current.path}.${segment}` : segment);
      current.children.set(segment, child);
    }
    current = child;
  }
  return current;
}

function buildSchema(): SchemaNode {
  const root = node('');
  for (const section of SECTIONS) ensurePath(root, section.path.split('.')).section = section;
  for (const [service, overlayRoot] of Object.entries(OVERLAY_ROOT)) {
    if (!overlayRoot) continue;
    const overlay = ensurePath(root, [overlayRoot]);
    overlay.overlayFor = service as ServiceName;
    for (const section of SECTIONS.filter((s) => s.overlay)) {
      const overlaid = ensurePath(overlay, section.path.split('.'));
      overlaid.section = section;
      overlaid.insideOverlayFor = service as ServiceName;
    }
  }
  return root;
}

export const SCHEMA: SchemaNode = buildSchema();

/** Top-level sections that a service overlay may repeat. */
export const OVERLAYABLE: readonly string[] = SECTIONS.filter((s) => s.overlay).map((s) => s.path);

/** Every key of every top-level table, for suggestions when a key sits in the wrong table. */
export const ALL_KEYS: ReadonlyArray<{ table: string; key: KeySpec }> = SECTIONS.flatMap((s) =>
  keysOf(s.section).map((key) => ({ table: s.path, key })),
);
