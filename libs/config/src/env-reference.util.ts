/** The result of replacing `$env{NAME}` references in one string. Names variables, never their values. */
export interface EnvSubstitution {
  value: string;
  /** Every variable referenced, in order of appearance. */
  variables: string[];
  /** Referenced but not set: the value is unusable. */
  unset: string[];
  /** Referenced and set to the empty string. */
  empty: string[];
  /** Set when the string holds a reference that cannot be resolved, with the reason. */
  malformed?: string;
}

const REFERENCE = /\$env\{([^}]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces every `$env{NAME}` in `input` with `env[NAME]` (WSO2's syntax; the reference may sit anywhere
 * inside the string). There is no escape: a literal `$env{` cannot be written, as in WSO2.
 */
export function substituteEnv(input: string, env: NodeJS.ProcessEnv): EnvSubstitution {
  const variables: string[] = [];
  const unset: string[] = [];
  const empty: string[] = [];
  let malformed: string | undefined;
  const value = input.replace(REFERENCE, (reference, name: string) => {
    if (!VARIABLE_NAME.test(name)) {
      // Don't echo the text between the braces: someone may have pasted the secret itself there.
      malformed ??= 'contains a $env{} reference whose variable name is not valid';
      return reference;
    }
    variables.push(name);
    const resolved = env[name];
    if (resolved === undefined) {
      unset.push(name);
      return '';
    }
    if (resolved === '') empty.push(name);
    return resolved;
  });
  if (!malformed && /\$env\{/.test(input.replace(REFERENCE, ''))) malformed = 'contains a $env{ reference without its closing }';
  if (!malformed && /\$sys\{/.test(input)) malformed = 'uses $sys{}, which is not supported (WSO2 system properties do not exist here)';
  return { value, variables, unset, empty, ...(malformed ? { malformed } : {}) };
}

/** The result of replacing `$file{PATH}` references in one string. Names files, never their contents. */
export interface FileSubstitution {
  value: string;
  /** Files referenced but not readable, with the reason (e.g. `ENOENT`). */
  unreadable: Array<{ path: string; reason: string }>;
}

const FILE_REFERENCE = /\$file\{([^}]*)\}/g;

/**
 * Replaces every `$file{PATH}` in `input` with the content of that file, without its trailing newline
 * (PATH relative to the TOML file's folder). For secrets kept in files — Docker secrets, or a key file in
 * the keystore volume — which, unlike environment variables, a running service can re-read when
 * `cli encryption rollout` makes it reload its configuration.
 */
export function substituteFiles(input: string, read: (path: string) => string): FileSubstitution {
  const unreadable: FileSubstitution['unreadable'] = [];
  const value = input.replace(FILE_REFERENCE, (_reference, path: string) => {
    try {
      return read(path).replace(/\r?\n$/, '');
    } catch (e) {
      unreadable.push({ path, reason: (e as NodeJS.ErrnoException).code ?? 'unreadable' });
      return '';
    }
  });
  return { value, unreadable };
}
