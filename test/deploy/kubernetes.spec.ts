// deploy/kubernetes/, statically (no cluster runs here): every overlay renders, every object is valid against
// the Kubernetes schemas (kubernetes-models), and the manifests agree with the Compose deployment they map
// from — docker-compose.yml, deploy/config/deployment.toml, deploy/proxy/haproxy.cfg, deploy/Dockerfile.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig, type DeploymentConfig } from '@app/config';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import { REPO_ROOT } from './support/built-dist.js';
import { argvOf, environmentOf, loadComposeFile, readEnvFile, type ComposeService } from './support/compose-file.js';
import { readDockerfileStages } from './support/dockerfile.js';
import { type KubeObject, KustomizeError, renderKustomization, validateObjects } from './support/kustomize.js';

const KUBERNETES = path.join(REPO_ROOT, 'deploy/kubernetes');
const OVERLAYS = ['production', 'single-node'] as const;
const SERVICES = ['key-manager', 'devportal'] as const;
const SECRETS = ['db_password', 'keystore_password', 'admin_password'] as const;
/** Each service's own NATS password: Compose's secret, and the Kubernetes Secret projected as nats_password. */
const NATS_SECRET_OF = { 'key-manager': 'nats_key_manager_password', devportal: 'nats_devportal_password' } as const;
const VALUES: Record<(typeof SECRETS)[number] | 'nats_password', string> = { db_password: '5c0ffee0d1b2a3', keystore_password: '6bead5e7f8a9b0', admin_password: '7a11ce4b3c2d1e', nats_password: '8d0e5f6a7b8c9d' };

const compose = loadComposeFile(path.join(REPO_ROOT, 'docker-compose.yml'), readEnvFile(path.join(REPO_ROOT, 'deploy/.env.example'))).resolved;
const haproxy = readFileSync(path.join(REPO_ROOT, 'deploy/proxy/haproxy.cfg'), 'utf8');
const runtime = readDockerfileStages(path.join(REPO_ROOT, 'deploy/Dockerfile')).at(-1)!;
const rendered = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, renderKustomization(path.join(KUBERNETES, 'overlays', overlay))]));

/** [database] ssl_ca_file of both deployment.toml files: CloudNativePG's CA here, tls-init's in Compose (made in beforeAll). */
const POSTGRES_CA_FILE = '/etc/postgres-ca/postgres-ca.pem';
let files: ReadonlyMap<string, string>;
beforeAll(async () => {
  files = new Map([[POSTGRES_CA_FILE, (await createSelfSignedTlsCertificate({ hosts: ['apim-postgres-rw'], validityDays: 2 })).certificatePem]]);
});

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubernetes-spec-'));
  temporary.push(dir);
  return dir;
}

interface Container {
  name: string;
  image: string;
  command: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}
interface PodSpec {
  automountServiceAccountToken: boolean;
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean; runAsUser: number; fsGroup: number };
  containers: Container[];
  volumes: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
    projected?: { defaultMode: number; sources: { secret?: { name: string; items: { key: string; path: string }[] } }[] };
    emptyDir?: object;
  }[];
}
interface Workload extends KubeObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } };
}

function find<T extends KubeObject = KubeObject>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found as T;
}
const container = (objects: KubeObject[], name: string): Container => find<Workload>(objects, 'Deployment', name).spec.template.spec.containers[0]!;
const composeService = (name: string): ComposeService => compose.services[name]!;

/** The config a pod reads: the ConfigMap's deployment.toml, with the Secret's files and the container's env. */
function podConfig(objects: KubeObject[], service: (typeof SERVICES)[number], secrets: Record<string, string> = VALUES): DeploymentConfig {
  const dir = tempDir();
  const spec = find<Workload>(objects, 'Deployment', service).spec.template.spec;
  const main = spec.containers[0]!;
  const env = Object.fromEntries(main.env.map((entry) => [entry.name, entry.value ?? '']));
  const mountOf = (volume: string) => main.volumeMounts.find((mount) => mount.name === volume)!.mountPath;
  const configMapName = spec.volumes.find((volume) => volume.name === 'config')!.configMap!.name;
  const configFile = env['DEPLOYMENT_CONFIG']!;
  expect(path.dirname(configFile)).toBe(mountOf('config'));
  const data = find<KubeObject & { data: Record<string, string> }>(objects, 'ConfigMap', configMapName).data;
  for (const [name, value] of Object.entries(secrets)) writeFileSync(path.join(dir, name), `${value}\n`);
  const file = path.join(dir, 'deployment.toml');
  writeFileSync(file, data[path.basename(configFile)]!.replaceAll(`$file{${mountOf('secrets')}/`, `$file{${dir}/`));
  return loadConfig({ service, file, env: { ...runtime.env, ...env }, files });
}

