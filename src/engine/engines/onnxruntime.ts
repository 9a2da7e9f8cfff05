/**
 * onnxruntime running the emitted file (a Loop over T, src/snn/emit.ts): the reference for speed
 * and spike counts. Its arrangement (where counts come from, steps per Loop iteration) was chosen
 * when the file was written (src/snn/arrangement.ts) and is reported with the result.
 */
import type { SnnEngine } from './types.js';

export const onnxruntimeEngine: SnnEngine = {
  id: 'onnxruntime',
  summary: 'onnxruntime running the emitted .snn.onnx (a Loop over T), on --device cpu, cuda or webgpu',
  unavailable: () => undefined,
  // the unit the other engines' estimates are measured in
  estimate: () => 1,
  async simulate(input, ds, opts) {
    const { simulateOrt } = await import('../ort-run.js');
    return simulateOrt(input.file, ds, opts);
  },
};
