// One Key Manager and Developer Portal on a private NATS and the local PostgreSQL, for a file of the WSO2
// compatibility suite; with users signed up through the portal (WSO2's tests run as admin, subscriber, …).
import { devportalApi, signUpAndLogIn, startStackForTest, type StackUnderTest } from '../../../../test/support/devportal.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../../../../test/support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../../test/support/test-config.js';
import { createTestKeystore } from '../../../../test/support/test-keystore.js';
import { wso2StoreClient, type Wso2StoreClient } from './wso2-store-client.js';

/** The password a compatibility-suite user signs up with (WSO2's tests log in as `user.getPassword()`). */
export function passwordOf(username: string): string {
  return `${username} has a long password 1`;
}

export interface CompatStack {
  stack: StackUnderTest;
  km: KeyManagerOAuth;
  /** The portal API as the generated client of a signed-in user calls it. */
  clientFor(username: string): Promise<Wso2StoreClient>;
  stop(): Promise<void>;
}

/** `toml`: deployment.toml tables beyond the test defaults (e.g. `[oauth.multiple_client_secrets]`). */
export async function startCompatStack(prefix: string, toml?: Parameters<typeof startStackForTest>[0]['toml']): Promise<CompatStack> {
  const tmp: TestConfigDir = await makeTempDir(`wso2-compat-${prefix}-`);
  const nats: PrivateNats = await startPrivateNats();
  let stack: StackUnderTest;
  try {
    const keystore = await createTestKeystore(tmp.dir);
    stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, ...(toml ? { toml } : {}) });
  } catch (error) {
    await nats.stop();
    await tmp.remove();
    throw error;
  }
  const km = await keyManagerOAuth(stack.keyManager.baseUrl);
  const tokens = new Map<string, string>();
  return {
    stack,
    km,
    async clientFor(username) {
      let token = tokens.get(username);
      if (!token) {
        token = await signUpAndLogIn(stack.devportal.apiUrl, username, passwordOf(username));
        tokens.set(username, token);
      }
      return wso2StoreClient(stack.devportal.apiUrl, token);
    },
    async stop() {
      await stack.stop();
      await nats.stop();
      await tmp.remove();
    },
  };
}

export { devportalApi };
