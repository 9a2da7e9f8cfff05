/** A model's identity for the files tied to it (thresholds, shard records): a hash of its graph. */
import { createHash, type Hash } from 'node:crypto';
import type { Attr, Graph, Model, Tensor } from './types.js';

function hashTensor(h: Hash, t: Tensor): void {
  h.update(`${t.dtype}[${t.dims.join(',')}]`);
  h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function hashAttr(h: Hash, a: Attr): void {
  switch (a.kind) {
    case 'tensor':
      h.update('tensor:');
      hashTensor(h, a.value);
      break;
    case 'graph':
      h.update('graph:{');
      hashGraph(h, a.value);
      h.update('}');
      break;
    default:
      h.update(`${a.kind}:${JSON.stringify(a.value)}`);
  }
}

function hashGraph(h: Hash, g: Graph): void {
  h.update(`in:${JSON.stringify(g.inputs.map((i) => [i.name, i.dtype, i.shape ?? null]))}\n`);
  h.update(`out:${JSON.stringify(g.outputs.map((o) => o.name))}\n`);
  for (const n of g.nodes) {
    h.update(`node:${JSON.stringify([n.opType, n.domain, n.inputs, n.outputs])}`);
    for (const k of Object.keys(n.attrs).sort()) {
      h.update(`|${k}=`);
      hashAttr(h, n.attrs[k]!);
    }
    h.update('\n');
  }
  for (const k of [...g.initializers.keys()].sort()) {
    h.update(`init:${k}:`);
    hashTensor(h, g.initializers.get(k)!);
    h.update('\n');
  }
}

/**
 * sha256 (hex) of a model's graph: inputs, outputs, nodes with attributes, and initializers with
 * their values. Node names, metadata and producer are left out. Hash the canonical model (the
 * one calibration ran on) so that a thresholds file is tied to the weights it was computed for.
 */
export function modelHash(model: Model): string {
  const h = createHash('sha256');
  hashGraph(h, model.graph);
  return h.digest('hex');
}
