/**
 * Networks built from a spec. Each is a ParamSet plus a forward function over
 * normalised windows [B, seqLen, inFeatures]; regressors return one value per
 * row (in the model's normalised target units), [B] (or, with spec.outputs
 * K > 1, K logits per row, [B, K]: a wait-risk network), policies two logits
 * per row.
 */
import * as tf from '@tensorflow/tfjs';
import type { ApplyContext } from './layers.js';
import { encoderLayerSalt } from './dropout-seeds.js';
import { defineEncoderLayer, defineLinear, dropout, encoderLayer, linear } from './layers.js';
import { ParamSet } from './params.js';
import type { MlpSpec, MoeSpec, NetworkSpec, PolicySpec, RegressorSpec, TransformerSpec } from './spec.js';
import { outputsOf } from './spec.js';

export interface Network<S extends NetworkSpec = NetworkSpec> {
  readonly spec: S;
  readonly params: ParamSet;
  /** x: normalised windows [B, seqLen, inFeatures]. Regressors: [B] ([B, K] with K outputs); policy: logits [B, 2]. */
  apply(x: tf.Tensor3D, ctx: ApplyContext): tf.Tensor;
  dispose(): void;
}

export interface MixtureNetwork extends Network<MoeSpec> {
  readonly experts: Network<RegressorSpec>[];
  /** Each expert's output, [B, E] (E experts), or [B, E, K] for experts of K outputs. */
  expertOutputs(x: tf.Tensor3D, ctx: ApplyContext): tf.Tensor2D | tf.Tensor3D;
  /** Gate weights [B, E] (softmax). */
  gate(x: tf.Tensor3D): tf.Tensor2D;
  /** Gate-weighted sum of given expert outputs: [B, E] -> [B], or [B, E, K] -> [B, K] (each output mixed with the same weights). */
  mix(x: tf.Tensor3D, expertOutputs: tf.Tensor2D | tf.Tensor3D): tf.Tensor1D | tf.Tensor2D;
}

export interface PolicyNetwork extends Network<PolicySpec> {
  readonly base: Network<RegressorSpec> | MixtureNetwork;
  /** The frozen base's predictions, [B, K] (K experts, or 1), in normalised target units. */
  baseOutputs(x: tf.Tensor3D): tf.Tensor2D;
  /** Logits [B, 2] from base outputs already converted to hours. */
  head(baseHours: tf.Tensor2D): tf.Tensor2D;
}

/** Target scale: network outputs y mean hours y * std + mean (the policy head reads hours). */
export interface TargetScale {
  mean: number;
  std: number;
}

export function buildNetwork(spec: NetworkSpec, seed: number, targetScale: TargetScale = { mean: 0, std: 1 }): Network {
  switch (spec.type) {
    case 'transformer':
      return buildTransformer(spec, seed);
    case 'mlp':
      return buildMlp(spec, seed);
    case 'moe':
      return buildMixture(spec, seed);
    case 'policy':
      return buildPolicy(spec, seed, targetScale);
  }
}

export function buildRegressor(spec: RegressorSpec, seed: number): Network<RegressorSpec> {
  return spec.type === 'transformer' ? buildTransformer(spec, seed) : buildMlp(spec, seed);
}

export function buildTransformer(spec: TransformerSpec, seed: number): Network<TransformerSpec> {
  if (spec.seqLen % spec.patchLen !== 0) throw new Error(`seqLen ${spec.seqLen} is not a multiple of patchLen ${spec.patchLen}`);
  if (spec.dModel % spec.heads !== 0) throw new Error(`dModel ${spec.dModel} is not a multiple of heads ${spec.heads}`);
  const tokens = spec.seqLen / spec.patchLen;
  const tokenWidth = spec.patchLen * spec.inFeatures;
  const params = new ParamSet(seed);
  defineLinear(params, 'embedding', tokenWidth, spec.dModel);
  if (spec.positional) params.add('position', [tokens, spec.dModel], { kind: 'normal', std: 0.02 });
  for (let i = 0; i < spec.layers; i++) defineEncoderLayer(params, `encoder${i}`, spec.dModel, spec.ffDim);
  const outputs = outputsOf(spec);
  defineLinear(params, 'decoder', spec.head === 'flatten' ? tokens * spec.dModel : spec.dModel, outputs);
  return {
    spec,
    params,
    apply(x, ctx) {
      const batch = x.shape[0];
      let h = linear(params, 'embedding', tf.reshape(x, [batch, tokens, tokenWidth])) as tf.Tensor3D;
      if (spec.positional) h = tf.add(h, params.get('position'));
      for (let i = 0; i < spec.layers; i++) h = encoderLayer(params, `encoder${i}`, h, spec.heads, spec.dropout, ctx, encoderLayerSalt(i));
      const pooled = spec.head === 'flatten' ? tf.reshape(h, [batch, tokens * spec.dModel]) : tf.mean(h, 1);
      const out = linear(params, 'decoder', pooled);
      return outputs === 1 ? tf.reshape(out, [batch]) : out;
    },
    dispose: () => params.dispose(),
  };
}

