import type { SimConstants } from './config.js';

/**
 * Job priorities exactly as the reference's floats evolve. A job starts at
 * `weightJobSize * (nodes / clusterNodes)` and every step it stays pending adds
 * the age increment, one float addition at a time. Every job of a given size
 * starts from the same float and receives the same additions, so its priority
 * after k steps is a pure function of (nodes, k): one lazily grown table per
 * node count replaces a per-step update of every pending job, bit for bit.
 * (A closed form base + k * increment would round differently, and jobs whose
 * priorities are mathematically equal, e.g. 1 node vs 12 nodes submitted 18
 * minutes apart on 88 nodes, are ordered by those last bits.)
 */
export class PriorityTable {
  /** tables[nodes][k]: priority after k steps pending; filled up to its length. */
  private readonly tables: Float64Array[] = [];

  constructor(private readonly constants: SimConstants) {}

  /** The reference's starting priority of a job of `nodes` nodes. */
  initial(nodes: number): number {
    return this.constants.priorityWeightJobSize * (nodes / this.constants.nodes);
  }

  /** Priority of a `nodes`-node job that has been pending for `steps` steps. */
  value(nodes: number, steps: number): number {
    const table = this.tables[nodes];
    if (table !== undefined && steps < table.length) return table[steps];
    return this.grow(nodes, steps)[steps];
  }

  private grow(nodes: number, steps: number): Float64Array {
    const old = this.tables[nodes];
    const size = Math.max(steps + 1, (old?.length ?? 0) * 2, 4096);
    const table = new Float64Array(size);
    let from = 1;
    if (old === undefined) table[0] = this.initial(nodes);
    else {
      table.set(old);
      from = old.length;
    }
    const inc = this.constants.ageIncrement;
    for (let k = from; k < size; k++) table[k] = table[k - 1] + inc;
    this.tables[nodes] = table;
    return table;
  }
}
