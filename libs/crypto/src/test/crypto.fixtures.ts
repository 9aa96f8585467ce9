// Shared fixtures for the crypto specs. Nothing secret is committed: the WSO2 vectors live in ../shared (read-only,
// beside the repository in CI too) and every other keystore is generated at test time into a temporary directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPkcs12Keystore, loadKeystore, type KeystoreKey, type KeystoreOptions } from '../index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The WSO2 vectors directory: `../shared/vectors/wso2` relative to the repository root. */
export const VECTORS_DIR = path.resolve(repoRoot, '../shared/vectors/wso2');

export interface Wso2Vector {
  id: string;
  format: 'wso2-rsa-self-contained' | 'wso2-aes-gcm-self-contained' | 'wso2-rsa-legacy-raw';
  transformation: string;
  plaintext: string;
  stored: string;
  symmetricKey?: string;
  withKeyId?: boolean;
}

export function readVectors(): { certificateThumbprintSha1: string; vectors: Wso2Vector[] } {
  return JSON.parse(readFileSync(path.join(VECTORS_DIR, 'vectors.json'), 'utf8'));
}

/** The vectors' keystores: same key and certificate, two formats. */
export const PRIMARY: Record<'PKCS12' | 'JKS', KeystoreOptions> = {
  PKCS12: { file: path.join(VECTORS_DIR, 'primary.p12'), type: 'PKCS12', password: 'wso2carbon', alias: 'wso2carbon' },
  JKS: { file: path.join(VECTORS_DIR, 'primary.jks'), type: 'JKS', password: 'wso2carbon', alias: 'wso2carbon' },
};

/** A temporary directory removed by the returned cleanup. */
export function temporaryDirectory(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'crypto-spec-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A second, unrelated RSA keystore made now (its key is in no vector). */
export async function generatedKeystore(dir: string, name = 'other', password = 'other-store-pw'): Promise<KeystoreKey> {
  const file = path.join(dir, `${name}.p12`);
  writeFileSync(file, await createPkcs12Keystore({ alias: name, password, dname: `CN=${name}, O=Test` }));
  return loadKeystore({ file, type: 'PKCS12', password, alias: name });
}

/** Whether a command-line tool can be run here (keytool and openssl are optional in CI images). */
export function hasTool(command: string, probe: string[]): boolean {
  const result = spawnSync(command, probe, { stdio: 'ignore' });
  return !result.error;
}

/** Runs a tool, failing the test with its output when it fails. */
export function runTool(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout;
}
