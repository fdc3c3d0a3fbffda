/**
 * Functional building blocks over tf tensors and a ParamSet.
 *
 * Every product is a plain 2-D or batched matMul (no einsum, no conv, no
 * gather on parameters): these are the kernels whose gradients the wasm back
 * end has, and the shapes its fast BatchMatMul handles.
 */
import * as tf from '@tensorflow/tfjs';
import { ATTENTION_WEIGHTS_SALT, dropoutMaskSeed } from './dropout-seeds.js';
import type { ApplyContext } from './dropout-seeds.js';
import type { ParamSet } from './params.js';
import { glorotUniform, linearDefault } from './params.js';

export type { ApplyContext } from './dropout-seeds.js';

export const INFERENCE: ApplyContext = { training: false };

/** Declares a Linear(inDim -> outDim) with PyTorch's default initialisation. */
export function defineLinear(params: ParamSet, name: string, inDim: number, outDim: number, init: 'torch' | 'glorot' = 'torch'): void {
  params.add(`${name}/kernel`, [inDim, outDim], init === 'glorot' ? glorotUniform(inDim, outDim) : linearDefault(inDim));
  params.add(`${name}/bias`, [outDim], init === 'glorot' ? { kind: 'zeros' } : linearDefault(inDim));
}

/** x [..., inDim] -> [..., outDim], computed as one 2-D product. */
export function linear(params: ParamSet, name: string, x: tf.Tensor): tf.Tensor {
  const kernel = params.get(`${name}/kernel`);
  const bias = params.get(`${name}/bias`);
  const [inDim, outDim] = kernel.shape as number[];
  const lead = x.shape.slice(0, -1);
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
  const y = tf.add(tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D), bias);
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}

export function defineLayerNorm(params: ParamSet, name: string, dim: number): void {
  params.add(`${name}/gamma`, [dim], { kind: 'ones' });
  params.add(`${name}/beta`, [dim], { kind: 'zeros' });
}

/** Layer normalisation over the last axis (eps 1e-5 as PyTorch). */
export function layerNorm(params: ParamSet, name: string, x: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(normed, params.get(`${name}/gamma`)), params.get(`${name}/beta`));
}

/** Inverted dropout with a seeded mask; identity outside training. */
export function dropout(x: tf.Tensor, rate: number, ctx: ApplyContext, salt: number): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  const seed = dropoutMaskSeed(ctx, salt);
  const keep = tf.cast(tf.greaterEqual(dropoutUniforms(x.shape, seed, ctx.batchSlice), rate), 'float32');
  return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
}

/**
 * The uniforms a dropout mask compares with. The leading axis is the batch
 * (or batch x heads, batch-major): with a slice, the whole batch's uniforms
 * are drawn and its rows cut out.
 */
function dropoutUniforms(shape: number[], seed: number, slice: ApplyContext['batchSlice']): tf.Tensor {
  if (!slice || slice.count === slice.total) return tf.randomUniform(shape, 0, 1, 'float32', seed);
  const [lead, ...rest] = shape;
  const perSample = lead / slice.count;
  if (!Number.isInteger(perSample)) throw new Error(`dropout over ${lead} rows cannot be cut into a slice of ${slice.count} samples`);
  const whole = tf.randomUniform([slice.total * perSample, ...rest], 0, 1, 'float32', seed);
  return tf.slice(whole, [slice.start * perSample, ...rest.map(() => 0)], shape);
}

export function defineSelfAttention(params: ParamSet, name: string, dModel: number): void {
  // PyTorch's MultiheadAttention: xavier-uniform in-projection over [3d, d], zero biases.
  const bound = Math.sqrt(6 / (dModel + 3 * dModel));
  for (const proj of ['q', 'k', 'v']) {
    params.add(`${name}/${proj}/kernel`, [dModel, dModel], { kind: 'uniform', bound });
    params.add(`${name}/${proj}/bias`, [dModel], { kind: 'zeros' });
  }
  params.add(`${name}/out/kernel`, [dModel, dModel], linearDefault(dModel));
  params.add(`${name}/out/bias`, [dModel], { kind: 'zeros' });
}

/** Multi-head scaled dot-product self-attention, x [B, T, d] -> [B, T, d]. */
export function selfAttention(params: ParamSet, name: string, x: tf.Tensor3D, heads: number, dropRate: number, ctx: ApplyContext): tf.Tensor3D {
  const [batch, tokens, dModel] = x.shape;
  const headDim = dModel / heads;
  const split = (t: tf.Tensor): tf.Tensor3D =>
    heads === 1
      ? (t as tf.Tensor3D)
      : tf.reshape(tf.transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]), [batch * heads, tokens, headDim]);
  const q = split(linear(params, `${name}/q`, x));
  const k = split(linear(params, `${name}/k`, x));
  const v = split(linear(params, `${name}/v`, x));
  const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
  const weights = dropout(tf.softmax(scores, -1), dropRate, ctx, ATTENTION_WEIGHTS_SALT);
  let context: tf.Tensor = tf.matMul(weights as tf.Tensor3D, v);
  if (heads > 1) context = tf.reshape(tf.transpose(tf.reshape(context, [batch, heads, tokens, headDim]), [0, 2, 1, 3]), [batch, tokens, dModel]);
  return linear(params, `${name}/out`, context) as tf.Tensor3D;
}

export function defineEncoderLayer(params: ParamSet, name: string, dModel: number, ffDim: number): void {
  defineSelfAttention(params, `${name}/attention`, dModel);
  defineLayerNorm(params, `${name}/norm1`, dModel);
  defineLinear(params, `${name}/ff1`, dModel, ffDim);
  defineLinear(params, `${name}/ff2`, ffDim, dModel);
  defineLayerNorm(params, `${name}/norm2`, dModel);
}

/**
 * One encoder layer as PyTorch's TransformerEncoderLayer defaults: post-norm,
 * x = norm1(x + drop(attn(x))); x = norm2(x + drop(ff2(drop(relu(ff1(x)))))).
 */
export function encoderLayer(
  params: ParamSet,
  name: string,
  x: tf.Tensor3D,
  heads: number,
  dropRate: number,
  ctx: ApplyContext,
  salt: number,
): tf.Tensor3D {
  const attended = selfAttention(params, `${name}/attention`, x, heads, dropRate, { ...ctx, dropoutSeed: (ctx.dropoutSeed ?? 0) + salt });
  const x1 = layerNorm(params, `${name}/norm1`, tf.add(x, dropout(attended, dropRate, ctx, salt + 1)));
  const hidden = dropout(tf.relu(linear(params, `${name}/ff1`, x1)), dropRate, ctx, salt + 2);
  const ff = linear(params, `${name}/ff2`, hidden);
  return layerNorm(params, `${name}/norm2`, tf.add(x1, dropout(ff, dropRate, ctx, salt + 3))) as tf.Tensor3D;
}
