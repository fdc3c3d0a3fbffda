import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomic } from './atomic.js';
import { makeDir } from './dirs.js';
import { describeFsError, FileSystemError, inWords } from './errors.js';

describe('file-system errors in words', () => {
  it('names the action, the file and the reason', () => {
    expect(describeFsError({ code: 'EROFS', syscall: 'open', path: '/mnt/ro/data/x.npy' })).toBe('cannot open /mnt/ro/data/x.npy: the file system is read-only (EROFS)');
    // A write on an open handle carries no path: the caller's file is named.
    expect(describeFsError({ code: 'ENOSPC', syscall: 'write' }, '/data/snapshots.npy')).toBe('cannot write /data/snapshots.npy: no space left on the device (ENOSPC)');
    expect(describeFsError({ code: 'EXDEV', syscall: 'rename', path: '/a', dest: '/b' })).toBe('cannot move /a to /b: it cannot be moved across file systems (EXDEV)');
  });

  it('keeps the code and the cause, leaves other errors alone, and is idempotent', () => {
    const raw = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES', syscall: 'open', path: '/x' });
    const words = inWords(raw) as FileSystemError;
    expect(words).toBeInstanceOf(FileSystemError);
    expect(words.message).toBe('cannot open /x: permission denied (EACCES)');
    expect(words.code).toBe('EACCES');
    expect(words.cause).toBe(raw);
    expect(inWords(words)).toBe(words);
    const other = new RangeError('not a file-system error');
    expect(inWords(other)).toBe(other);
  });
});

describe('makeDir', () => {
  it('creates missing parents, and accepts a folder that exists', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mirage-dirs-'));
    await makeDir(join(root, 'a', 'b', 'c'));
    expect(existsSync(join(root, 'a', 'b', 'c'))).toBe(true);
    await makeDir(join(root, 'a', 'b', 'c'));
  });

  it('refuses a path through a file, naming it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mirage-dirs-'));
    writeFileSync(join(root, 'file'), 'x');
    await expect(makeDir(join(root, 'file', 'sub'))).rejects.toThrow(`cannot create the folder ${join(root, 'file', 'sub')}: ${join(root, 'file')} is a file, not a folder`);
  });

  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('fails at once in /proc, where recursive mkdir loops forever', async () => {
    await expect(makeDir('/proc/mirage-x/y')).rejects.toThrow('cannot create the folder /proc/mirage-x: the file system at /proc does not allow new folders (ENOENT)');
  });
});

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves no temp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-atomic-'));
    await writeFileAtomic(join(dir, 'a.json'), '{"a":1}');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('reports a failure in words naming the target (not its temp), and removes the temp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-atomic-'));
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'x'), 'x');
    await expect(writeFileAtomic(join(dir, 'taken'), 'data')).rejects.toThrow(new RegExp(`^cannot write ${join(dir, 'taken')}: (it is a folder, not a file \\(EISDIR\\)|the folder is not empty \\(ENOTEMPTY\\)|it already exists \\(EEXIST\\))$`));
    await expect(writeFileAtomic(join(dir, 'missing', 'a.json'), 'data')).rejects.toThrow(`cannot write ${join(dir, 'missing', 'a.json')}: no such file or folder (ENOENT)`);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('removeStaleTemps removes the temps of dead writers only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-atomic-'));
    writeFileSync(join(dir, 'data.npy'), 'x');
    writeFileSync(join(dir, '.data.npy.0-0-3.tmp'), 'left by a killed process');
    writeFileSync(join(dir, `.data.npy.${process.pid}-0-4.tmp`), 'being written by us');
    writeFileSync(join(dir, '.hidden.tmp'), 'not ours: kept');
    expect(await removeStaleTemps(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([`.data.npy.${process.pid}-0-4.tmp`, '.hidden.tmp', 'data.npy']);
  });
});
