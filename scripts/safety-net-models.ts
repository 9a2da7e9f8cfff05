/**
 * Two small synthetic networks for the safety net (scripts/safety-net.ts) that reach the ops the
 * bundled models do not: BatchNormalization after a ReLU (kept as Mul+Add), a spiking max pool
 * over an analog signal and over the input, ReLU6, Transpose, Pad, Slice, grouped Conv, Concat,
 * AveragePool, a spiking GlobalMaxPool, Squeeze, Div, Sub, Gather, Unsqueeze, Reshape, a final
 * Softmax. Seeded random weights; the calibration data is seeded uniform noise.
 */
import { A } from '../src/graph/attrs.js';
import { canonicalize } from '../src/graph/passes/index.js';
import { float32, int64 } from '../src/graph/tensor.js';
import type { Model, Node, Tensor } from '../src/graph/types.js';
import type { InMemoryDataset as Dataset } from '../src/data/types.js';
import { prepareForConversion } from '../src/snn/prepare.js';
import { mulberry32 } from '../src/util/random.js';

function rand(dims: readonly number[], seed: number, lo = -1, hi = 1): Tensor {
  const r = mulberry32(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return float32(
    dims,
    Array.from({ length: n }, () => lo + (hi - lo) * r()),
  );
}

function nd(opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node {
  return { name: `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attrs };
}

function model(nodes: Node[], input: [string, number[]], output: [string, number[]], inits: Record<string, Tensor>): Model {
  return prepareForConversion(
    canonicalize({
      graph: {
        name: 'safety',
        nodes,
        inputs: [{ name: input[0], dtype: 'float32', shape: ['N', ...input[1]] }],
        outputs: [{ name: output[0], dtype: 'float32', shape: ['N', ...output[1]] }],
        initializers: new Map(Object.entries(inits)),
        valueInfo: new Map(),
      },
      irVersion: 8,
      opset: 13,
      otherOpsets: {},
      producerName: 'safety-net',
      producerVersion: '0',
      metadata: {},
      source: 'synthetic',
    }),
  );
}

/** x [N,2,6,6] through the routing and pooling ops to y [N,5]. */
export function syntheticA(): Model {
  return model(
    [
      nd('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: A.ints([1, 1, 1, 1]) }),
      nd('Relu', ['c1'], ['r1']),
      nd('BatchNormalization', ['r1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn']),
      nd('MaxPool', ['bn'], ['mp'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }),
      nd('Transpose', ['mp'], ['tp'], { perm: A.ints([0, 1, 3, 2]) }),
      nd('Clip', ['tp', 'zero', 'six'], ['t']),
      nd('Pad', ['t', 'pads'], ['pd']),
      nd('Slice', ['pd', 'starts', 'ends', 'axes'], ['sl']),
      nd('Conv', ['sl', 'w2'], ['c2'], { group: A.int(2) }),
      nd('Relu', ['c2'], ['r2']),
      nd('Concat', ['r2', 'sl'], ['cat'], { axis: A.int(1) }),
      nd('AveragePool', ['cat'], ['ap'], { kernel_shape: A.ints([2, 2]) }),
      nd('GlobalMaxPool', ['ap'], ['g']),
      nd('Relu', ['g'], ['r3']),
      nd('Squeeze', ['r3', 'sq_axes'], ['sq']),
      nd('Div', ['sq', 'two'], ['dv']),
      nd('Sub', ['dv', 'off'], ['sb']),
      nd('Gemm', ['sb', 'wg', 'bg'], ['y'], { transB: A.int(1), alpha: A.float(0.5) }),
    ],
    ['x', [2, 6, 6]],
    ['y', [5]],
    {
      w1: rand([4, 2, 3, 3], 1),
      b1: rand([4], 2, 0, 0.2),
      bn_s: rand([4], 3, 0.5, 1.5),
      bn_b: rand([4], 4, -0.1, 0.1),
      bn_m: rand([4], 5, 0, 0.3),
      bn_v: rand([4], 6, 0.5, 1.5),
      zero: float32([], [0]),
      six: float32([], [6]),
      pads: int64([8], [0, 0, 1, 1, 0, 0, 1, 1]),
      starts: int64([2], [1, 1]),
      ends: int64([2], [4, 4]),
      axes: int64([2], [2, 3]),
      w2: rand([4, 2, 1, 1], 7),
      sq_axes: int64([2], [2, 3]),
      two: float32([], [2]),
      off: float32(
        [8],
        Array.from({ length: 8 }, (_, i) => i / 20),
      ),
      wg: rand([5, 8], 8),
      bg: rand([5], 9),
    },
  );
}

/** x [N,1,4,4]: a max pool over the input, Gather, Unsqueeze, Reshape, a final Softmax. */
export function syntheticB(): Model {
  return model(
    [
      nd('MaxPool', ['x'], ['mp'], { kernel_shape: A.ints([2, 2]), strides: A.ints([1, 1]) }),
      nd('Flatten', ['mp'], ['f']),
      nd('Gemm', ['f', 'w1', 'b1'], ['h']),
      nd('Relu', ['h'], ['r']),
      nd('Gather', ['r', 'idx'], ['gt'], { axis: A.int(1) }),
      nd('Unsqueeze', ['gt', 'us_axes'], ['us']),
      nd('Reshape', ['us', 'shape'], ['rs']),
      nd('MatMul', ['rs', 'w2'], ['z']),
      nd('Softmax', ['z'], ['y'], { axis: A.int(1) }),
    ],
    ['x', [1, 4, 4]],
    ['y', [3]],
    {
      w1: rand([9, 8], 11),
      b1: rand([8], 12, 0, 0.3),
      idx: int64([5], [0, 2, 4, 6, 1]),
      us_axes: int64([1], [2]),
      shape: int64([2], [0, 5]),
      w2: rand([5, 3], 13),
    },
  );
}

/** x [N,2,6,6]: what NIR can express — constant bias folding, AveragePool, a grouped Conv, a residual Add, Scale, a folded Sub. */
export function syntheticC(): Model {
  return model(
    [
      nd('Conv', ['x', 'w1'], ['c1'], { pads: A.ints([1, 1, 1, 1]) }),
      nd('Add', ['c1', 'b1'], ['c1b']),
      nd('Relu', ['c1b'], ['r1']),
      nd('AveragePool', ['r1'], ['ap'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }),
      nd('Conv', ['ap', 'w2', 'b2'], ['c2'], { group: A.int(2) }),
      nd('Relu', ['c2'], ['r2']),
      nd('Add', ['r2', 'ap'], ['res']),
      nd('Relu', ['res'], ['r3']),
      nd('GlobalAveragePool', ['r3'], ['gap']),
      nd('Flatten', ['gap'], ['f']),
      nd('Mul', ['f', 'half'], ['fm']),
      nd('Gemm', ['fm', 'wg', 'bg'], ['h']),
      nd('Relu', ['h'], ['r4']),
      nd('MatMul', ['r4', 'wo'], ['z']),
      nd('Sub', ['z', 'zo'], ['y']),
    ],
    ['x', [2, 6, 6]],
    ['y', [3]],
    {
      w1: rand([4, 2, 3, 3], 21),
      b1: rand([1, 4, 1, 1], 22, 0, 0.2),
      w2: rand([4, 2, 1, 1], 23),
      b2: rand([4], 24, 0, 0.2),
      half: float32([], [0.5]),
      wg: rand([4, 6], 25),
      bg: rand([6], 26, 0, 0.2),
      wo: rand([6, 3], 27),
      zo: float32([3], [0.1, -0.2, 0.3]),
    },
  );
}

/** x [N,2,6,6]: what the tfjs engine runs — ReLU6, AveragePool, Transpose, Concat, a spiking max and global max pool over neurons, Squeeze, Div, Sub, Gemm with alpha/transB. */
export function syntheticD(): Model {
  return model(
    [
      nd('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: A.ints([1, 1, 1, 1]) }),
      nd('Clip', ['c1', 'zero', 'six'], ['r1']),
      nd('MaxPool', ['r1'], ['mp'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }),
      nd('Conv', ['mp', 'w2'], ['c2']),
      nd('Relu', ['c2'], ['r2']),
      nd('Transpose', ['r2'], ['t'], { perm: A.ints([0, 1, 3, 2]) }),
      nd('Concat', ['t', 'mp'], ['cat'], { axis: A.int(1) }),
      nd('AveragePool', ['cat'], ['ap'], { kernel_shape: A.ints([2, 2]), strides: A.ints([1, 1]) }),
      nd('Relu', ['ap'], ['r3']),
      nd('GlobalMaxPool', ['r3'], ['g']),
      nd('Squeeze', ['g', 'sq_axes'], ['sq']),
      nd('Div', ['sq', 'two'], ['dv']),
      nd('Sub', ['dv', 'off'], ['sb']),
      nd('Gemm', ['sb', 'wg', 'bg'], ['y'], { transB: A.int(1), alpha: A.float(0.5), beta: A.float(2) }),
    ],
    ['x', [2, 6, 6]],
    ['y', [5]],
    {
      w1: rand([4, 2, 3, 3], 31),
      b1: rand([4], 32, 0, 0.2),
      zero: float32([], [0]),
      six: float32([], [6]),
      w2: rand([4, 4, 1, 1], 33),
      sq_axes: int64([2], [2, 3]),
      two: float32([], [2]),
      off: float32(
        [8],
        Array.from({ length: 8 }, (_, i) => i / 20),
      ),
      wg: rand([5, 8], 34),
      bg: rand([5], 35),
    },
  );
}

/** Seeded uniform [0, 1) samples shaped like the model's input. */
export function noise(sampleShape: readonly number[], count: number, seed: number): Dataset {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  const r = mulberry32(seed);
  const x = Float32Array.from({ length: count * per }, () => r());
  return { source: `noise-${seed}`, format: 'synthetic', count, sampleShape, x, labels: new Int32Array(count) };
}
