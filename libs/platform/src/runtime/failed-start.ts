import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the providers of one application opened while Nest was creating it (a NATS connection, a database
 * pool), to close if the creation fails.
 *
 * Nest creates the providers of all modules at once and gives up at the first factory that throws (a
 * keystore with a wrong password, a database that does not exist). No lifecycle hook runs then — there is
 * no application to close — and a factory still under way, or done already, keeps what it opened: a NATS
 * client that reconnects forever holds the process open. Once the application exists, `app.close()` is
 * the way (its shutdown hooks run even after a failed `init()`), and what was registered here is dropped.
 */
class OpenedAtCreation {
  private readonly closers: Array<() => Promise<unknown>> = [];
  private failed = false;

  add(close: () => Promise<unknown>): void {
    // A factory that finishes after the creation failed closes what it opened at once.
    if (this.failed) void close().catch(() => undefined);
    else this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    this.failed = true;
    await Promise.all(this.closers.splice(0).map((close) => close().catch(() => undefined)));
  }

  release(): void {
    this.closers.length = 0;
  }
}

const creation = new AsyncLocalStorage<OpenedAtCreation>();
/** Creations under way; the storage is disabled when none is (see {@link closingOnFailedCreation}). */
let creating = 0;
/** Set by a failed creation: its factories may still be running and must find it, so the storage stays on. */
let failedOnce = false;

/**
 * Runs `create` (Nest's `NestFactory.create`); when it rejects, closes everything a provider registered
 * with {@link closeIfCreationFails} — also what a factory opens after the rejection — then rejects with
 * the same error.
 */
export async function closingOnFailedCreation<T>(create: () => Promise<T>): Promise<T> {
  const opened = new OpenedAtCreation();
  creating++;
  try {
    const created = await creation.run(opened, create);
    opened.release();
    // On Node 20 a used AsyncLocalStorage keeps async hooks on every promise of the process for good (3 % of
    // each service's CPU under load, in both the portal and the Key Manager): once no creation is under way
    // and this one succeeded (every factory has finished), it is switched off; the next creation's run()
    // switches it on again. After a failure it stays on: a factory still running must find its creation.
    if (--creating === 0 && !failedOnce) creation.disable();
    return created;
  } catch (error) {
    creating--;
    failedOnce = true;
    await opened.closeAll();
    throw error;
  }
}

/**
 * Called by a provider factory that opened something its lifecycle hooks close: should the application's
 * creation fail, `close` runs instead (they never will). Outside {@link closingOnFailedCreation}, nothing.
 */
export function closeIfCreationFails(close: () => Promise<unknown>): void {
  creation.getStore()?.add(close);
}
