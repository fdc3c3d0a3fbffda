/**
 * The training event stream: what the GUI draws its curves from and the CLI
 * logs. One schema (the events cross the process boundary as JSON); the
 * TypeScript type is inferred from it.
 *
 * A run has phases: 'main' for a single network; 'expert0'..'expertK-1' then
 * 'gate' for a mixture; 'policy' for the policy agent.
 */
import { z } from 'zod';
import { heldOutNames } from '../held-out-names.js';

const base = { phase: z.string(), elapsedSec: z.number() };

// Logs from before the held-out tail had its name say validationRows, valLoss...: read under today's names.
export const TrainEventSchema = z.preprocess(heldOutNames, z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    ...base,
    backend: z.string(),
    modelKind: z.string(),
    parameters: z.number().int(),
    trainableParameters: z.number().int(),
    trainRows: z.number().int(),
    heldOutRows: z.number().int(),
    epochs: z.number().int(),
    stepsPerEpoch: z.number().int(),
    batchSize: z.number().int(),
    /** Epochs already done when resuming from a checkpoint (0 for a fresh run). */
    resumedFromEpoch: z.number().int(),
    /** Threads each step is split over (core/train/data-parallel.ts); absent in logs from before it existed. */
    threads: z.number().int().positive().optional(),
    /** Whether the steps' gradients came from the native addon (core/train/native.ts); absent in logs from before it existed. */
    native: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('step'),
    ...base,
    epoch: z.number().int(),
    step: z.number().int(),
    globalStep: z.number().int(),
    loss: z.number(),
    learningRate: z.number(),
    gradNorm: z.number(),
    samplesPerSec: z.number(),
  }),
  z.object({
    type: z.literal('epoch'),
    ...base,
    epoch: z.number().int(),
    epochs: z.number().int(),
    trainLoss: z.number(),
    heldOutLoss: z.number().nullable(),
    heldOutMaeHours: z.number().nullable(),
    heldOutRmseHours: z.number().nullable(),
    learningRate: z.number(),
    samplesPerSec: z.number(),
    etaSec: z.number(),
    /** This epoch has the best held-out loss so far. */
    best: z.boolean(),
    numTensors: z.number().int(),
  }),
  z.object({ type: z.literal('checkpoint'), ...base, epoch: z.number().int(), path: z.string() }),
  z.object({ type: z.literal('early-stop'), ...base, epoch: z.number().int(), bestEpoch: z.number().int(), reason: z.string() }),
  z.object({ type: z.literal('phase'), ...base, index: z.number().int(), total: z.number().int(), description: z.string() }),
  z.object({
    type: z.literal('episode'),
    ...base,
    update: z.number().int(),
    episode: z.number().int(),
    decisions: z.number().int(),
    rewardHours: z.number(),
    episodeReturn: z.number(),
  }),
  z.object({
    type: z.literal('update'),
    ...base,
    update: z.number().int(),
    updates: z.number().int(),
    loss: z.number(),
    entropy: z.number(),
    meanReturn: z.number(),
    meanAbsRewardHours: z.number(),
    etaSec: z.number(),
  }),
  z.object({ type: z.literal('done'), ...base, metrics: z.record(z.string(), z.number()) }),
]));

export type TrainEvent = z.infer<typeof TrainEventSchema>;
export type TrainEventType = TrainEvent['type'];
