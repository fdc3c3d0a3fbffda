/**
 * Seeded pseudo-random numbers for everything training draws: weight
 * initialisation, shuffles, episode starts, sampled actions. Ours, in plain
 * JavaScript, so a seed gives the same numbers on every back end and a run can
 * be resumed: each consumer derives its own stream from (seed, purpose, index)
 * instead of carrying generator state across epochs.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

/** splitmix32 finaliser: a good 32-bit mix of an integer. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hashes a seed and a path of labels/indices into one 32-bit stream seed. */
export function deriveSeed(seed: number, ...path: (string | number)[]): number {
  let h = mix32(seed >>> 0) ^ mix32(Math.floor(seed / 2 ** 32));
  for (const part of path) {
    if (typeof part === 'number') {
      h = mix32(h ^ mix32(part >>> 0));
      h = mix32(h ^ Math.floor(part / 2 ** 32));
    } else {
      for (let i = 0; i < part.length; i++) h = mix32(h ^ part.charCodeAt(i));
      h = mix32(h ^ 0x2f);
    }
  }
  return h >>> 0;
}

/** sfc32 generator (small, fast, passes PractRand) seeded through deriveSeed. */
export function createRng(seed: number, ...path: (string | number)[]): Rng {
  let a = deriveSeed(seed, ...path, 'a');
  let b = deriveSeed(seed, ...path, 'b');
  let c = deriveSeed(seed, ...path, 'c');
  let d = 1;
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextU32();
  let spare: number | undefined;
  const rng: Rng = {
    next: () => nextU32() / 4294967296,
    int: (n) => Math.floor((nextU32() / 4294967296) * n),
    normal: () => {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
  return rng;
}

/** Fisher-Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
