/**
 * The one place that turns a file-system error (an errno code from Node's fs)
 * into words that name the file and the reason: `cannot write
 * /mnt/ro/data/x.npy: the file system is read-only (EROFS)`. Commands and the
 * server report these instead of Node's `EROFS: read-only file system, open
 * '/mnt/...'` or a stack trace.
 */

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is too large for the file system',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this machine',
  EIO: 'input/output error (the disk or network file system failed)',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'it is busy (in use by the system or another program)',
  EXDEV: 'it cannot be moved across file systems',
  ETXTBSY: 'the file is being executed',
  ESTALE: 'stale network file handle (the file changed on the server)',
  EINVAL: 'the file system does not allow this here',
};

const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  close: 'write',
  fsync: 'write',
  mkdir: 'create the folder',
  rmdir: 'remove',
  unlink: 'remove',
  rm: 'remove',
  rename: 'move',
  link: 'link',
  symlink: 'link',
  copyfile: 'copy',
  cp: 'copy',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  statfs: 'read',
  access: 'access',
  realpath: 'find',
  readlink: 'read',
  utime: 'write',
  chmod: 'change',
  futime: 'write',
  ftruncate: 'write',
};

export interface FsErrorLike {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

export function isFsError(error: unknown): error is Error & FsErrorLike {
  const code: unknown = error instanceof Error ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code in REASONS;
}

/** The reason in words, with the code for searching: `the file system is read-only (EROFS)`. */
export function fsReason(code: string): string {
  return `${REASONS[code] ?? 'file system error'} (${code})`;
}

/**
 * One line for a file-system error: the action, the file (or `fallbackPath`
 * when the error carries none, as for a write on an open handle) and the reason.
 */
export function describeFsError(error: FsErrorLike, fallbackPath?: string): string {
  const verb = (error.syscall && VERBS[error.syscall]) ?? 'use';
  const path = error.path ?? fallbackPath;
  const target = path ? `${path}${error.dest ? ` to ${error.dest}` : ''}` : 'a file';
  return `cannot ${verb} ${target}: ${fsReason(error.code)}`;
}

/** An Error whose message is the words, keeping code (callers test it) and the original as its cause. */
export class FileSystemError extends Error {
  readonly code: string;
  readonly path: string | undefined;
  constructor(error: Error & FsErrorLike, fallbackPath?: string) {
    super(describeFsError(error, fallbackPath), { cause: error });
    this.name = 'FileSystemError';
    this.code = error.code;
    this.path = error.path ?? fallbackPath;
  }
}

/** The same error in words when it is a file-system one (idempotent), else unchanged. */
export function inWords(error: unknown, fallbackPath?: string): unknown {
  if (error instanceof FileSystemError || !isFsError(error)) return error;
  return new FileSystemError(error, fallbackPath);
}
