/**
 * The op table itself: every entry is complete and consistent (schema, roles, lowerings), the
 * schemas accept every node of the bundled models as exported, name every problem of a malformed
 * node, and the attributes are parsed once per node.
 */
import { describe, expect, it } from 'vitest';
import { allOps, findRule, opFor, ruleFor, supportedOps } from '../../converters/registry.js';
import { schemaProblems } from '../../converters/schema.js';
import { SNN_DOMAIN } from '../../converters/types.js';
import { A } from '../../src/graph/attrs.js';
import type { Node } from '../../src/graph/types.js';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';

const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, domain = ''): Node => ({
  name: `${opType}_n`,
  opType,
  domain,
  inputs,
  outputs,
  attrs,
});

describe('every entry', () => {
  for (const e of allOps())
    it(`${e.domain || 'ai.onnx'}.${e.opType} since ${e.sinceOpset ?? 1}: schema, roles and lowerings fit together`, () => {
      const [imin, imax] = e.schema.inputs;
      expect(imin).toBeLessThanOrEqual(imax);
      expect(e.schema.outputs[0]).toBeLessThanOrEqual(e.schema.outputs[1]);
      const r = e.spiking;
      if (r.kind === 'site') expect(r.cap).toBeTypeOf('function');
      if (r.kind === 'spiking') expect(findRule(r.spikingOp!, e.sinceOpset ?? 1, SNN_DOMAIN), r.spikingOp).toBeDefined();
      // a linear op must say how spike events cross it (or count them, as a weighted layer)
      if (r.kind === 'linear') expect(e.synops?.carry !== undefined || e.synops?.weighted === true).toBe(true);
      for (const p of r.dynamicInputs ?? []) expect(p).toBeLessThan(imax);
      if (e.synops?.weighted) expect(e.macs).toBeTypeOf('function');
      if (e.synops?.carry === 'window-sum') expect(e.synops.window).toBeTypeOf('function');
      // the project's own ops have state: every simulator and the emitted file must lower them
      if (e.domain === SNN_DOMAIN) {
        expect(e.lower.reference).toBeTypeOf('function');
        expect(e.lower.onnx).toBeTypeOf('function');
        expect(e.lower.tfjsStateful).toBeTypeOf('function');
        expect(e.lower.nir).toBeTypeOf('function');
      }
    });
});

describe('lookup', () => {
  it('picks the version of the opset, and keeps the project ops out of imported graphs', () => {
    expect(findRule('Softmax', 12)!.sinceOpset).toBe(1);
    expect(findRule('Softmax', 13)!.sinceOpset).toBe(13);
    expect(findRule('Clip', 5)).toBeUndefined();
    const spiking = node('SpikingMaxPool', ['x'], ['y'], { kernel_shape: A.ints([2, 2]) }, SNN_DOMAIN);
    expect(ruleFor(spiking, 13)).toBeUndefined();
    expect(opFor(spiking, 13)!.sinceOpset).toBe(10);
    expect(opFor(spiking, 9)!.sinceOpset).toBe(1);
    expect(opFor({ ...node('Relu', ['x'], ['y']), domain: 'ai.onnx' }, 13)!.opType).toBe('Relu');
    expect(supportedOps()).toContain('Conv');
    expect(supportedOps()).not.toContain('IF');
  });

  it('parses attributes once per node', () => {
    const conv = findRule('Conv', 13)!;
    const n = node('Conv', ['x', 'w'], ['y'], { strides: A.ints([2, 2]), group: A.int(1) });
    const a = conv.parseAttributes(n);
    expect(conv.parseAttributes(n)).toBe(a);
    expect(a).toMatchObject({ strides: [2, 2], group: 1, autoPad: 'NOTSET' });
  });
});

describe('schemas', () => {
  for (const bm of BUNDLED_MODELS)
    it(`accept every node of ${bm.id} as exported`, () => {
      const m = loadOnnxFile(bm.file);
      const problems = m.graph.nodes.flatMap((n) => schemaProblems(n, ruleFor(n, m.opset)!));
      expect(problems).toEqual([]);
    });

  it('name every problem of a malformed node', () => {
    const bad = node('MaxPool', ['x', 'extra'], [''], { strides: A.float(2), kernel: A.ints([2]) });
    expect(schemaProblems(bad, findRule('MaxPool', 13)!)).toEqual([
      'node "MaxPool_n" (MaxPool): 2 inputs, expected 1',
      'node "MaxPool_n" (MaxPool): 0 outputs, expected 1 to 2',
      'node "MaxPool_n" (MaxPool): output 0 is required',
      'node "MaxPool_n" (MaxPool): attribute strides is float, expected ints',
      'node "MaxPool_n" (MaxPool): unknown attribute kernel',
      'node "MaxPool_n" (MaxPool): required attribute kernel_shape is missing',
    ]);
    // attributes of a later opset, and an omitted required input
    expect(schemaProblems(node('Reshape', ['x', ''], ['y'], { allowzero: A.int(1) }), findRule('Reshape', 13)!)).toEqual([
      'node "Reshape_n" (Reshape): 1 inputs, expected 2',
      'node "Reshape_n" (Reshape): input 1 is required',
      'node "Reshape_n" (Reshape): unknown attribute allowzero',
    ]);
    // integral floats written as ints are fine; variadic inputs
    expect(schemaProblems(node('Gemm', ['a', 'b'], ['y'], { alpha: A.int(1) }), findRule('Gemm', 13)!)).toEqual([]);
    expect(schemaProblems(node('Concat', ['a', 'b', 'c', 'd'], ['y'], { axis: A.int(1) }), findRule('Concat', 13)!)).toEqual([]);
  });
});
