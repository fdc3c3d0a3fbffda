import { describe, expect, it } from 'vitest';
import { isTrustedSender, parseIpcArgs } from './ipc-schemas.js';

describe('IPC from the preload is validated in the main process', () => {
  it('accepts well-formed calls', () => {
    expect(parseIpcArgs('mirage:open-dialog', [])).toEqual({ ok: true, args: [] });
    const save = parseIpcArgs('mirage:save-text', [{ suggestedName: 'jobs.csv', text: 'a,b\n', filters: [{ name: 'CSV', extensions: ['csv'] }] }]);
    expect(save.ok).toBe(true);
    expect(parseIpcArgs('mirage:recent-add', [{ kind: 'sample', name: 'ls6-a100', label: 'LS6', openedAtMs: 1 }]).ok).toBe(true);
  });

  it('rejects bad payloads with a readable reason', () => {
    const cases: Array<[Parameters<typeof parseIpcArgs>[0], unknown[]]> = [
      ['mirage:open-dialog', ['/etc/passwd']],
      ['mirage:save-text', [{ suggestedName: '', text: 'x', filters: [] }]],
      ['mirage:save-text', [{ suggestedName: 'a.csv', text: 42, filters: [] }]],
      ['mirage:save-text', []],
      ['mirage:recent-add', [{ kind: 'url', url: 'https://example.com', label: 'x', openedAtMs: 1 }]],
      ['mirage:recent-add', [{ kind: 'path', path: '', label: 'x', openedAtMs: 1 }]],
    ];
    for (const [channel, args] of cases) {
      const result = parseIpcArgs(channel, args);
      expect(result.ok, `${channel} ${JSON.stringify(args)}`).toBe(false);
      if (!result.ok) expect(result.error).toMatch(new RegExp(`^${channel}: args`));
    }
  });

  it('trusts only the app page itself', () => {
    const app = 'file:///opt/mirage/resources/app.asar/dist/renderer/index.html';
    expect(isTrustedSender(app, app)).toBe(true);
    expect(isTrustedSender(`${app}#jobs`, app)).toBe(true);
    expect(isTrustedSender('file:///tmp/evil.html', app)).toBe(false);
    expect(isTrustedSender('https://example.com/', app)).toBe(false);
    expect(isTrustedSender(undefined, app)).toBe(false);
  });
});
