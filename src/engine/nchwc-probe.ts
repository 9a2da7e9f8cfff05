/**
 * The machine's NCHWc block size, from onnxruntime itself: a one-node model ReorderInput's a
 * [1, 4, 1, 1] tensor, whose output has the block's channel count (MLAS pads to 8 with AVX2, 16
 * with AVX512F). undefined where the provider has no nchwc kernels (non-x86 builds, another
 * execution provider), so the engine runs the plain file there.
 */
import type { Model } from '../graph/types.js';
import { type Device, OrtSession } from './ort.js';
import { NCHWC_DOMAIN } from './nchwc.js';

/** A one-node model that ReorderInput's an input of `dims` (also what the tests compare the blocked constant order with). */
export const reorderInputModel = (dims: number[]): Model => ({
  graph: {
    name: 'nchwc_reorder',
    nodes: [{ name: 'reorder', opType: 'ReorderInput', domain: NCHWC_DOMAIN, inputs: ['x'], outputs: ['y'], attrs: {} }],
    inputs: [{ name: 'x', dtype: 'float32', shape: dims }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: new Map(),
    valueInfo: new Map(),
  },
  irVersion: 8,
  opset: 17,
  otherOpsets: { [NCHWC_DOMAIN]: 1 },
  producerName: 'onnx2snn',
  producerVersion: '0',
  metadata: {},
  source: 'nchwc block probe',
});

let cached: Promise<number | undefined> | undefined;

/** The block size of onnxruntime's nchwc kernels on this machine (cpu only; probed once). */
export function nchwcBlockSize(device: Device = 'cpu'): Promise<number | undefined> {
  if (device !== 'cpu') return Promise.resolve(undefined);
  cached ??= (async () => {
    try {
      const s = await OrtSession.create(reorderInputModel([1, 4, 1, 1]), { threads: 1 });
      const y = (await s.run({ x: { data: new Float32Array(4), dims: [1, 4, 1, 1] } }))['y']!;
      await s.release();
      const b = y.dims[1]!;
      return b >= 4 && (b & (b - 1)) === 0 ? b : undefined;
    } catch {
      return undefined;
    }
  })();
  return cached;
}
