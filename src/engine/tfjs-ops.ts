/**
 * The TensorFlow.js backend's setup and its evaluation of standard ops (the `tfjs` lowerings of
 * the op table, NCHW kept throughout), shared by the tfjs simulation engine (src/engine/tfjs.ts)
 * and the fine-tuning of neurons (calibration/finetune.ts, which differentiates through them).
 */
import * as tf from '@tensorflow/tfjs';
import { unsupportedInTfjs } from '../../converters/backends/tfjs.js';
import type { TfjsContext } from '../../converters/backends/types.js';
import { opFor } from '../../converters/registry.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';

export type TfjsBackend = 'cpu' | 'wasm' | 'webgpu' | 'tensorflow';

const ready = new Map<string, Promise<void>>();

/**
 * Selects a tfjs backend once: 'cpu' (pure JavaScript, always there), 'tensorflow' (libtensorflow
 * through @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, optional peers the user installs),
 * 'wasm' / 'webgpu' (@tensorflow/tfjs-backend-wasm / -webgpu, optional peers).
 */
export function tfjsReady(backend: TfjsBackend): Promise<void> {
  let p = ready.get(backend);
  if (!p) {
    p = (async () => {
      tf.env().set('PROD', true); // no console banners from a library
      const load = async (names: string[]): Promise<void> => {
        for (const name of names) {
          try {
            await import(name);
            return;
          } catch {
            // try the next candidate
          }
        }
        throw new Onnx2SnnError(
          ErrorCodes.OPTION,
          `--tfjs-backend ${backend}: install ${names.join(' or ')} (same version as @tensorflow/tfjs, ${tf.version.tfjs}); see the README, "Engines and devices"`,
          {
            option: 'tfjs-backend',
            actual: backend,
          },
        );
      };
      if (backend === 'tensorflow') await load(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      if (backend === 'wasm') await load(['@tensorflow/tfjs-backend-wasm']);
      if (backend === 'webgpu') await load(['@tensorflow/tfjs-backend-webgpu']);
      if (!(await tf.setBackend(backend))) {
        throw new Onnx2SnnError(ErrorCodes.OPTION, `--tfjs-backend ${backend}: TensorFlow.js could not start this backend here`, {
          option: 'tfjs-backend',
          actual: backend,
        });
      }
    })();
    ready.set(backend, p);
  }
  return p.then(() => {
    if (tf.getBackend() !== backend) void tf.setBackend(backend);
  });
}

export { unsupportedInTfjs } from '../../converters/backends/tfjs.js';

/** Evaluates one standard node on tfjs tensors with its op's `tfjs` lowering (NCHW kept throughout). */
export function evalNode(n: Node, ins: (tf.Tensor | undefined)[], consts: Map<string, tf.Tensor>, snn: SnnModel, raw: ReadonlyMap<string, Tensor>): tf.Tensor {
  const entry = opFor(n, snn.ann.opset);
  if (!entry?.lower.tfjs) throw unsupportedInTfjs(n, 'is not supported on the TensorFlow.js path');
  const ctx: TfjsContext = {
    tf,
    input(i) {
      const t = ins[i] ?? consts.get(n.inputs[i]!);
      if (!t) throw unsupportedInTfjs(n, `input ${i} is missing`);
      return t;
    },
    constant: (name) => raw.get(name),
    outDims: (name) => [ins[0]!.shape[0]!, ...(snn.dims.get(name) ?? [])],
  };
  return entry.lower.tfjs(n, entry.parseAttributes(n), ins, ctx);
}
