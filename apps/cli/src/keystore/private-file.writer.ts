import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../cli.error.js';

/** Whether anything (file, folder, link) exists at `file`. */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fileError('cannot check', file, error);
  }
}

/**
 * Writes key material readable by its owner only (0600), creating missing parent folders (0700).
 * Without `replace` the file is created exclusively, so a file that appeared since the caller checked is
 * not overwritten either. With `replace` the bytes go to a new file that is then renamed over the old one:
 * the result always has mode 0600 (a plain overwrite would keep the old file's mode), and a failure midway
 * leaves the old file intact.
 */
export async function writePrivateFile(file: string, bytes: Buffer, options: { replace: boolean }): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fileError('cannot create the folder of', file, error);
  }
  if (!options.replace) {
    try {
      await writeFile(file, bytes, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(file);
      throw fileError('cannot write', file, error);
    }
    return;
  }
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, bytes, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw fileError('cannot write', file, error);
  }
}

export function alreadyExists(file: string): CliError {
  return new CliError(`${file} already exists; pass --force to replace it`);
}

function fileError(what: string, file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a parent is not a folder',
    ENOSPC: 'no space left on the device',
    EROFS: 'read-only file system',
  };
  return new CliError(`${what} ${file}: ${reasons[code] ?? code}`);
}
