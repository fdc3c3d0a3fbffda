/**
 * Files written before the held-out tail of the training period got its own
 * name said "validation" for it (validationRows, valLoss, validationMae...),
 * the word the chain experiment's validation period keeps. Readers of model
 * manifests, wait-model files, checkpoints and training events pass what
 * they parsed through heldOutNames first, so those files keep loading under
 * today's names. Pure, no I/O (the renderer reads training events too).
 */

const RENAMED: Record<string, string> = {
  validationRows: 'heldOutRows',
  valLoss: 'heldOutLoss',
  bestValLoss: 'bestHeldOutLoss',
  valMaeHours: 'heldOutMaeHours',
  valRmseHours: 'heldOutRmseHours',
  validationMae: 'heldOutMae',
  validationWaitMaeHours: 'heldOutWaitMaeHours',
  validationMeanWaitHours: 'heldOutMeanWaitHours',
};

/** Today's name of a key (a mixture phase's `expertsValMaeHours` too), or the key itself. */
export function heldOutName(key: string): string {
  return RENAMED[key] ?? key.replace(/ValMaeHours$/, 'HeldOutMaeHours');
}

/**
 * A copy of a plain object with its old key names replaced (a key present
 * under both names keeps today's value); anything else is returned as is.
 * One level deep: call it on each object that had such keys.
 */
export function heldOutNames(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = heldOutName(key);
    if (name === key || !(name in value)) out[name] = v;
  }
  return out;
}
