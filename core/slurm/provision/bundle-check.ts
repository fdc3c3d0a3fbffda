import type { PolicyManifest } from '../../policy/index.js';
import { parseSlurmLimit } from '../../trace/index.js';
import type { DecisionRule } from '../../validate/decide.js';
import type { JobRecord } from '../client.js';

/**
 * What `mirage provision --policy` checks before it runs a bundle: the rule
 * (the bundle's, or flags that override parts of it) and whether the live
 * cluster looks like the one the policy was validated for. A policy trained
 * for 88 nodes and 1-node, 48-hour jobs reads the queue of a 4-node partition
 * or 8-node jobs as it never saw in training: it still runs, but the user is
 * told, on the terminal and in the event log.
 */

export interface RuleOverrides {
  low?: number;
  high?: number;
  confirmations?: number;
  policyMode?: 'greedy' | 'sample';
  seed?: number;
}

/** The rule to run and which of its fields flags changed (empty: the bundle's rule as validated). */
export function ruleWithOverrides(rule: DecisionRule, flags: RuleOverrides): { rule: DecisionRule; overridden: string[] } {
  const overridden: string[] = [];
  const given = (name: string, value: unknown, current: unknown): boolean => {
    if (value === undefined) return false;
    if (value !== current) overridden.push(`${name} ${JSON.stringify(current ?? null)} -> ${JSON.stringify(value)}`);
    return true;
  };
  if (rule.kind === 'regressor') {
    const out = { ...rule };
    if (given('--low', flags.low, rule.lowHours)) out.lowHours = flags.low!;
    if (given('--high', flags.high, rule.highHours)) out.highHours = flags.high!;
    if (given('--confirmations', flags.confirmations, rule.confirmations ?? 1)) out.confirmations = flags.confirmations;
    if (flags.policyMode !== undefined || flags.seed !== undefined) throw new Error("--policy-mode and --seed are for a policy model's rule; this bundle's rule is a regressor interval (--low, --high, --confirmations)");
    if (out.lowHours > out.highHours) throw new Error(`--low ${out.lowHours} lies above --high ${out.highHours}`);
    return { rule: out, overridden };
  }
  if (rule.kind === 'policy') {
    const out = { ...rule };
    if (given('--policy-mode', flags.policyMode, rule.mode)) out.mode = flags.policyMode!;
    if (given('--seed', flags.seed, rule.seed)) out.seed = flags.seed!;
    if (flags.low !== undefined || flags.high !== undefined || flags.confirmations !== undefined) throw new Error("--low, --high and --confirmations are for a regressor's interval; this bundle's rule submits on the policy model's action (--policy-mode, --seed)");
    return { rule: out, overridden };
  }
  if (rule.kind === 'risk') {
    const out = { ...rule };
    if (given('--confirmations', flags.confirmations, rule.confirmations ?? 1)) out.confirmations = flags.confirmations;
    if (flags.low !== undefined || flags.high !== undefined || flags.policyMode !== undefined || flags.seed !== undefined) {
      throw new Error("this bundle's rule submits on a risk threshold: only --confirmations overrides it");
    }
    return { rule: out, overridden };
  }
  if (Object.values(flags).some((v) => v !== undefined)) throw new Error(`this bundle's rule is of kind '${(rule as { kind: string }).kind}', which no flag overrides`);
  return { rule, overridden };
}

export interface ScriptJobSize {
  nodes: number | null;
  minutes: number | null;
}

/**
 * The job size a batch script asks for: its `#SBATCH -N/--nodes` and
 * `-t/--time` lines (sbatch reads them up to the first command), then the
 * extra options given on the command line, which win as they do for sbatch.
 * A node range (`2-4`) counts by its minimum.
 */