export function buildMlp(spec: MlpSpec, seed: number): Network<MlpSpec> {
  if (spec.lastSteps > spec.seqLen) throw new Error(`lastSteps ${spec.lastSteps} exceeds seqLen ${spec.seqLen}`);
  const params = new ParamSet(seed);
  const outputs = outputsOf(spec);
  const widths = [spec.lastSteps * spec.inFeatures, ...spec.hidden, outputs];
  for (let i = 0; i + 1 < widths.length; i++) defineLinear(params, `dense${i}`, widths[i], widths[i + 1], 'glorot');
  return {
    spec,
    params,
    apply(x, ctx) {
      const batch = x.shape[0];
      const recent = spec.lastSteps === spec.seqLen ? x : tf.slice(x, [0, spec.seqLen - spec.lastSteps, 0], [batch, spec.lastSteps, spec.inFeatures]);
      let h: tf.Tensor = tf.reshape(recent, [batch, spec.lastSteps * spec.inFeatures]);
      for (let i = 0; i + 1 < widths.length; i++) {
        h = linear(params, `dense${i}`, h);
        if (i + 2 < widths.length) h = dropout(tf.relu(h), spec.dropout, ctx, i);
      }
      return outputs === 1 ? tf.reshape(h, [batch]) : h;
    },
    dispose: () => params.dispose(),
  };
}

export function buildMixture(spec: MoeSpec, seed: number): MixtureNetwork {
  const outputs = new Set(spec.experts.map(outputsOf));
  if (outputs.size !== 1) throw new Error(`the experts of a mixture must give the same number of outputs, not ${[...outputs].join(' and ')}`);
  const experts = spec.experts.map((e, k) => buildRegressor(e, seed + 7919 * (k + 1)));
  const params = new ParamSet(seed);
  experts.forEach((e, k) => params.adopt(`expert${k}`, e.params, true));
  const inDim = spec.seqLen * spec.inFeatures;
  // The reference's init hook never reaches its gate's Linear layers: PyTorch's default init.
  defineLinear(params, 'gate/hidden', inDim, spec.gateHidden);
  defineLinear(params, 'gate/out', spec.gateHidden, spec.experts.length);
  const gate = (x: tf.Tensor3D): tf.Tensor2D => {
    const flat = tf.reshape(x, [x.shape[0], inDim]);
    return tf.softmax(linear(params, 'gate/out', linear(params, 'gate/hidden', flat)) as tf.Tensor2D, -1);
  };
  const expertOutputs = (x: tf.Tensor3D, ctx: ApplyContext): tf.Tensor2D | tf.Tensor3D =>
    tf.stack(experts.map((e, k) => e.apply(x, { ...ctx, dropoutSeed: (ctx.dropoutSeed ?? 0) + 1000 * k })), 1) as tf.Tensor2D | tf.Tensor3D;
  const mix = (x: tf.Tensor3D, outputs: tf.Tensor2D | tf.Tensor3D): tf.Tensor1D | tf.Tensor2D => {
    const weights = gate(x);
    // K outputs per expert: every output of an expert gets that expert's weight.
    return outputs.rank === 3 ? tf.sum(tf.mul(tf.expandDims(weights, 2), outputs), 1) : tf.sum(tf.mul(weights, outputs), 1);
  };
  return {
    spec,
    params,
    experts,
    expertOutputs,
    gate,
    mix,
    apply: (x, ctx) => mix(x, expertOutputs(x, ctx)),
    dispose: () => params.dispose(),
  };
}

export function buildPolicy(spec: PolicySpec, seed: number, targetScale: TargetScale): PolicyNetwork {
  const single = spec.base.type === 'moe' ? spec.base.experts[0] : spec.base;
  if (outputsOf(single) !== 1) throw new Error('a policy reads a reward regressor: its base cannot be a wait-risk network');
  const base = spec.base.type === 'moe' ? buildMixture(spec.base, seed) : buildRegressor(spec.base, seed);
  const params = new ParamSet(seed);
  params.adopt('base', base.params, false);
  const k = spec.base.type === 'moe' ? spec.base.experts.length : 1;
  defineLinear(params, 'head', k, spec.actions);
  const baseOutputs = (x: tf.Tensor3D): tf.Tensor2D =>
    'expertOutputs' in base ? (base.expertOutputs(x, { training: false }) as tf.Tensor2D) : (tf.reshape(base.apply(x, { training: false }), [-1, 1]) as tf.Tensor2D);
  const head = (baseHours: tf.Tensor2D): tf.Tensor2D => linear(params, 'head', baseHours) as tf.Tensor2D;
  return {
    spec,
    params,
    base,
    baseOutputs,
    head,
    apply: (x) => head(tf.add(tf.mul(baseOutputs(x), targetScale.std), targetScale.mean) as tf.Tensor2D),
    dispose: () => params.dispose(),
  };
}
