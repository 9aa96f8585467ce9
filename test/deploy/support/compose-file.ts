// Reads docker-compose.yml the way Docker Compose does: YAML with merge keys (<<), then variable
// interpolation of every string value from an env file (here deploy/.env.example).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeHealthcheck {
  test?: string | string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
}

export interface ComposeVolumeMount {
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  target: string;
  read_only?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  /** Services in a profile (e.g. the operator `cli`) are not started by `docker compose up`. */
  profiles?: string[];
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | ComposeVolumeMount)[];
  ports?: (string | number | { target: number | string; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition: string; required?: boolean }>;
  healthcheck?: ComposeHealthcheck;
  container_name?: string;
  restart?: string;
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

/** KEY=VALUE lines; `#` comments and blank lines skipped; surrounding quotes removed (as Compose does). */
export function readEnvFile(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 1) throw new Error(`${file}: not KEY=VALUE: ${trimmed.slice(0, 40)}`);
    const value = trimmed.slice(eq + 1).trim();
    vars[trimmed.slice(0, eq).trim()] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return vars;
}

/**
 * Compose variable interpolation: `$$` is a literal `$`; `${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`. A failing `?` throws with the message, as
 * `docker compose` stops with it.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  const pattern = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;
  return text.replace(pattern, (_match, dollar: string, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const unsetOrEmpty = value === undefined || value === '';
    const unset = value === undefined;
    const nested = (s: string | undefined) => interpolate(s ?? '', vars);
    switch (op) {
      case ':-':
        return unsetOrEmpty ? nested(arg) : value!;
      case '-':
        return unset ? nested(arg) : value!;
      case ':?':
        if (unsetOrEmpty) throw new Error(`required variable ${name} is missing a value: ${nested(arg)}`);
        return value!;
      case '?':
        if (unset) throw new Error(`required variable ${name} is missing a value: ${nested(arg)}`);
        return value!;
      case ':+':
        return unsetOrEmpty ? '' : nested(arg);
      case '+':
        return unset ? '' : nested(arg);
      default:
        return value ?? '';
    }
  });
}

function interpolateDeep(node: unknown, vars: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, vars));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, vars)]));
  }
  return node;
}

/** The parsed file (merge keys applied), before and after interpolation. */
export function loadComposeFile(file: string, vars: Record<string, string | undefined>): { raw: ComposeFile; resolved: ComposeFile } {
  const raw = parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
  return { raw, resolved: interpolateDeep(raw, vars) as ComposeFile };
}

/** `environment` as a map, whichever form the file uses (map or KEY=VALUE list). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)]));
}

/** `depends_on` as name -> condition (the short list form means `service_started`). */
export function dependenciesOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d.condition]));
}

/** Long-form mounts only: the short `src:dst:ro` form is parsed into the same shape. */
export function mountsOf(service: ComposeService): ComposeVolumeMount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return v;
    const [source, target, mode] = v.split(':');
    const type = source!.startsWith('.') || source!.startsWith('/') ? 'bind' : 'volume';
    return { type, source: source!, target: target!, read_only: mode === 'ro' };
  });
}

/** Container ports a service publishes, with the host side as written (a port, a range or nothing). */
export function publishedPortsOf(service: ComposeService): { container: number; host?: string }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'number') return { container: p };
    if (typeof p === 'object') return { container: Number(p.target), ...(p.published !== undefined ? { host: String(p.published) } : {}) };
    const parts = p.split('/')[0]!.split(':');
    const container = Number(parts.at(-1));
    return parts.length > 1 ? { container, host: parts.at(-2)! } : { container };
  });
}

/** The command line of a service as an argv array (a string command is split on spaces, as Compose does). */
export function argvOf(command: string | string[] | undefined): string[] {
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter((s) => s !== '');
}
