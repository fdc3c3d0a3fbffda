/**
 * A faster BatchMatMul for tfjs-backend-wasm 4.22.0.
 *
 * The stock wasm kernel sends only one shape to XNNPACK's fast fully-connected
 * path: a single 2-D product without transposes. Every other product (any
 * transposeA/transposeB, i.e. every backward pass of a dense layer, and any
 * batch > 1, i.e. attention) runs a naive loop at about 2 GFLOP/s, 10x slower.
 * This kernel rewrites those products onto the fast path: transposes are made
 * explicit with the wasm Transpose kernel, and batched products are split into
 * per-batch 2-D products whose operands and results are copied straight
 * through the wasm heap. Results match the stock kernel within float rounding.
 *
 * It relies on BackendWasm internals (makeOutput, typedArrayFromHeap,
 * disposeData), so it refuses to install on any other version than the one it
 * was verified with.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const VERIFIED_WASM_VERSION = '4.22.0';

type Tf = typeof tfTypes;
type TensorInfo = tfTypes.TensorInfo;
type KernelFunc = tfTypes.KernelConfig['kernelFunc'];

const patched = new WeakSet<object>();
const stockKernels = new WeakMap<object, tfTypes.KernelConfig>();

/** Whether the fast BatchMatMul is installed in this tfjs instance. */
export function isWasmMatMulPatched(tf: Tf): boolean {
  return patched.has(tf.engine());
}

/**
 * Installs the fast BatchMatMul for the wasm back end of this tfjs instance.
 * Throws when the wasm back end is not the verified version.
 */
export function patchWasmMatMul(tf: Tf, wasmVersion: string): void {
  if (wasmVersion !== VERIFIED_WASM_VERSION) {
    throw new Error(
      `refusing to patch the wasm BatchMatMul kernel: @tensorflow/tfjs-backend-wasm is ${wasmVersion}, ` +
        `the patch uses internals verified only with ${VERIFIED_WASM_VERSION}`,
    );
  }
  const engine = tf.engine();
  if (patched.has(engine)) return;
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  const reshape = tf.getKernel('Reshape', 'wasm');
  if (!stock || !transpose || !reshape) throw new Error('the wasm back end lacks BatchMatMul, Transpose or Reshape kernels');
  stockKernels.set(engine, stock);
  const kernelFunc = makeFastBatchMatMul(stock.kernelFunc, transpose.kernelFunc, reshape.kernelFunc);
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc });
  patched.add(engine);
}

/** Puts the stock kernel back (tests compare the two). */
export function unpatchWasmMatMul(tf: Tf): void {
  const engine = tf.engine();
  const stock = stockKernels.get(engine);
  if (!stock || !patched.has(engine)) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(stock);
  patched.delete(engine);
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Below this many multiply-adds per product, a batched product stays on the
 * stock kernel (measured here: 12x16x12 products are 3x faster stock, 48x16x48
 * products 2x faster split, 144x16x144 8x).
 */
export const SPLIT_MIN_MACS = 16384;

function makeFastBatchMatMul(stockFunc: KernelFunc, transposeFunc: KernelFunc, reshapeFunc: KernelFunc): KernelFunc {
  const asInfo = (out: TensorInfo | TensorInfo[]): TensorInfo => (Array.isArray(out) ? out[0] : out);

  return ({ inputs, backend, attrs }) => {
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    const batchA = sizeOf(a.shape.slice(0, -2));
    const batchB = sizeOf(b.shape.slice(0, -2));
    const alreadyFast = !transposeA && !transposeB && batchA === 1 && batchB === 1;
    const columnsOut = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    const macsPerProduct = (sizeOf(a.shape) / batchA) * columnsOut;
    // Many tiny products (attention over a few tokens) cost more in per-product overhead than they save.
    const tinyBatched = batchA > 1 && macsPerProduct < SPLIT_MIN_MACS;
    // Broadcast batches and non-float products stay on the stock kernel.
    if (alreadyFast || tinyBatched || batchA !== batchB || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stockFunc({ inputs, backend, attrs });
    }
    const wasm = backend as BackendWasm;
    const temporaries: TensorInfo[] = [];
    const keep = (t: TensorInfo): TensorInfo => {
      temporaries.push(t);
      return t;
    };
    const reshapeTo = (x: TensorInfo, shape: number[]): TensorInfo => asInfo(reshapeFunc({ inputs: { x }, backend, attrs: { shape } }));
    const swapLastTwo = (x: TensorInfo): TensorInfo =>
      asInfo(transposeFunc({ inputs: { x }, backend, attrs: { perm: [0, 2, 1] } }));

    const [rowsA, colsA] = a.shape.slice(-2);
    const [rowsB, colsB] = b.shape.slice(-2);
    let a3 = keep(reshapeTo(a, [batchA, rowsA, colsA]));
    let b3 = keep(reshapeTo(b, [batchB, rowsB, colsB]));
    if (transposeA) a3 = keep(swapLastTwo(a3));
    if (transposeB) b3 = keep(swapLastTwo(b3));
    const m = a3.shape[1];
    const k = a3.shape[2];
    const n = b3.shape[2];
    const outShape = [...a.shape.slice(0, -2), m, n];
    const plain = { transposeA: false, transposeB: false };

    let out: TensorInfo;
    if (batchA === 1) {
      const product = keep(asInfo(stockFunc({ inputs: { a: a3, b: b3 }, backend, attrs: plain })));
      out = reshapeTo(product, outShape);
    } else {
      out = wasm.makeOutput(outShape, 'float32');
      // Re-read the heap views every time: any allocation may grow (and move) the heap.
      const heap = (t: TensorInfo): Float32Array => wasm.typedArrayFromHeap(t) as Float32Array;
      for (let i = 0; i < batchA; i++) {
        const ai = wasm.makeOutput([1, m, k], 'float32');
        const bi = wasm.makeOutput([1, k, n], 'float32');
        heap(ai).set(heap(a3).subarray(i * m * k, (i + 1) * m * k));
        heap(bi).set(heap(b3).subarray(i * k * n, (i + 1) * k * n));
        const oi = asInfo(stockFunc({ inputs: { a: ai, b: bi }, backend, attrs: plain }));
        heap(out).set(heap(oi), i * m * n);
        wasm.disposeData(ai.dataId);
        wasm.disposeData(bi.dataId);
        wasm.disposeData(oi.dataId);
      }
    }
    // Each TensorInfo made here holds one reference (reshape shares and counts the data id).
    for (const t of temporaries) wasm.disposeData(t.dataId);
    return out;
  };
}