export function scriptJobSize(script: string, extraOptions: readonly string[] = []): ScriptJobSize {
  const words: string[] = [];
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#!')) continue;
    if (!line.startsWith('#')) break;
    const m = /^#SBATCH\s+(.*)$/.exec(line);
    if (m) words.push(...m[1].split(/\s+/).filter((w) => w !== '' && !w.startsWith('#')));
  }
  words.push(...extraOptions.flatMap((o) => o.split(/\s+/)));
  const size: ScriptJobSize = { nodes: null, minutes: null };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const value = (long: string, short: string): string | undefined => {
      if (w.startsWith(`${long}=`)) return w.slice(long.length + 1);
      if (w === long || w === short) return words[++i];
      if (w.startsWith(short) && w.length > short.length) return w.slice(short.length);
      return undefined;
    };
    const nodes = value('--nodes', '-N');
    if (nodes !== undefined) {
      const n = Number(/^\d+/.exec(nodes)?.[0]);
      if (Number.isInteger(n) && n > 0) size.nodes = n;
      continue;
    }
    const time = value('--time', '-t');
    if (time !== undefined) {
      const limit = parseSlurmLimit(time);
      if (limit?.kind === 'minutes') size.minutes = limit.minutes;
    }
  }
  return size;
}

export interface LiveCluster {
  partition: string | null;
  /** Nodes of that partition (scontrol), null when Slurm did not say. */
  partitionNodes: number | null;
  /** The job the chain starts from. */
  predecessor: Pick<JobRecord, 'id' | 'nodes' | 'limitMinutes'> | null;
  script: ScriptJobSize;
  /** provision --time-scale: one live minute counts as this many to the model (1 on a real cluster). */
  timeScale?: number;
}

/** Where the live cluster differs from the bundle's; one sentence each, empty when it matches. */
export function clusterMismatches(manifest: PolicyManifest, live: LiveCluster): string[] {
  const c = manifest.cluster;
  const out: string[] = [];
  const where = live.partition ? `partition ${live.partition}` : 'the default partition';
  const gpus = c.unit === 'gpus';
  // A GPU-counted policy's sizes are GPUs: Slurm's node counts say nothing about them, only its times compare.
  if (gpus) out.push(`the policy counts GPUs (${c.nodes} on its cluster, ${c.jobNodes} per chain job): check by hand that ${where} and the script match`);
  else if (live.partitionNodes === null) out.push(`could not read the node count of ${where}; the policy was validated on ${c.nodes} nodes`);
  else if (live.partitionNodes !== c.nodes) out.push(`${where} has ${live.partitionNodes} nodes; the policy was trained and validated on a ${c.nodes}-node cluster`);
  if (c.partition !== null && live.partition !== null && c.partition !== live.partition) out.push(`the policy was made for partition ${c.partition}; this chain runs in ${live.partition}`);
  const jobs = `the policy was validated with chain jobs of ${c.jobNodes} ${gpus ? 'GPU(s)' : 'node(s)'} and ${c.jobMinutes} minutes`;
  const scale = live.timeScale ?? 1;
  // With --time-scale, live minutes stand for scaled ones: compare what the model sees.
  const minutes = (m: number): string => (scale === 1 ? `${m} minutes` : `${m} minutes (${m * scale} at --time-scale ${scale})`);
  if (!gpus && live.script.nodes !== null && live.script.nodes !== c.jobNodes) out.push(`the script asks for ${live.script.nodes} node(s); ${jobs}`);
  if (live.script.minutes !== null && live.script.minutes * scale !== c.jobMinutes) out.push(`the script asks for ${minutes(live.script.minutes)}; ${jobs}`);
  const p = live.predecessor;
  if (!gpus && p && p.nodes > 0 && p.nodes !== c.jobNodes) out.push(`job ${p.id} (the predecessor) has ${p.nodes} node(s); ${jobs}`);
  if (p && p.limitMinutes !== null && p.limitMinutes * scale !== c.jobMinutes) out.push(`job ${p.id} (the predecessor) has a limit of ${minutes(p.limitMinutes)}; ${jobs}`);
  return out;
}
