// README's Quick start is a promise: exactly two command lines, and CI runs the second one.
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
