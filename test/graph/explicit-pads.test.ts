/**
 * src/graph/passes/explicit-pads.ts: a Conv with SAME padding and dilations, which onnxruntime's CPU
 * Conv refuses, runs after canonicalisation and gives what the op rule (the spec's padding) gives.
 */
import { describe, expect, it } from 'vitest';
import { findRule } from '../../converters/registry.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import { A } from '../../src/graph/attrs.js';
import { expectClose, makeModel, randomTensor, runOrt } from '../helpers/ort.js';

describe('explicit pads for SAME + dilations', () => {
  for (const [autoPad, dims, kernel, dil, strides] of [
    ['SAME_LOWER', [2, 2, 9, 8], [3, 3], [2, 2], [2, 2]],
    ['SAME_UPPER', [1, 1, 10], [3], [3], [1]],
  ] as const) {
    it(`${autoPad}, dilations ${dil.join('×')}, strides ${strides.join('×')}`, async () => {
      const x = randomTensor(dims, 3);
      const w = randomTensor([dims[1], dims[1], ...kernel], 4);
      const attrs = { auto_pad: A.string(autoPad), dilations: A.ints(dil), strides: A.ints(strides) };
      const node = { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs };
      const m = makeModel(13, {
        nodes: [node],
        inputs: [{ name: 'x', dtype: 'float32', shape: ['N', ...dims.slice(1)] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: new Map([['w', w]]),
      });
      const c = canonicalize(m);
      const conv = c.graph.nodes.find((n) => n.opType === 'Conv')!;
      expect(conv.attrs['auto_pad']).toBeUndefined();
      expect(conv.attrs['pads']?.kind).toBe('ints');
      const [ort] = await runOrt(c, { x });
      const [ref] = findRule('Conv', 13)!.evaluate(node, [x, w], { opset: 13 });
      expectClose(ort!, ref!);
    });
  }
});
