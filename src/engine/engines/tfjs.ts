/**
 * TensorFlow.js stepping the SNN description (src/engine/tfjs.ts): a second, independent
 * implementation and the autodiff of --finetune. Never chosen by `--engine auto`: its cpu backend
 * is pure JavaScript, hundreds of times slower than onnxruntime (README "Speed").
 */
import type { SnnEngine } from './types.js';

export const tfjsEngine: SnnEngine = {
  id: 'tfjs',
  summary: 'TensorFlow.js stepping the SNN description on --tfjs-backend cpu|wasm|webgpu|tensorflow',
  unavailable: (input, opts) =>
    !input.snn
      ? 'it steps the SNN description, which needs the ANN (eval, or simulateDataset with `snn`)'
      : opts.session
        ? 'an onnxruntime session was given'
        : undefined,
  async simulate(input, ds, opts) {
    const { simulateTfjs } = await import('../tfjs.js');
    return simulateTfjs(input.snn!(), ds, {
      timesteps: opts.timesteps,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.tfjsBackend ? { backend: opts.tfjsBackend } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.onCounts ? { onCounts: opts.onCounts } : {}),
    });
  },
};
