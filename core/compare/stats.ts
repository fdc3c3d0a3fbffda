/**
 * The statistics an evaluation reports: block-bootstrap intervals of paired
 * differences and an exact McNemar test. Pure and browser-safe.
 *
 * Neighbouring samples replay overlapping weeks of the same trace, so their
 * rewards are not independent: the bootstrap resamples whole blocks of
 * consecutive samples (one replay length each), within each group (a fold
 * and job size), and keeps every group's size, so the pooled difference is
 * resampled the way it was measured.
 */
import { createRng } from '../model/rng.js';

export interface Interval {
  /** The observed statistic. */
  estimate: number;
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** Blocks resampled (all groups): below MIN_BLOCKS the interval says little and is reported as not assessed. */
  blocks: number;
}

/** Fewer blocks than this and a block-bootstrap interval is too coarse to call anything significant. */
export const MIN_BLOCKS = 4;

/** Samples in one replay length (warm-up + workload): the block of the bootstrap, as neighbouring samples replay overlapping weeks. */
export function replayBlockSamples(chain: { warmupDays: number; workloadDays: number; intervalHours: number }): number {
  return Math.max(1, Math.round(((chain.warmupDays + chain.workloadDays) * 24) / chain.intervalHours));
}

/** Splits one group's values (in time order) into consecutive blocks of `blockSize` (the last one may be shorter). */
export function blocksOf<T>(values: readonly T[], blockSize: number): T[][] {
  if (!(Number.isInteger(blockSize) && blockSize >= 1)) throw new Error(`block size ${blockSize} must be a whole number >= 1`);
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += blockSize) out.push(values.slice(i, i + blockSize));
  return out;
}

/** numpy-style linear percentile of an ascending array, q in 0..1. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  level?: number;
}

/**
 * Percentile interval of the mean of `groups` pooled (each group: values in
 * time order, cut into blocks of `blockSize`), resampling blocks with
 * replacement within each group.
 */
export function blockBootstrapMean(groups: readonly (readonly number[])[], blockSize: number, options: BootstrapOptions = {}): Interval {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const rng = createRng(options.seed ?? 0, 'block-bootstrap');
  const blocked = groups.filter((g) => g.length > 0).map((g) => blocksOf(g, blockSize));
  const all = groups.flat();
  if (all.length === 0) throw new Error('bootstrap: no values');
  const estimate = all.reduce((s, v) => s + v, 0) / all.length;
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let n = 0;
    for (const blocks of blocked) {
      for (let b = 0; b < blocks.length; b++) {
        const pick = blocks[rng.int(blocks.length)];
        for (const v of pick) sum += v;
        n += pick.length;
      }
    }
    means.push(sum / n);
  }
  means.sort((a, b) => a - b);
  const blocks = blocked.reduce((s, b) => s + b.length, 0);
  return { estimate, low: quantileSorted(means, (1 - level) / 2), high: quantileSorted(means, 1 - (1 - level) / 2), level, blocks };
}

export interface McNemar {
  /** Samples where only the first policy had no interruption, and where only the second had none. */
  onlyFirst: number;
  onlySecond: number;
  /** Exact two-sided p-value (binomial, p = 1/2, on the discordant pairs). */
  pValue: number;
}

/** Exact McNemar test of paired yes/no outcomes (here: "no interruption" under two policies on the same samples). */
export function mcNemarExact(first: readonly boolean[], second: readonly boolean[]): McNemar {
  if (first.length !== second.length) throw new Error('McNemar: the two policies have different sample counts');
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < first.length; i++) {
    if (first[i] && !second[i]) onlyFirst++;
    else if (!first[i] && second[i]) onlySecond++;
  }
  const n = onlyFirst + onlySecond;
  const k = Math.min(onlyFirst, onlySecond);
  // P(X <= k) for X ~ Binomial(n, 1/2), doubled, capped at 1; log space keeps large n exact enough.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return { onlyFirst, onlySecond, pValue: n === 0 ? 1 : Math.min(1, 2 * tail) };
}

/** Ranks 1..n of `values`, ties sharing their mean rank (as Spearman's and Mann-Whitney's statistics use them). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let from = 0; from < order.length; ) {
    let to = from;
    while (to + 1 < order.length && order[to + 1].v === order[from].v) to++;
    const rank = (from + to) / 2 + 1;
    for (let k = from; k <= to; k++) ranks[order[k].i] = rank;
    from = to + 1;
  }
  return ranks;
}

/** Spearman's rank correlation (Pearson's on average ranks); NaN when either side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError('spearman: x and y differ in length');
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mean = (x.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) ** 2;
    syy += (ry[i] - mean) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * The area under the ROC curve of `score` for the positives of `label`: the
 * chance that a random positive scores above a random negative, ties
 * counting half (Mann-Whitney U / (positives x negatives)); NaN without
 * positives or negatives.
 */
export function rocAuc(score: readonly number[], label: readonly boolean[]): number {
  if (score.length !== label.length) throw new RangeError('rocAuc: score and label differ in length');
  const ranks = averageRanks(score);
  let positives = 0;
  let rankSum = 0;
  label.forEach((l, i) => {
    if (!l) return;
    positives++;
    rankSum += ranks[i];
  });
  const negatives = score.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
