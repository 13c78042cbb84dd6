/**
 * Errors the local engine reports to its user as one line.
 *
 * InputError: something the user gave (a folder, a bound, the state of their disk) is not what
 * the engine needs. The message names the path and what to do; the CLI prints it alone and
 * exits 2, as it does for a bad flag.
 */
export class InputError extends Error {
  /** The process exit code the CLI uses for it (user input). */
  readonly exitCode = 2;
}

/** What an errno code means for a user, in words (the system's own message when not listed). */
export function describeIoError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'ENOENT':
      return 'does not exist';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EIO':
      return 'input/output error of the device';
    case 'ENAMETOOLONG':
      return 'path too long';
    default:
      return (e?.message ?? String(err)).split('\n')[0];
  }
}

/** True for a Node file-system error (it carries an errno code). */
export function isIoError(err: unknown): err is NodeJS.ErrnoException {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && typeof (err as NodeJS.ErrnoException)?.syscall === 'string';
}

/**
 * An InputError for a failed file-system operation: "<what> '<path>': <why>; <todo>".
 * The path is the one the system names when it names one (the exact file that failed).
 */
export function ioInputError(what: string, fallbackPath: string, err: unknown, todo: string): InputError {
  const failedPath = (err as NodeJS.ErrnoException)?.path ?? fallbackPath;
  return new InputError(`${what} '${failedPath}': ${describeIoError(err)}; ${todo}`);
}
