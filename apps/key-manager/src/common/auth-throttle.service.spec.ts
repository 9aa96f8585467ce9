import type { DeploymentConfig } from '@app/config';
import { AuthThrottle } from './auth-throttle.service.js';
import { AuthThrottledError } from './key-manager.errors.js';

const config = { oauth: { throttle: { maxFailures: 3, windowSec: 60 } } } as DeploymentConfig;

describe('AuthThrottle', () => {
  test('refuses a key after max failures within the window, with the seconds left', () => {
    const throttle = new AuthThrottle(config);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(() => throttle.check(['client:a'], t0 + i)).not.toThrow();
      throttle.fail(['client:a', 'ip:1'], t0 + i);
    }
    let error: unknown;
    try {
      throttle.check(['client:a'], t0 + 10_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthThrottledError);
    expect((error as AuthThrottledError).retryAfterSec).toBe(50);
    expect(() => throttle.check(['ip:1'], t0 + 10_000)).toThrow(AuthThrottledError);
    expect(() => throttle.check(['client:b', 'ip:2'], t0 + 10_000)).not.toThrow();
  });

  test('the window ends: the key may try again', () => {
    const throttle = new AuthThrottle(config);
    for (let i = 0; i < 3; i++) throttle.fail(['client:a'], 0);
    expect(() => throttle.check(['client:a'], 59_999)).toThrow(AuthThrottledError);
    expect(() => throttle.check(['client:a'], 60_000)).not.toThrow();
  });

  test('fewer failures than the limit never throttle', () => {
    const throttle = new AuthThrottle(config);
    throttle.fail(['client:a'], 0);
    throttle.fail(['client:a'], 1);
    expect(() => throttle.check(['client:a'], 2)).not.toThrow();
  });
});
