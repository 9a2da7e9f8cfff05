/**
 * The canonical pipeline: the ANN graph every later stage (engine, calibration, conversion) sees.
 * Each pass is a pure (m) => m.
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { pruneDeadNodes } from '../graph.js';
import { inferShapes } from '../infer.js';
import type { Model } from '../types.js';
import { dequantizeModel, type DequantizeOptions } from './dequantize.js';
import { explicitPads } from './explicit-pads.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldConstants } from './fold-constants.js';
import { generaliseBatch } from './generalise-batch.js';
import { removeIdentities } from './remove-identities.js';

export { dequantizeModel, explicitPads, foldBatchNorm, foldConstants, generaliseBatch, removeIdentities };
export { ACTIVATION_QUANT_MODES, quantizationInfo, type ActivationQuant, type DequantizeOptions, type QuantizationInfo } from './dequantize.js';

/** Options of the import passes. */
export type ImportOptions = DequantizeOptions;

export type Pass = (m: Model) => Model;

export const CANONICAL_PASSES: readonly [string, Pass][] = [
  ['fold-constants', foldConstants],
  ['remove-identities', removeIdentities],
  ['fold-batchnorm', foldBatchNorm],
  ['fold-constants', foldConstants],
  ['generalise-batch', generaliseBatch],
  ['explicit-pads', explicitPads],
];

/** Passes that turn a file's graph into one of ops we have rules for (quantized ops → float ops); before the support check. */
export const IMPORT_PASSES: readonly [string, (m: Model, opts?: ImportOptions) => Model][] = [['dequantize', dequantizeModel]];

/** The file's graph after the import passes (what `inspect` checks for unsupported ops). */
export function importModel(m: Model, opts: ImportOptions = {}): Model {
  let out = m;
  for (const [, pass] of IMPORT_PASSES) out = pass(out, opts);
  return out;
}

/**
 * Applies the import passes, checks every op is supported (listing all unsupported ones at once),
 * then applies the passes.
 */
export function canonicalize(m: Model, opts: ImportOptions = {}): Model {
  let out = importModel(m, opts);
  inferShapes(out, { strict: true });
  for (const [, pass] of CANONICAL_PASSES) out = pass(out);
  const g = pruneDeadNodes(out.graph);
  // an output that folds to a constant does not depend on the input: nothing to calibrate or simulate
  const produced = new Set(g.nodes.flatMap((n) => n.outputs));
  const constant = g.outputs.filter((o) => !produced.has(o.name)).map((o) => o.name);
  if (constant.length) {
    throw new Onnx2SnnError(
      ErrorCodes.GRAPH,
      `${m.source ?? 'model'}: graph output ${constant.map((c) => `"${c}"`).join(', ')} does not depend on the graph input (it folds to a constant)`,
      {
        file: m.source,
        outputs: constant,
      },
    );
  }
  return { ...out, graph: g };
}
