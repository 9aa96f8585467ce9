// README's Quick start is a promise: exactly two command lines, and CI runs the second one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { REPO_ROOT } from './support/test-keystore.js';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const ci = readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8');

function quickStart(): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start'));
  const block = section && /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no Quick start code block');
  return block[1]!.split('\n').filter((line) => line.trim() !== '');
}

test('the Quick start has exactly two command lines: install-and-start, install-and-test', () => {
  const lines = quickStart();
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^npm ci && npm start$/);
  expect(lines[1]).toMatch(/^npm ci && npm test$/);
});

test('.ci/run runs the README test command', () => {
  const commands = ci.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  expect(commands).toContain(quickStart()[1]);
});

// README names the supported Node.js versions; package.json's `engines` says the same, and every dependency
// in the lockfile must accept the lowest release of each supported line (Node.js 20 excepted for the
// packages README names, which declare 22 or later and are only warned about).
test("engines: every dependency accepts the lowest supported release of Node.js 22 and 24, and Node.js 20 only misses the packages README names", () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
  const refusing = (version: string) =>
    Object.entries(lock.packages)
      .filter(([, p]) => typeof p.engines?.node === 'string' && !semver.satisfies(version, p.engines.node))
      .map(([name]) => name.replace(/^.*node_modules\//, ''))
      .sort();
  for (const version of ['20.19.0', '22.13.0', '24.11.0']) expect(semver.satisfies(version, pkg.engines.node)).toBe(true);
  for (const version of ['22.12.0', '24.10.0']) expect(semver.satisfies(version, pkg.engines.node)).toBe(false);
  expect(refusing('22.13.0')).toEqual([]);
  expect(refusing('24.11.0')).toEqual([]);
  const onTwenty = refusing('20.19.0');
  expect(onTwenty).toEqual(['@kubernetes-models/apimachinery', '@kubernetes-models/base', '@kubernetes-models/validate', '@nats-io/nuid', 'cookie', 'file-type', 'kubernetes-models']);
  for (const name of onTwenty) expect(readme).toContain(`\`${name}\``);
});
