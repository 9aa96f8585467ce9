// Renders the Kustomize overlays of deploy/kubernetes/ without a kustomize binary, and validates every
// object against the Kubernetes schemas (the kubernetes-models packages).
//
// No kustomize or kubectl can be installed from the registries this project uses (npm and Debian's archive),
// so CI cannot count on one. This renders the few Kustomize fields the overlays use, with Kustomize's
// meaning, and refuses every other field: a new field in an overlay fails the test here until it is
// supported. Where kubectl is on the PATH, test/deploy/kubernetes.spec.ts renders every overlay with
// `kubectl kustomize` too and expects the same objects, so this cannot drift from the real tool unseen.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { target?: { kind?: string; name?: string }; patch?: string; path?: string }[];
  configMapGenerator?: { name: string; files: string[] }[];
  generatorOptions?: { disableNameSuffixHash?: boolean };
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'images', 'replicas', 'patches', 'configMapGenerator', 'generatorOptions']);
/** The kinds the overlays hold, all namespaced (Kustomize's `namespace:` sets theirs). */
const NAMESPACED = new Set(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service', 'Job']);
const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

export class KustomizeError extends Error {}

function readYamlDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new KustomizeError(`${file}: ${document.errors[0]!.message}`);
    return document.toJS() as unknown;
  });
}

/** Kustomize's load restriction: a file a kustomization reads lies in or below its folder. */
function inside(root: string, entry: string): string {
  const file = path.resolve(root, entry);
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) throw new KustomizeError(`${entry}: not in or below ${root}`);
  return file;
}

function podTemplates(object: KubeObject): { containers?: { image?: string }[]; initContainers?: { image?: string }[] }[] {
  const spec = object['spec'] as { template?: { spec?: object }; jobTemplate?: { spec?: { template?: { spec?: object } } } } | undefined;
  return [spec?.template?.spec, spec?.jobTemplate?.spec?.template?.spec].filter((s): s is object => s !== undefined);
}

