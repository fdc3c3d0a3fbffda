import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorLine, terminalSafe } from './args.js';
import { mirage } from './testing.js';

/**
 * What the CLI prints when it fails (issue 14): one line naming the file or
 * flag and the reason, in words, terminal-safe; never a stack trace, a hang,
 * or a write into the working folder.
 */

const TRACE = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('CLI errors', () => {
  it('writes control characters and escape sequences from files as visible escapes', () => {
    expect(terminalSafe('job \u001b[2J\u001b]0;pwned\u0007 name\r\u009b31m \u202eevil')).toBe('job \\x1b[2J\\x1b]0;pwned\\x07 name\\x0d\\x9b31m \\u202eevil');
    expect(terminalSafe('line one\n\tline two')).toBe('line one\n\tline two');
    const error = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'write', path: '/data/x\u001b[31m.npy' });
    expect(errorLine('dataset generate', error)).toBe('mirage dataset generate: cannot write /data/x\\x1b[31m.npy: no space left on the device (ENOSPC)\n');
  });

  it('a trace named with an escape sequence is reported with it escaped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-errors-'));
    const out = await mirage('trace', 'info', join(dir, 'jobs\u001b[31mred.log'));
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('jobs\\x1b[31mred.log');
    expect(out.stderr).not.toContain('\u001b');
    noStack(out.stderr);
  });

  it('refuses an empty --out instead of writing into the working folder', async () => {
    await expect(mirage('run', '--preset', 'quick', '--out', '')).rejects.toThrow(/option '--out <dir>' argument '' is invalid\. a path \(it is empty\)/);
    await expect(mirage('train', '--data', TRACE, '--out', '  ')).rejects.toThrow(/a path \(it is empty\)/);
    expect(existsSync('.partial')).toBe(false);
  });

  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('--out under /proc fails at once, in words', async () => {
    const out = await mirage('run', '--preset', 'quick', '--out', '/proc/mirage-x');
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toBe('mirage run: cannot create the folder /proc/mirage-x: the file system at /proc does not allow new folders (ENOENT)\n');
  });

  it('trace convert into a folder says so, naming it; and clears temps a killed convert left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mirage-errors-'));
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'keep'), 'x');
    const out = await mirage('trace', 'convert', TRACE, '--to', 'swf', '--out', folder);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^mirage trace: cannot write ${folder}: (it is a folder, not a file \\(EISDIR\\)|the folder is not empty \\(ENOTEMPTY\\))\n$`));
    expect(readdirSync(dir)).toEqual(['folder']);

    // A convert killed with -9 left its hidden temp beside the output (pid 0: no live process).
    writeFileSync(join(dir, '.ls6.swf.0-0-1.tmp'), 'half');
    const ok = await mirage('trace', 'convert', TRACE, '--to', 'swf', '--out', join(dir, 'ls6.swf'));
    expect(ok.exitCode).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['folder', 'ls6.swf']);
  });
});