/** Compose's config, read as compose.spec.ts reads it. */
function composeConfig(service: (typeof SERVICES)[number]): DeploymentConfig {
  const dir = tempDir();
  for (const [name, value] of Object.entries(VALUES)) writeFileSync(path.join(dir, name), `${value}\n`);
  const file = path.join(dir, 'deployment.toml');
  writeFileSync(file, readFileSync(path.join(REPO_ROOT, 'deploy/config/deployment.toml'), 'utf8').replaceAll('$file{/run/secrets/', `$file{${dir}/`));
  return loadConfig({ service, file, env: { ...runtime.env, ...environmentOf(composeService(service)) }, files });
}

/** Which Service an Ingress sends a path to (Kubernetes' rules: an Exact match first, then the longest Prefix by whole segments). */
function ingressBackend(ingress: KubeObject, requestPath: string): string | undefined {
  const paths = (ingress['spec'] as { rules: { http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] } }[] }).rules[0]!.http.paths;
  const exact = paths.find((p) => p.pathType === 'Exact' && p.path === requestPath);
  if (exact) return exact.backend.service.name;
  const segments = (p: string) => p.split('/').filter(Boolean);
  const prefixes = paths
    .filter((p) => p.pathType === 'Prefix' && segments(p.path).every((segment, i) => segments(requestPath)[i] === segment))
    .sort((a, b) => segments(b.path).length - segments(a.path).length);
  return prefixes[0]?.backend.service.name;
}

/** Which backend deploy/proxy/haproxy.cfg sends a path to (its `use_backend … if` path conditions, else the default). */
function haproxyBackend(requestPath: string): string {
  for (const [, backend, conditions] of haproxy.matchAll(/^\s*use_backend (\S+) if (.+)$/gm)) {
    for (const [, test, value] of conditions!.matchAll(/\{ (path|path_beg) (\S+) \}/g)) {
      if (test === 'path' ? requestPath === value : requestPath.startsWith(value!)) return backend!;
    }
  }
  return /^\s*default_backend (\S+)$/m.exec(haproxy)![1]!;
}

