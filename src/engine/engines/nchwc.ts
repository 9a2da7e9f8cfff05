/**
 * onnxruntime (CPU) running the emitted file lowered to its blocked NCHWc layout
 * (src/engine/nchwc.ts): the Loop body's convolutions and neurons on blocked tensors, without the
 * per-convolution layout reorders onnxruntime's own optimiser inserts. Same kernels, same float32
 * operations: spike counts and readouts are the plain file's (test/engine/nchwc.test.ts). Where
 * onnxruntime has no nchwc kernels (non-x86 builds) it runs the plain file; CPU only.
 *
 * No estimate for `--engine auto`: the saving (the reorders around the blocked convolutions) is a
 * few per cent at most and moves with the machine (README "Speed", issue 11), so auto does not bid
 * it from shapes; it times the same lowering as the arrangement candidate `nchwc`
 * (src/engine/arrangements.ts) and runs it where that measures faster.
 */
import type { Model } from '../../graph/types.js';
import { lowerNchwc, type NchwcLowering } from '../nchwc.js';
import { nchwcBlockSize } from '../nchwc-probe.js';
import type { SnnEngine } from './types.js';

const lowered = new WeakMap<Model, NchwcLowering>();
function lower(file: Model, block: number): NchwcLowering {
  let l = lowered.get(file);
  if (!l) lowered.set(file, (l = lowerNchwc(file, block)));
  return l;
}

export const nchwcEngine: SnnEngine = {
  id: 'nchwc',
  summary:
    'onnxruntime (CPU) running the file lowered to its blocked NCHWc layout (no per-convolution reorders); the plain file where there are no nchwc kernels',
  unavailable: (_input, opts) => (opts.device && opts.device !== 'cpu' ? `it runs on the CPU only, not --device ${opts.device}` : undefined),
  async simulate(input, ds, opts) {
    const { simulateOrt } = await import('../ort-run.js');
    const block = await nchwcBlockSize(opts.device);
    // a session on the plain file does not run the lowered one
    const { session: _plain, ...rest } = opts;
    return simulateOrt(block ? lower(input.file, block).model : input.file, ds, rest);
  },
};
