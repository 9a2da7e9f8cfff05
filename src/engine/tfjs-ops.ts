/**
 * The ANN ops of a converted network on TensorFlow.js tensors (NCHW kept throughout), shared by
 * the tfjs simulation engine (src/engine/tfjs.ts) and the fine-tuning of neurons
 * (calibration/finetune.ts, which differentiates through them).
 */
import * as tf from '@tensorflow/tfjs';
import { windowGeometry } from '../../converters/spatial.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { attrFloat, attrInt, attrInts } from '../graph/attrs.js';
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
        throw new Onnx2SnnError(ErrorCodes.OPTION, `--tfjs-backend ${backend}: install ${names.join(' or ')} (same version as @tensorflow/tfjs, ${tf.version.tfjs}); see the README, "Engines and devices"`, {
          option: 'tfjs-backend',
          actual: backend,
        });
      };
      if (backend === 'tensorflow') await load(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      if (backend === 'wasm') await load(['@tensorflow/tfjs-backend-wasm']);
      if (backend === 'webgpu') await load(['@tensorflow/tfjs-backend-webgpu']);
      if (!(await tf.setBackend(backend))) {
        throw new Onnx2SnnError(ErrorCodes.OPTION, `--tfjs-backend ${backend}: TensorFlow.js could not start this backend here`, { option: 'tfjs-backend', actual: backend });
      }
    })();
    ready.set(backend, p);
  }
  return p.then(() => {
    if (tf.getBackend() !== backend) void tf.setBackend(backend);
  });
}

export const unsupportedInTfjs = (n: Node, why: string): Onnx2SnnError =>
  new Onnx2SnnError(ErrorCodes.OPTION, `tfjs: ${n.opType} "${n.name}" ${why}`, { node: n.name, op: n.opType });

/** Evaluates one standard node on tfjs tensors (NCHW kept throughout). */
export function evalNode(n: Node, ins: (tf.Tensor | undefined)[], consts: Map<string, tf.Tensor>, snn: SnnModel, raw: ReadonlyMap<string, Tensor>): tf.Tensor {
  const x = ins[0]!;
  const batch = x.shape[0]!;
  const outDims = (name: string) => [batch, ...(snn.dims.get(name) ?? [])];
  const c = (i: number): tf.Tensor => {
    const t = ins[i] ?? consts.get(n.inputs[i]!);
    if (!t) throw unsupportedInTfjs(n, `input ${i} is missing`);
    return t;
  };
  switch (n.opType) {
    case 'Add': return tf.add(c(0), c(1));
    case 'Sub': return tf.sub(c(0), c(1));
    case 'Mul': return tf.mul(c(0), c(1));
    case 'Div': return tf.div(c(0), c(1));
    case 'Identity':
    case 'Dropout': return x;
    case 'Flatten':
    case 'Reshape':
    case 'Squeeze':
    case 'Unsqueeze': return tf.reshape(x, outDims(n.outputs[0]!));
    case 'Transpose': return tf.transpose(x, [...attrInts(n, 'perm', [...x.shape.keys()].reverse())]);
    case 'Concat': return tf.concat(n.inputs.map((_, i) => c(i)), attrInt(n, 'axis', 1));
    case 'MatMul': return tf.matMul(c(0), c(1));
    case 'Gemm': {
      const y = tf.mul(tf.matMul(c(0), c(1), attrInt(n, 'transA', 0) === 1, attrInt(n, 'transB', 0) === 1), attrFloat(n, 'alpha', 1));
      return n.inputs[2] ? tf.add(y, tf.mul(c(2), attrFloat(n, 'beta', 1))) : y;
    }
    case 'Conv': {
      if (attrInt(n, 'group', 1) !== 1) throw unsupportedInTfjs(n, 'has groups; the TensorFlow.js path supports group = 1');
      const w = raw.get(n.inputs[1]!);
      if (!w) throw unsupportedInTfjs(n, 'has non-constant weights');
      const g = windowGeometry(n, x.shape.slice(2), w.dims.slice(2), { ceilMode: false, allowDilations: true, pool: false });
      const nhwc = tf.transpose(x, [0, 2, 3, 1]);
      const padded = tf.pad(nhwc, [[0, 0], [g.padsBegin[0]!, g.padsEnd[0]!], [g.padsBegin[1]!, g.padsEnd[1]!], [0, 0]]);
      const filt = tf.transpose(c(1), [2, 3, 1, 0]) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(padded as tf.Tensor4D, filt, [g.strides[0]!, g.strides[1]!], 'valid', 'NHWC', [g.dilations[0]!, g.dilations[1]!]);
      if (n.inputs[2]) y = tf.add(y, c(2));
      return tf.transpose(y, [0, 3, 1, 2]);
    }
    case 'AveragePool': {
      const k = attrInts(n, 'kernel_shape', []);
      const g = windowGeometry(n, x.shape.slice(2), k, { ceilMode: attrInt(n, 'ceil_mode', 0) === 1, allowDilations: false, pool: true });
      if ([...g.padsBegin, ...g.padsEnd].some((p) => p !== 0)) throw unsupportedInTfjs(n, 'is padded; the TensorFlow.js path supports unpadded average pools');
      const y = tf.avgPool(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, [k[0]!, k[1]!], [g.strides[0]!, g.strides[1]!], 'valid');
      return tf.transpose(y, [0, 3, 1, 2]);
    }
    case 'GlobalAveragePool': return tf.mean(x, [2, 3], true);
    // the ANN's own nonlinearities (annTfjs: the bench's same-engine baseline)
    case 'Relu': return tf.relu(x);
    case 'Clip': {
      const bound = (i: number, attr: string, dflt: number): number => {
        if (n.attrs[attr]) return attrFloat(n, attr, dflt);
        const t = n.inputs[i] ? raw.get(n.inputs[i]!) : undefined;
        return t ? Number(t.data[0]) : dflt;
      };
      return tf.clipByValue(x, bound(1, 'min', -Infinity), bound(2, 'max', Infinity));
    }
    case 'MaxPool': {
      const k = attrInts(n, 'kernel_shape', []);
      const g = windowGeometry(n, x.shape.slice(2), k, { ceilMode: attrInt(n, 'ceil_mode', 0) === 1, allowDilations: true, pool: true });
      if (g.dilations.some((d) => d !== 1)) throw unsupportedInTfjs(n, 'has dilations');
      const nhwc = tf.pad(tf.transpose(x, [0, 2, 3, 1]), [[0, 0], [g.padsBegin[0]!, g.padsEnd[0]!], [g.padsBegin[1]!, g.padsEnd[1]!], [0, 0]], -Infinity);
      return tf.transpose(tf.maxPool(nhwc as tf.Tensor4D, [k[0]!, k[1]!], [g.strides[0]!, g.strides[1]!], 'valid'), [0, 3, 1, 2]);
    }
    case 'GlobalMaxPool': return tf.max(x, [2, 3], true);
    default:
      throw unsupportedInTfjs(n, 'is not supported on the TensorFlow.js path');
  }
}

