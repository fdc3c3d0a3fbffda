import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTraceText, parseTraceTextAsync } from './load.js';

const LS6 = fileURLToPath(new URL('../../assets/traces/ls6-a100.log', import.meta.url));

describe('parseTraceTextAsync (uploads in the server)', () => {
  it('gives the same trace, hash included, as parseTraceText, yielding between slices', async () => {
    const text = readFileSync(LS6, 'utf8');
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const parsed = await parseTraceTextAsync(text, 'ls6-a100.log');
    clearInterval(timer);
    expect(parsed).toEqual(parseTraceText(text, 'ls6-a100.log'));
    expect(turns).toBeGreaterThan(0);
  });

  it('keeps the line numbers and content for CRLF and a missing final newline', async () => {
    const text = readFileSync(LS6, 'utf8').split('\n').slice(0, 300).join('\r\n');
    expect(await parseTraceTextAsync(text, 'x.log')).toEqual(parseTraceText(text, 'x.log'));
  });

  it('refuses a line of a megabyte and more as not a trace', async () => {
    await expect(parseTraceTextAsync('x'.repeat((1 << 20) + 1), 'big.log')).rejects.toThrow(/a line longer than 1048576 characters: not a trace/);
  });
});
