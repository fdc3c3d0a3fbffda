/**
 * A training worker of core/train/data-parallel.ts: holds a replica of the
 * network on its own tfjs back end and, per step, loads the weights it is
 * sent and returns the loss and gradients of its slice of the batch.
 *
 * Started with tsx's loader under vitest (core/parallel/pool.ts): imports are
 * static and there is no top-level await.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../model/backend.js';
import type { Network } from '../model/networks.js';
import { buildRegressor } from '../model/networks.js';
import type { FromWorker, ReplicaInit, ToWorker } from './data-parallel.js';
import { sliceGradients, targetTensor } from './data-parallel.js';
import { lossTensor } from './supervised.js';

let replica: { init: ReplicaInit; network: Network; variables: tf.Variable[] } | undefined;

const send = (message: FromWorker, transfer: ArrayBuffer[] = []): void => parentPort?.postMessage(message, transfer);

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'init') {
    const { init } = message;
    const backend = await initBackend(init.backend);
    const network = buildRegressor(init.spec, 0); // the weights come next
    network.params.write(init.weights);
    replica = { init, network, variables: init.trainable.map((name) => network.params.get(name)) };
    send({ type: 'ready', backend: backend.description });
    return;
  }
  if (!replica) throw new Error('a step arrived before the replica was built');
  const { init, network, variables } = replica;
  if (message.weights.length !== variables.length) throw new Error(`expected ${variables.length} weight arrays, got ${message.weights.length}`);
  variables.forEach((v, k) => tf.tidy(() => v.assign(tf.tensor(message.weights[k], v.shape, 'float32'))));
  const x = tf.tensor3d(message.x, [message.count, init.seqLen, init.featureCount]);
  const y = targetTensor(message.y, message.count, init.targetWidth);
  try {
    const { loss, grads } = sliceGradients(variables, () => lossTensor(init.loss, network.apply(x, message.ctx), y, init.huberDelta));
    send({ type: 'grads', id: message.id, loss, grads }, grads.map((g) => g.buffer as ArrayBuffer));
  } finally {
    x.dispose();
    y.dispose();
  }
}

// Messages are handled one at a time, in order: a step never overtakes the init.
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (message: ToWorker) => {
  queue = queue.then(() =>
    handle(message).catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) })),
  );
});
