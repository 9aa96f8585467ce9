import type { CliIo } from '../../apps/cli/src/cli-io.js';
import { runCli } from '../../apps/cli/src/cli.program.js';
import { REPO_ROOT } from './test-keystore.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one CLI command line in-process, exactly as `npm run --silent cli -- …` would parse it, with the
 * given environment (e.g. `DEPLOYMENT_CONFIG`) and captured output. Nothing leaks in from the test's shell.
 */
export async function runCliForTest(argv: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: async () => Buffer.from(stdin, 'utf8'),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env,
    isTTY: false,
    cwd: REPO_ROOT,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
