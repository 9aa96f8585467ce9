import { jest } from '@jest/globals';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { closeIfCreationFails, closingOnFailedCreation } from './failed-start.js';

describe('closingOnFailedCreation', () => {
  afterEach(() => jest.restoreAllMocks());

  // (Jest's own environment keeps async hooks on, so what a service process gains is not visible here:
  // the storage being switched off is.)
  it('switches its async context off after a successful creation (left on, it taxes every promise of the process)', async () => {
    const disable = jest.spyOn(AsyncLocalStorage.prototype, 'disable');
    const created = await closingOnFailedCreation(async () => {
      await tick();
      return 'app';
    });
    expect(created).toBe('app');
    expect(disable).toHaveBeenCalledTimes(1);
  });

  it('leaves it on while another creation is under way', async () => {
    const disable = jest.spyOn(AsyncLocalStorage.prototype, 'disable');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = closingOnFailedCreation(async () => {
      await gate;
      return 'slow';
    });
    await closingOnFailedCreation(async () => 'fast');
    expect(disable).not.toHaveBeenCalled();
    release();
    await slow;
    expect(disable).toHaveBeenCalledTimes(1);
  });

  it('keeps two creations under way apart, and the second still finds its own after the first succeeded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const closed: string[] = [];
    const second = closingOnFailedCreation(async () => {
      await gate;
      closeIfCreationFails(async () => closed.push('second'));
      throw new Error('keystore password wrong');
    });
    await closingOnFailedCreation(async () => {
      closeIfCreationFails(async () => closed.push('first'));
      return 'app';
    });
    release();
    await expect(second).rejects.toThrow('keystore password wrong');
    expect(closed).toEqual(['second']);
  });

  it('closes what a factory opens after its creation failed', async () => {
    const closed: string[] = [];
    let late!: () => void;
    const lateFactory = new Promise<void>((resolve) => (late = resolve));
    await expect(
      closingOnFailedCreation(async () => {
        void lateFactory.then(() => closeIfCreationFails(async () => closed.push('late')));
        throw new Error('database does not exist');
      }),
    ).rejects.toThrow('database does not exist');
    // Another application is created (and succeeds) meanwhile.
    await closingOnFailedCreation(async () => 'other');
    late();
    await tick();
    await tick();
    expect(closed).toEqual(['late']);
  });
});
