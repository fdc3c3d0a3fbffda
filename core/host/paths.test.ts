import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from './runs/testing.js';
import { startTestHost } from './runs/testing.js';

/**
 * A token holder in a browser names trace paths: the answer must not tell
 * which files exist on the server (issue 14: `forbidden` for an existing file
 * outside the allowed folders, `not-found` for a missing one).
 */

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host?.close());

async function failure(path: string): Promise<{ code: string; message: string }> {
  try {
    await host.client.call('experiment.traceRange', { path });
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message: message.replace(path, '<path>') };
  }
  throw new Error(`${path} was read`);
}

describe('trace paths named from a browser', () => {
  it('answers alike for existing and missing files outside the bundled and uploaded traces', async () => {
    const existing = await failure('../../../../../../../../etc/hostname');
    const missing = await failure('../../../../../../../../etc/no-such-file-here');
    expect(existing).toEqual(missing);
    expect(existing).toEqual({ code: 'not-found', message: '<path>: not one of the bundled traces or the traces uploaded here (in a browser only those can be used)' });
    expect(await failure('/etc/hostname')).toEqual(await failure('/etc/no-such-file-here'));
    expect((await failure('/etc/hostname')).code).toBe('forbidden');
  });

  it('still reads a bundled trace by its relative path', async () => {
    expect(await host.client.call('experiment.traceRange', { path: 'assets/traces/ls6-a100.log' })).toMatchObject({ fileName: 'ls6-a100.log' });
  });
});