/** The objects `kubectl kustomize <folder>` prints, in the order the resources are listed. */
export function renderKustomization(folder: string): KubeObject[] {
  const root = path.resolve(folder);
  const file = path.join(root, 'kustomization.yaml');
  const kustomization = readYamlDocuments(file)[0] as Kustomization;
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new KustomizeError(`${file}: ${unsupported.join(', ')} not supported by test/deploy/support/kustomize.ts`);

  const objects: KubeObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    // A folder is another kustomization (it may lie above, as ../../base does); a file must lie below.
    const target = path.resolve(root, entry);
    if (statSync(target).isDirectory()) objects.push(...renderKustomization(target));
    else objects.push(...(readYamlDocuments(inside(root, entry)).filter((document) => document !== null) as KubeObject[]));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    // With a hash suffix the ConfigMap's name changes with its content: not rendered here.
    if (kustomization.generatorOptions?.disableNameSuffixHash !== true) throw new KustomizeError(`${file}: configMapGenerator needs generatorOptions.disableNameSuffixHash here`);
    const unknown = Object.keys(generator).filter((key) => key !== 'name' && key !== 'files');
    if (unknown.length > 0) throw new KustomizeError(`${file}: configMapGenerator.${unknown.join(', ')} not supported`);
    const data: Record<string, string> = {};
    for (const source of generator.files) {
      const [key, relative] = source.includes('=') ? (source.split('=', 2) as [string, string]) : [path.basename(source), source];
      data[key] = readFileSync(inside(root, relative), 'utf8');
    }
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
  }

  for (const entry of kustomization.patches ?? []) {
    const parsed = entry.patch !== undefined ? (parseAllDocuments(entry.patch)[0]?.toJS() as unknown) : entry.path ? readYamlDocuments(inside(root, entry.path))[0] : undefined;
    // A list is an RFC 6902 JSON patch; Kustomize's other kind (a strategic merge patch) is not supported.
    if (!Array.isArray(parsed)) throw new KustomizeError(`${file}: only JSON 6902 patches (a list of operations) are supported`);
    const matched = objects.filter((object) => (entry.target?.kind ?? object.kind) === object.kind && (entry.target?.name ?? object.metadata.name) === object.metadata.name);
    if (matched.length === 0) throw new KustomizeError(`${file}: the patch for ${JSON.stringify(entry.target)} matches no object`);
    for (const object of matched) {
      try {
        jsonPatch.applyPatch(object, parsed as Operation[], true, true);
      } catch (error) {
        throw new KustomizeError(`${file}: patch for ${object.kind}/${object.metadata.name}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  if (kustomization.namespace !== undefined) {
    for (const object of objects) {
      if (!NAMESPACED.has(object.kind)) throw new KustomizeError(`${object.kind}: not known here as a namespaced kind`);
      object.metadata.namespace = kustomization.namespace;
    }
  }
  for (const { name, count } of kustomization.replicas ?? []) {
    const matched = objects.filter((object) => SCALABLE.has(object.kind) && object.metadata.name === name);
    if (matched.length === 0) throw new KustomizeError(`${file}: replicas for ${name} match no workload`);
    for (const object of matched) (object['spec'] as { replicas?: number }).replicas = count;
  }
  for (const image of kustomization.images ?? []) {
    for (const template of objects.flatMap(podTemplates)) {
      for (const container of [...(template.containers ?? []), ...(template.initContainers ?? [])]) {
        const reference = container.image ?? '';
        const name = reference.split('@')[0]!.replace(/:[^/:]*$/, '');
        if (name !== image.name) continue;
        const tag = reference.slice(name.length).split('@')[0]!.replace(/^:/, '');
        container.image = `${image.newName ?? name}${image.digest ? `@${image.digest}` : `:${image.newTag ?? tag}`}`;
      }
    }
  }
  return objects;
}

/** The kubernetes-models class of an object's apiVersion and kind: `apps/v1` + `Deployment` → kubernetes-models/apps/v1/Deployment. */
async function modelOf(object: KubeObject): Promise<{ prototype: { validate(): void } }> {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || !/^[A-Za-z.0-9/]+$/.test(object.apiVersion) || !/^[A-Za-z]+$/.test(object.kind)) {
    throw new KustomizeError(`not a Kubernetes object: ${JSON.stringify({ apiVersion: object.apiVersion, kind: object.kind })}`);
  }
  let module: Record<string, { prototype: { validate(): void } }>;
  try {
    module = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as typeof module;
  } catch {
    throw new KustomizeError(`${object.apiVersion} ${object.kind}: no such kind in kubernetes-models (a misspelt or removed API version?)`);
  }
  return module[object.kind]!;
}

interface Visit {
  path: string;
  keys: string[];
  read: Set<string>;
  enumerated: boolean;
}

/**
 * A copy of `value` that records which fields the schema validator looks at. The validator reads every field
 * its schema defines and enumerates only maps (labels, data…), so a field of a non-map object that it never
 * read is one the schema does not have: a misspelt or misplaced key, which the API server would drop.
 */
function watched(value: unknown, path: string, visits: Visit[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => watched(item, `${path}[${i}]`, visits));
  const visit: Visit = { path, keys: Object.keys(value), read: new Set(), enumerated: false };
  visits.push(visit);
  const copy = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, watched(item, path ? `${path}.${key}` : key, visits)]));
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      visit.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * Every object's schema violations as `Kind/name: problem`; empty when all are valid. kubernetes-models
 * checks types, required fields and formats (the OpenAPI schemas of the Kubernetes API); on top of it, a
 * field the schema does not define is reported, as the API server's strict field validation would.
 */
export async function validateObjects(objects: KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const label = `${object.kind}/${object.metadata?.name}`;
    const visits: Visit[] = [];
    try {
      // The model's validate() with the watched copy as `this` (a model instance would copy it first).
      (await modelOf(object)).prototype.validate.call(watched(object, '', visits));
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`);
      continue;
    }
    if (!object.metadata?.name) problems.push(`${label}: metadata.name is missing`);
    // Objects the validator never entered lie under a field it does not look into (reported at that field).
    for (const visit of visits.filter((v) => !v.enumerated && v.read.size > 0)) {
      for (const key of visit.keys.filter((k) => !visit.read.has(k))) problems.push(`${label}: unknown field ${visit.path ? `${visit.path}.` : ''}${key}`);
    }
  }
  return problems;
}
