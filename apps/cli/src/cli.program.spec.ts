import { run } from '../test/cli.fixture.js';

describe('cli help and usage', () => {
  it('lists the command groups with examples and the exit statuses', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: token-encryption /);
    expect(result.stdout).toMatch(/keystore +create and inspect keystores/);
    expect(result.stdout).toMatch(/crypto +encrypt and decrypt stored secrets/);
    expect(result.stdout).toContain('Exit status: 0 success, 1 operation failed, 2 usage error, 78 invalid configuration.');
  });

  it.each([
    ['keystore', 'create'],
    ['keystore', 'inspect'],
    ['crypto', 'encrypt'],
    ['crypto', 'decrypt'],
  ])('shows examples in the help of %s %s', async (group, command) => {
    const result = await run([group, command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(` token-encryption ${group} ${command} `);
  });

  it.each([
    [{}, 'token-encryption'],
    [{ npm_command: 'exec' }, 'npx token-encryption'],
    [{ npm_command: 'run-script', npm_lifecycle_event: 'cli' }, 'npm run --silent cli --'],
    [{ npm_command: 'exec', TOKEN_ENCRYPTION_CLI: 'docker compose run --rm cli' }, 'docker compose run --rm cli'],
  ])('names the command as it was run, so examples paste as written (%j)', async (env, name) => {
    const result = await run(['keystore', 'inspect', '--help'], { env });
    expect(result.stdout).toMatch(new RegExp(`^Usage: ${name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')} keystore inspect `));
    expect(result.stdout).toContain(`  $ ${name} keystore inspect --keystore `);
  });

  it('exits 2 with the help on stderr when no command is given', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: token-encryption /);
  });

  it('exits 2 for an unknown command, suggesting the close one', async () => {
    const result = await run(['keystore', 'inspekt']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: unknown command 'inspekt'");
    expect(result.stderr).toContain('(Did you mean inspect?)');
  });
});
