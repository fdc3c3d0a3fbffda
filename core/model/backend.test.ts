import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { currentBackend, ensureBackend, initBackend, parseBackendChoice } from './backend.js';

describe('back-end choice', () => {
  it('auto probes the native back ends first, then settles on a working one and says why it passed the others over', async () => {
    const info = await initBackend('auto');
    expect(tf.getBackend()).toBe(info.tfBackend);
    expect(currentBackend()).toBe(info);
    const skipped = info.skipped.map((s) => s.choice);
    // node-gpu is always tried first, then node, then wasm
    const order = ['node-gpu', 'node', 'wasm', 'cpu'];
    expect(order.slice(0, order.indexOf(info.name === 'tensorflow-gpu' ? 'node-gpu' : info.name === 'tensorflow' ? 'node' : info.name))).toEqual(skipped);
    for (const s of info.skipped) expect(s.reason.length).toBeGreaterThan(0);
    if (info.name === 'wasm') expect(info.wasmFastMatMul).toBe(true);
  });

  it('a forced back end runs or fails with the reason', async () => {
    const cpu = await initBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await ensureBackend('auto')).name).toBe('cpu');
    expect((await ensureBackend('wasm')).name).toBe('wasm');
    let native: Error | undefined;
    await initBackend('node').catch((e: Error) => (native = e));
    if (native) expect(native.message).toMatch(/back end 'node' is not usable here: /);
  });

  it('parses --backend values', () => {
    expect(parseBackendChoice('wasm')).toBe('wasm');
    expect(() => parseBackendChoice('tpu')).toThrow(/unknown back end 'tpu'/);
  });
});
