import { readFile, rm, writeFile } from 'node:fs/promises';
import { LauncherError } from './launcher.error.js';
import { readLauncherState } from './launcher-state.store.js';

export interface LauncherLock {
  /** Removes the lock if it is still this process's. */
  release(): Promise<void>;
}

/** Whether process `pid` exists (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `.dev/launcher.lock` for this process. One `.dev/` belongs to one running launcher: its database,
 * its run values and its launcher.json. A second launcher started in the same folder stops here, before it
 * starts a database or writes a file, and says which process holds the folder. A lock left by a launcher
 * that died (kill -9, power cut) is taken over.
 *
 * @throws {@link LauncherError} `ALREADY_RUNNING`.
 */
export async function acquireLauncherLock(lockFile: string, stateFile: string): Promise<LauncherLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return {
        release: async () => {
          const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
          if (holder === process.pid) await rm(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
      const state = await readLauncherState(stateFile).catch(() => undefined);
      const serving = state?.pid === holder ? `, serving ${state.keyManager.url} and ${state.devportal.url}` : ' (still starting)';
      throw new LauncherError(
        'ALREADY_RUNNING',
        `npm start is already running from this folder (pid ${holder}${serving}); stop it first (Ctrl-C in its terminal), ` +
          'or start a second system from another clone (its own .dev/, with PORT set to free ports).',
      );
    }
    await rm(lockFile, { force: true });
  }
  throw new LauncherError('ALREADY_RUNNING', `cannot take ${lockFile}: another launcher keeps creating it`);
}