describe('deploy/kubernetes', () => {
  it('renders every overlay into valid Kubernetes objects (kubernetes-models schemas)', async () => {
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        [
          'ConfigMap/apim-config',
          'Deployment/devportal',
          'Deployment/key-manager',
          'HorizontalPodAutoscaler/key-manager',
          'Ingress/apim',
          'NetworkPolicy/apim-default-deny',
          'NetworkPolicy/apim-egress',
          'NetworkPolicy/apim-ingress',
          'PodDisruptionBudget/devportal',
          'PodDisruptionBudget/key-manager',
          'Service/devportal',
          'Service/key-manager',
        ].sort(),
      );
      expect({ overlay, problems: await validateObjects(objects) }).toEqual({ overlay, problems: [] });
      expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['apim']));
    }
  });

  it('fails a broken manifest: a schema violation, an unknown field, an unknown API, a patch that no longer applies, an unsupported Kustomize field', async () => {
    const copy = tempDir();
    cpSync(KUBERNETES, copy, { recursive: true });
    const overlay = path.join(copy, 'overlays/production');
    const base = path.join(copy, 'base/key-manager.yaml');
    const original = readFileSync(base, 'utf8');
    // A port that is not a number, and an autoscaler target that is not an integer.
    writeFileSync(base, original.replace('containerPort: 9443', 'containerPort: "9443/tcp"').replace('averageUtilization: 70', 'averageUtilization: 70%'));
    const problems = await validateObjects(renderKustomization(overlay));
    expect(problems).toEqual([expect.stringMatching(/^Deployment\/key-manager: .*containerPort must be integer/), expect.stringMatching(/^HorizontalPodAutoscaler\/key-manager: .*averageUtilization must be integer/)]);
    // A misspelt field (the API server would drop it without a word) and a field where it does not belong.
    writeFileSync(base, original.replace('readinessProbe:', 'readinesProbe:').replace('revisionHistoryLimit: 5', 'revisionHistoryLimit: 5\n  minReadySecond: 5'));
    expect(await validateObjects(renderKustomization(overlay))).toEqual([
      'Deployment/key-manager: unknown field spec.minReadySecond',
      'Deployment/key-manager: unknown field spec.template.spec.containers[0].readinesProbe',
    ]);
    // An API version the cluster does not serve (autoscaling/v2beta1 was removed in Kubernetes 1.25).
    writeFileSync(base, original.replace('apiVersion: autoscaling/v2', 'apiVersion: autoscaling/v2beta3'));
    expect(await validateObjects(renderKustomization(overlay))).toEqual([expect.stringContaining('autoscaling/v2beta3 HorizontalPodAutoscaler: no such kind')]);
    // The overlay's PUBLIC_URL patch checks that it edits the right variable.
    writeFileSync(base, original.replace('- name: PUBLIC_URL', '- name: PUBLIC_ADDRESS'));
    expect(() => renderKustomization(overlay)).toThrow(KustomizeError);
    writeFileSync(base, original);
    const kustomization = path.join(overlay, 'kustomization.yaml');
    writeFileSync(kustomization, `${readFileSync(kustomization, 'utf8')}\ncommonLabels:\n  team: apim\n`);
    expect(() => renderKustomization(overlay)).toThrow(/commonLabels not supported/);
  });

  // The renderer in support/kustomize.ts against the real tool, where it is installed (CI's machine has it;
  // no registry here offers it, so the test does not install it).
  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (kubectl ? it : it.skip)('renders each overlay as `kubectl kustomize` does', () => {
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    for (const overlay of OVERLAYS) {
      const output = execFileSync('kubectl', ['kustomize', path.join(KUBERNETES, 'overlays', overlay)], { encoding: 'utf8' });
      const real = parseAllDocuments(output).map((document) => document.toJS() as KubeObject);
      const ours = rendered[overlay]!;
      expect(Object.fromEntries(ours.map((o) => [key(o), o]))).toEqual(Object.fromEntries(real.map((o) => [key(o), o])));
    }
  });

  it('uses deployment.toml of the Compose deployment, with only the PostgreSQL and NATS addresses changed', () => {
    const objects = rendered['production']!;
    for (const service of SERVICES) {
      const ours = podConfig(objects, service);
      const theirs = composeConfig(service);
      const db = new URL(ours.database.url);
      // The CloudNativePG cluster's read-write Service and the NATS chart's Service (docs/kubernetes.md).
      expect(db.hostname).toBe('apim-postgres-rw');
      expect(ours.nats.servers).toEqual(['tls://nats:4222']);
      const composeDb = new URL(theirs.database.url);
      expect({ ...db, hostname: undefined, host: undefined, href: undefined, origin: undefined }).toEqual({ ...composeDb, hostname: undefined, host: undefined, href: undefined, origin: undefined });
      const same = (config: DeploymentConfig) => ({
        ...config,
        file: undefined,
        database: { ...config.database, url: undefined },
        nats: { ...config.nats, servers: undefined },
        server: { ...config.server, publicUrl: undefined },
        oauth: { ...config.oauth, issuer: undefined },
      });
      expect(same(ours)).toEqual(same(theirs));
    }
  });

  it('runs the image as Compose does: same command and config path, non-root, read-only root, limits, grace period', () => {
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      for (const service of SERVICES) {
        const workload = find<Workload>(objects, 'Deployment', service);
        const pod = workload.spec.template.spec;
        const main = container(objects, service);
        const theirs = composeService(service);
        expect(main.command).toEqual(argvOf(theirs.command));
        expect(main.image.split('/').at(-1)!.split(/[:@]/)[0]).toBe(theirs.image!.split(':')[0]);
        expect(main.env.find((e) => e.name === 'DEPLOYMENT_CONFIG')?.value).toBe(environmentOf(theirs)['DEPLOYMENT_CONFIG']);
        // Non-root as the image's user "node" (uid 1000), read-only root, no privilege, like `read_only: true`.
        expect(runtime.user).toBe('node');
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
        expect(main.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(pod.automountServiceAccountToken).toBe(false);
        // The Compose tmpfs on /tmp.
        expect(main.volumeMounts.find((m) => m.mountPath === '/tmp')).toBeDefined();
        expect(pod.volumes.find((v) => v.name === main.volumeMounts.find((m) => m.mountPath === '/tmp')!.name)?.emptyDir).toBeDefined();
        // Limits: Compose's cpus and memory (m = MiB).
        const limits = (theirs['deploy'] as { resources: { limits: { cpus: string; memory: string } } }).resources.limits;
        expect(Number(main.resources.limits['cpu'])).toBe(Number(limits.cpus));
        expect(main.resources.limits['memory']).toBe(limits.memory.replace(/m$/, 'Mi').replace(/g$/, 'Gi'));
        expect(main.resources.requests['cpu']).toBeDefined();
        expect(pod.terminationGracePeriodSeconds).toBe(Number(String(theirs['stop_grace_period']).replace(/s$/, '')));
      }
    }
  });

  it('checks readiness and liveness on the port the service listens on, as HAProxy and the Compose health checks do', () => {
    const proxyCheck = /http-check send meth GET uri (\S+)/.exec(haproxy)![1];
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      for (const service of SERVICES) {
        const main = container(objects, service);
        const port = podConfig(objects, service).server.port;
        expect(main.ports.find((p) => p.name === 'http')?.containerPort).toBe(port);
        expect(main.readinessProbe.httpGet).toEqual({ path: proxyCheck, port: 'http' });
        expect(JSON.stringify(composeService(service).healthcheck?.test)).toContain(`GET ${proxyCheck}`);
        expect(main.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(main.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
        // The Service forwards its port to that container port, and selects the Deployment's pods.
        const svc = find<KubeObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } }>(objects, 'Service', service);
        expect(svc.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
        const workload = find<Workload>(objects, 'Deployment', service);
        expect(svc.spec.selector).toEqual(workload.spec.selector.matchLabels);
        expect(workload.spec.template.metadata.labels).toMatchObject(workload.spec.selector.matchLabels);
        // Prometheus by annotation: the management port, which serves /metrics (not the Service's port).
        const management = podConfig(objects, service).management.port;
        expect(main.ports.find((p) => p.name === 'management')?.containerPort).toBe(management);
        expect(composeService(service).expose).toEqual([String(port), String(management)]);
        expect(workload.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(management), 'prometheus.io/path': '/metrics' });
      }
    }
  });

  it('mounts the passwords as files under /run/secrets/ with the Compose names, and puts none in the environment', () => {
    const toml = readFileSync(path.join(KUBERNETES, 'base/deployment.toml'), 'utf8');
    const referenced = [...toml.matchAll(/^[^#\n]*\$file\{\/run\/secrets\/([a-z_]+)\}/gm)].map((m) => m[1]);
    expect(new Set(referenced)).toEqual(new Set([...SECRETS, 'nats_password']));
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      for (const service of SERVICES) {
        const pod = find<Workload>(objects, 'Deployment', service).spec.template.spec;
        const main = pod.containers[0]!;
        const secrets = pod.volumes.find((v) => v.name === 'secrets')!.projected!;
        const files = secrets.sources.flatMap((source) => source.secret!.items.map((item) => [source.secret!.name, item.key, item.path]));
        expect(files).toEqual([...SECRETS.map((name) => ['apim-secrets', name, name]), [`apim-nats-${service}`, 'nats_password', 'nats_password']]);
        expect(composeService(service)['secrets']).toEqual([...SECRETS, { source: NATS_SECRET_OF[service], target: 'nats_password' }]);
        // The NATS login: this service's user, over TLS, trusting the CA mounted where tls_ca_file points.
        const config = podConfig(objects, service);
        expect({ user: config.nats.user, servers: config.nats.servers }).toEqual({ user: service, servers: ['tls://nats:4222'] });
        expect(config.nats.password).toBe(VALUES.nats_password);
        expect(path.dirname(config.nats.tlsCaFile!)).toBe(main.volumeMounts.find((m) => m.name === 'nats-ca')!.mountPath);
        expect(pod.volumes.find((v) => v.name === 'nats-ca')!.configMap!.name).toBe('apim-nats-ca');
        // PostgreSQL over TLS, checking the certificate against the CA in CloudNativePG's Secret: its ca.crt
        // alone (the Secret holds the CA's private key too).
        expect({ sslMode: config.database.sslMode, sslCaFile: config.database.sslCaFile }).toEqual({ sslMode: 'verify-full', sslCaFile: POSTGRES_CA_FILE });
        expect(main.volumeMounts.find((m) => m.name === 'postgres-ca')!.mountPath).toBe(path.dirname(POSTGRES_CA_FILE));
        expect(pod.volumes.find((v) => v.name === 'postgres-ca')!.secret).toEqual({ secretName: 'apim-postgres-ca', items: [{ key: 'ca.crt', path: path.basename(POSTGRES_CA_FILE) }] });
        expect(secrets.defaultMode).toBe(0o440);
        // Whole folders, read-only, no subPath (an updated Secret or ConfigMap reaches the files).
        for (const mount of main.volumeMounts.filter((m) => m.mountPath !== '/tmp')) expect({ ...mount, readOnly: mount.readOnly === true, subPath: mount.subPath }).toMatchObject({ readOnly: true, subPath: undefined });
        expect(main.volumeMounts.find((m) => m.name === 'secrets')!.mountPath).toBe('/run/secrets');
        // The keystore the config opens is in the keystore Secret's folder.
        expect(path.dirname(config.keystore.primary.file)).toBe(main.volumeMounts.find((m) => m.name === 'keystore')!.mountPath);
        expect(pod.volumes.find((v) => v.name === 'keystore')!.secret!.secretName).toBe('apim-keystore');
        // Nothing secret in the environment, and no variable taken from a Secret.
        expect(main.env.filter((e) => /PASSWORD|SECRET|_KEY$/i.test(e.name) || e.valueFrom !== undefined)).toEqual([]);
        expect(JSON.stringify(main.command)).not.toMatch(/--password/);
      }
    }
    // The placeholders Compose refuses are refused here too.
    expect(() => podConfig(rendered['production']!, 'key-manager', { db_password: 'x-change-me', keystore_password: 'y-change-me', admin_password: 'z-change-me' })).toThrow(/placeholder/);
  });

  it('routes paths as deploy/proxy/haproxy.cfg does, over TLS, at the address the services name as issuer', () => {
    const backends: Record<string, string> = { 'key-manager': 'key-manager', devportal: 'devportal' };
    const paths = ['/', '/devportal', '/devportal/', '/devportal/auth/callback', '/devportalx', '/api/am/devportal/v3/applications', '/api/am/devportalx', '/oauth2/token', '/oauth2/introspect', '/.well-known/openid-configuration', '/keymanager-operations/dcr/register', '/health/ready', '/x/devportal/'];
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      const ingress = find(objects, 'Ingress', 'apim');
      for (const requestPath of paths) expect({ requestPath, backend: ingressBackend(ingress, requestPath) }).toEqual({ requestPath, backend: backends[haproxyBackend(requestPath)] });
      const spec = ingress['spec'] as { tls: { hosts: string[]; secretName: string }[]; rules: { host: string }[] };
      const host = spec.rules[0]!.host;
      expect(spec.tls).toEqual([{ hosts: [host], secretName: 'apim-tls' }]);
      for (const service of SERVICES) {
        const config = podConfig(objects, service);
        expect(config.server.publicUrl).toBe(`https://${host}`);
        expect(config.oauth.issuer).toBe(`https://${host}`);
        expect(config.server.trustProxy).toBe(true);
      }
    }
  });

  it('lets only the ingress controller and Prometheus reach the services, and the services only DNS, PostgreSQL and NATS', () => {
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      type Peer = { namespaceSelector?: { matchLabels: Record<string, string> }; podSelector?: object; ipBlock?: object };
      type Policy = KubeObject & {
        spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes: string[]; ingress?: { from?: Peer[]; ports?: { port: string | number }[] }[]; egress?: { to?: Peer[]; ports: { protocol: string; port: number }[] }[] };
      };
      const deny = find<Policy>(objects, 'NetworkPolicy', 'apim-default-deny');
      expect(deny.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'apim' } }, policyTypes: ['Ingress', 'Egress'] });
      for (const service of SERVICES) expect(find<Workload>(objects, 'Deployment', service).spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'apim' });
      // In: the HTTP port from the ingress controller, the management port from Prometheus; every rule names a source.
      const inbound = find<Policy>(objects, 'NetworkPolicy', 'apim-ingress').spec.ingress!;
      expect(inbound.map((rule) => [rule.from!.map((peer) => peer.namespaceSelector?.matchLabels['kubernetes.io/metadata.name']), rule.ports!.map((p) => p.port)])).toEqual([
        [['ingress-nginx'], ['http']],
        [['monitoring'], ['management']],
      ]);
      // Out: DNS, and the ports of the database and the bus deployment.toml names.
      const egress = find<Policy>(objects, 'NetworkPolicy', 'apim-egress').spec.egress!;
      const config = podConfig(objects, 'key-manager');
      const allowed = egress.flatMap((rule) => rule.ports.map((p) => `${p.protocol}/${p.port}`)).sort();
      expect(allowed).toEqual(['TCP/53', 'UDP/53', `TCP/${new URL(config.database.url).port}`, `TCP/${new URL(config.nats.servers[0]!).port}`].sort());
    }
  });

  it('keeps the Key Manager scalable and both services available through disruptions', () => {
    for (const overlay of OVERLAYS) {
      const objects = rendered[overlay]!;
      type Hpa = KubeObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number } };
      const hpa = find<Hpa>(objects, 'HorizontalPodAutoscaler', 'key-manager');
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'key-manager' });
      const km = find<Workload>(objects, 'Deployment', 'key-manager');
      expect(km.spec.replicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
      // The replicas share the NATS requests as one queue group (Compose's --scale).
      expect(podConfig(objects, 'key-manager').nats.queue).toBeTruthy();
      for (const service of SERVICES) {
        const pdb = find<KubeObject & { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } }>(objects, 'PodDisruptionBudget', service);
        expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: find<Workload>(objects, 'Deployment', service).spec.selector.matchLabels } });
      }
    }
    expect(find<Workload>(rendered['production']!, 'Deployment', 'key-manager').spec.replicas).toBeGreaterThanOrEqual(3);
    expect(find<Workload>(rendered['production']!, 'Deployment', 'devportal').spec.replicas).toBeGreaterThanOrEqual(3);
  });

  it('names the NATS chart values the services expect: a 3-node TLS cluster with the users and permissions of nats-server.conf', () => {
    type Permissions = { subscribe?: string[]; publish?: string[]; allow_responses?: boolean };
    const values = parse(readFileSync(path.join(KUBERNETES, 'nats/values.yaml'), 'utf8')) as {
      config: { cluster: { enabled: boolean; replicas: number }; jetstream: { enabled: boolean }; nats: { port: number; tls: { enabled: boolean } }; merge: { authorization: { users: { user: string; password: string; permissions: Permissions }[] } } };
      container: { env: Record<string, { valueFrom: { secretKeyRef: { name: string; key: string } } }> };
    };
    expect(values.config.cluster).toEqual({ enabled: true, replicas: 3 });
    expect(values.config.jetstream.enabled).toBe(true);
    expect(values.config.nats.tls.enabled).toBe(true);
    expect(`tls://nats:${values.config.nats.port}`).toBe(podConfig(rendered['production']!, 'devportal').nats.servers[0]);
    // deploy/nats/nats-server.conf's users: name, password variable, and permissions, one block each.
    const conf = readFileSync(path.join(REPO_ROOT, 'deploy/nats/nats-server.conf'), 'utf8');
    const list = (text: string | undefined) => (text === undefined ? undefined : [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]!));
    const composeUsers = [...conf.matchAll(/user: "([^"]+)"\s*password: \$(\w+)\s*permissions: \{([^}]*)\}/g)].map(([, user, variable, body]) => ({
      user,
      variable,
      permissions: {
        subscribe: list(/subscribe: \[([^\]]*)\]/.exec(body!)?.[1]),
        publish: list(/publish: \[([^\]]*)\]/.exec(body!)?.[1]),
        allow_responses: /allow_responses: true/.test(body!) || undefined,
      },
    }));
    expect(composeUsers.map((u) => u.user)).toEqual(['key-manager', 'devportal', 'cli']);
    const chartUsers = values.config.merge.authorization.users.map(({ user, password, permissions }) => ({ user, variable: /^<< \$(\w+) >>$/.exec(password)?.[1], permissions: { ...permissions } }));
    expect(JSON.parse(JSON.stringify(chartUsers))).toEqual(JSON.parse(JSON.stringify(composeUsers)));
    // Each password variable comes from the Secret that service mounts as nats_password.
    for (const { user, variable } of composeUsers) expect(values.container.env[variable!]!.valueFrom.secretKeyRef).toEqual({ name: `apim-nats-${user}`, key: 'nats_password' });
  });
});
