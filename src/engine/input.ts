/**
 * The model's single graph input and how a dataset's samples are shaped to it: shared by every
 * runner of a model over a dataset (ANN evaluation, calibration statistics, SNN simulation).
 */
import { fitToInput } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { concreteInputDims } from '../graph/infer.js';
import type { Model } from '../graph/types.js';

/** The model's single input and the per-sample dims the dataset must be reshaped to. */
export function inputSpec(model: Model, ds: Dataset): { name: string; sampleDims: readonly number[] } {
  if (model.graph.inputs.length !== 1) {
    throw new Onnx2SnnError(
      ErrorCodes.SHAPE,
      `${model.source ?? 'model'}: expected one graph input, found ${model.graph.inputs.length} (${model.graph.inputs.map((i) => i.name).join(', ')})`,
      {
        file: model.source,
        expected: 1,
        actual: model.graph.inputs.length,
      },
    );
  }
  const name = model.graph.inputs[0]!.name;
  const dims = concreteInputDims(model, name, 1);
  return { name, sampleDims: fitToInput(ds, dims) };
}
