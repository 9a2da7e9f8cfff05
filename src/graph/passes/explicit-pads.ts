/**
 * Conv with auto_pad SAME_UPPER/SAME_LOWER and dilations ≠ 1 gets its padding written out: the
 * ONNX spec pads for the dilated kernel (total = (out − 1)·s + (k − 1)·d + 1 − in, the odd pixel
 * at the end for UPPER, at the start for LOWER), which our rule computes, but onnxruntime's CPU
 * Conv refuses the combination at run time ("Dilation not supported for AutoPadType::SAME_*").
 * The pads do not depend on the batch size, so one inference at batch 1 gives them.
 */
import { findRule } from '../../../converters/registry.js';
import { windowGeometry, type WindowAttrs } from '../../../converters/spatial.js';
import type { Attr, Model, Node } from '../types.js';
import { inferShapes } from '../infer.js';

function needsPads(n: Node): boolean {
  const pad = n.attrs['auto_pad'];
  const dil = n.attrs['dilations'];
  return (
    n.opType === 'Conv' && n.domain === '' && pad?.kind === 'string' && pad.value.startsWith('SAME') && dil?.kind === 'ints' && dil.value.some((d) => d !== 1)
  );
}

export function explicitPads(m: Model): Model {
  if (!m.graph.nodes.some(needsPads)) return m;
  const values = inferShapes(m, { batch: 1 }).values;
  const rule = findRule('Conv', m.opset)!;
  const nodes = m.graph.nodes.map((n) => {
    if (!needsPads(n)) return n;
    const x = values.get(n.inputs[0]!);
    const w = values.get(n.inputs[1]!);
    if (!x || !w) return n;
    const g = windowGeometry(n, x.dims.slice(2), w.dims.slice(2), rule.parseAttributes(n) as WindowAttrs, false);
    const { auto_pad: _drop, ...rest } = n.attrs;
    void _drop;
    const attrs: Record<string, Attr> = { ...rest, pads: { kind: 'ints', value: [...g.padsBegin, ...g.padsEnd] } };
    return { ...n, attrs };
  });
  return { ...m, graph: { ...m.graph, nodes } };
}
