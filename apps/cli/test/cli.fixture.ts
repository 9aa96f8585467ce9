// Shared by the CLI specs: an in-memory CliIo, the WSO2 vectors (../shared beside the repository, in CI
// too) and temporary folders.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../src/cli-io.js';
import { runCli } from '../src/cli.program.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const VECTORS_DIR = path.resolve(REPO_ROOT, '../shared/vectors/wso2');
export const VECTOR_PASSWORD = 'wso2carbon';
export const VECTOR_ALIAS = 'wso2carbon';

export interface Wso2Vector {
  id: string;
  format: 'wso2-rsa-self-contained' | 'wso2-aes-gcm-self-contained' | 'wso2-rsa-legacy-raw';
  transformation: string;
  plaintext: string;
  stored: string;
  symmetricKey?: string;
}

export function readVectors(): { certificateThumbprintSha1: string; vectors: Wso2Vector[] } {
  return JSON.parse(readFileSync(path.join(VECTORS_DIR, 'vectors.json'), 'utf8'));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** With `terminal`: the prompts a command showed on the (fake) terminal, in order. */
  prompts?: string[];
}

export interface RunOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  isTTY?: boolean;
  /** Answers typed at the terminal's secret prompts, in order; without it there is no terminal. */
  terminal?: string[];
}

/** Runs one command line in-process with captured output. The env is empty unless given: no DEPLOYMENT_CONFIG leaks in. */
export async function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  let stdinReads = 0;
  const io: CliIo = {
    stdin: async () => {
      stdinReads += 1;
      if (stdinReads > 1) throw new Error('stdin read twice');
      return Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin ?? '', 'utf8');
    },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    cwd: options.cwd ?? REPO_ROOT,
  };
  const prompts: string[] = [];
  if (options.terminal) {
    const answers = [...options.terminal];
    io.promptSecret = async (prompt) => {
      prompts.push(prompt);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected prompt: ${prompt}`);
      return answer;
    };
  }
  const code = await runCli(argv, io);
  return { code, stdout, stderr, ...(options.terminal ? { prompts } : {}) };
}

const folders: string[] = [];

/** A fresh folder under the OS temp dir, removed by {@link removeTempFolders}. */
export function tempFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'cli-spec-'));
  folders.push(folder);
  return folder;
}

export function removeTempFolders(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** The flags that open the vectors' keystore. */
export function vectorKeystoreFlags(type: 'PKCS12' | 'JKS'): string[] {
  const file = path.join(VECTORS_DIR, type === 'JKS' ? 'primary.jks' : 'primary.p12');
  return ['--keystore', file, '--store-password', VECTOR_PASSWORD, '--alias', VECTOR_ALIAS];
}
