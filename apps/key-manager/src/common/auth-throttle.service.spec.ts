import { jest } from '@jest/globals';
import type { DeploymentConfig } from '@app/config';
import type { AuthFailuresRepository, FailureCounter, FailureKeys } from '../persistence/auth-failures.repository.js';
import { AuthThrottle, keysOf } from './auth-throttle.service.js';
import { AuthThrottledError } from './key-manager.errors.js';
import type { KeyManagerMetrics } from './key-manager.metrics.js';

const throttleSettings = { enabled: true, windowSec: 900, accountAddressMaxFailures: 5, accountMaxFailures: 20, addressMaxAccounts: 10, lockSec: 30, maxLockSec: 900 };

function counter() {
  const values: Array<Record<string, string>> = [];
  return { values, inc: (labels: Record<string, string>) => values.push(labels) };
}

/** The throttle's logic over a stand-in for its table (the SQL itself is tested against PostgreSQL in test/auth-throttle.spec.ts). */
function throttleWith(counters: Record<string, FailureCounter>, enabled = true) {
  const recorded: FailureKeys[] = [];
  const forgotten: string[] = [];
  const repository = {
    useWindow: () => undefined,
    load: async (keys: readonly string[]) => new Map(keys.filter((k) => counters[k]).map((k) => [k, counters[k]!])),
    recordFailure: async (keys: FailureKeys) => {
      recorded.push(keys);
      return [];
    },
    forget: async (key: string) => {
      forgotten.push(key);
    },
  } as unknown as AuthFailuresRepository;
  const metrics = { authFailures: counter(), authThrottled: counter(), authLocks: counter() };
  const config = { oauth: { throttle: { ...throttleSettings, enabled } } } as unknown as DeploymentConfig;
  const throttle = new AuthThrottle(config, repository, metrics as unknown as KeyManagerMetrics);
  return { throttle, recorded, forgotten, metrics };
}

describe('keysOf', () => {
  test('an account, the account at the address, and the address', () => {
    expect(keysOf({ kind: 'user', account: 'Alice', address: '10.0.0.7' })).toEqual({ account: 'user:alice', pair: 'user:alice|ip:10.0.0.7', address: 'ip:10.0.0.7' });
    expect(keysOf({ kind: 'client', account: 'AbC', address: '::1' })).toEqual({ account: 'client:AbC', pair: 'client:AbC|ip:::1', address: 'ip:::1' });
  });

  test('no address: the account only', () => {
    expect(keysOf({ kind: 'user', account: 'alice', address: undefined })).toEqual({ account: 'user:alice', pair: null, address: null });
  });

  test('control characters, separators, spaces and long values are hashed, so keys stay short and unambiguous', () => {
    const nul = keysOf({ kind: 'user', account: 'a\u0000b', address: '1.2.3.4' });
    expect(nul.account).toMatch(/^user:sha256:[0-9a-f]{64}$/);
    expect(keysOf({ kind: 'user', account: 'a|ip:1.2.3.4', address: '5.6.7.8' }).account).toMatch(/^user:sha256:/);
    expect(keysOf({ kind: 'client', account: 'x'.repeat(201), address: undefined }).account).toMatch(/^client:sha256:/);
    expect(keysOf({ kind: 'user', account: 'a b', address: undefined }).account).toMatch(/^user:sha256:/);
  });
});

describe('AuthThrottle', () => {
  test('a locked counter refuses with the longest wait, without checking the credentials', async () => {
    const { throttle, metrics } = throttleWith({
      'user:alice': { failures: 20, retryAfterSec: 12 },
      'user:alice|ip:1.1.1.1': { failures: 9, retryAfterSec: 70 },
    });
    const check = jest.fn(async () => ({ username: 'alice' }));
    const error = await throttle.verify({ kind: 'user', account: 'alice', address: '1.1.1.1' }, check).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthThrottledError);
    expect((error as AuthThrottledError).retryAfterSec).toBe(70);
    expect((error as AuthThrottledError).credential).toBe('user');
    expect(check).not.toHaveBeenCalled();
    expect(metrics.authThrottled.values).toEqual([{ credential: 'user', limit: 'account_address' }]);
  });

  test('alongside: the check runs with the look-up, and a right answer is thrown away when locked', async () => {
    const { throttle } = throttleWith({ 'ip:1.1.1.1': { failures: 10, retryAfterSec: 30 } });
    const check = jest.fn(async () => ({ clientId: 'c' }));
    await expect(throttle.verify({ kind: 'client', account: 'c', address: '1.1.1.1' }, check, { alongside: true })).rejects.toBeInstanceOf(AuthThrottledError);
    expect(check).toHaveBeenCalled();
  });

  test('counters that are not locked let the attempt through; a failure is recorded on all three keys', async () => {
    const { throttle, recorded, metrics } = throttleWith({ 'user:bob|ip:1.1.1.1': { failures: 4, retryAfterSec: 0 } });
    expect(await throttle.verify({ kind: 'user', account: 'Bob', address: '1.1.1.1' }, async () => undefined)).toBeUndefined();
    expect(recorded).toEqual([{ account: 'user:bob', pair: 'user:bob|ip:1.1.1.1', address: 'ip:1.1.1.1' }]);
    expect(metrics.authFailures.values).toEqual([{ credential: 'user' }]);
  });

  test('a success forgets the account-at-address counter, and only when it holds failures', async () => {
    const withFailures = throttleWith({ 'user:bob|ip:1.1.1.1': { failures: 3, retryAfterSec: 0 }, 'user:bob': { failures: 3, retryAfterSec: 0 } });
    expect(await withFailures.throttle.verify({ kind: 'user', account: 'bob', address: '1.1.1.1' }, async () => 'ok')).toBe('ok');
    expect(withFailures.forgotten).toEqual(['user:bob|ip:1.1.1.1']);
    const clean = throttleWith({});
    await clean.throttle.verify({ kind: 'user', account: 'bob', address: '1.1.1.1' }, async () => 'ok');
    expect(clean.forgotten).toEqual([]);
    expect(clean.recorded).toEqual([]);
  });

  test('switched off: the check alone decides, nothing is read or written', async () => {
    const { throttle, recorded } = throttleWith({ 'user:bob': { failures: 99, retryAfterSec: 500 } }, false);
    expect(await throttle.verify({ kind: 'user', account: 'bob', address: '1.1.1.1' }, async () => 'ok')).toBe('ok');
    expect(await throttle.verify({ kind: 'user', account: 'bob', address: '1.1.1.1' }, async () => undefined)).toBeUndefined();
    expect(recorded).toEqual([]);
  });
});
