import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPkcs12Keystore } from '@app/crypto';

export interface TestKeystore {
  file: string;
  type: 'PKCS12';
  password: string;
  alias: string;
}

/**
 * A fresh PKCS#12 primary keystore written to `dir` (generated at test time: no private key is ever
 * committed). Takes a fraction of a second (RSA 2048 key generation): create one per test file.
 */
export async function createTestKeystore(dir: string, name = 'primary.p12'): Promise<TestKeystore> {
  const password = 'test-keystore-password';
  const alias = 'wso2carbon';
  const file = join(dir, name);
  await writeFile(file, await createPkcs12Keystore({ alias, password, dname: 'CN=localhost, O=Test, C=US' }), { mode: 0o600 });
  return { file, type: 'PKCS12', password, alias };
}

/** The repository root (this file is test/support/test-keystore.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The WSO2 test-vector keystore shared beside the repository (`../shared/vectors/wso2/primary.p12`). */
export const WSO2_VECTOR_KEYSTORE: TestKeystore = {
  file: resolve(REPO_ROOT, '../shared/vectors/wso2/primary.p12'),
  type: 'PKCS12',
  password: 'wso2carbon',
  alias: 'wso2carbon',
};
