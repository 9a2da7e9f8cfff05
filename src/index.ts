/**
 * onnx2snn: the public library API. Everything a user needs to convert a pretrained ONNX ReLU
 * network into a rate-coded SNN and measure it; the CLI is built on exactly these.
 *
 *   const model = loadModel('model.onnx');
 *   const thresholds = await calibrate(model, loadDataset('train.gz', { scale: 1 / 255, limit: 1000 }));
 *   const { onnx } = convert(model, thresholds);
 *   const result = await compareAnnSnn(model, onnx, loadDataset('test.gz', { scale: 1 / 255 }), { timesteps: [32, 64] });
 */
export { Onnx2SnnError, ErrorCodes, isOnnx2SnnError, type ErrorCode } from './errors.js';
export type { Model, Graph, Node, Tensor, ValueInfo, Attr, DType, Dim } from './graph/types.js';
export { readOnnx, loadOnnxFile } from './onnx/read.js';
export { validateModel } from './graph/validate.js';
export { writeOnnx } from './onnx/write.js';
export {
  canonicalize,
  importModel,
  dequantizeModel,
  quantizationInfo,
  foldConstants,
  removeIdentities,
  foldBatchNorm,
  generaliseBatch,
  CANONICAL_PASSES,
  IMPORT_PASSES,
  type Pass,
  type QuantizationInfo,
} from './graph/passes/index.js';
export { inferShapes } from './graph/infer.js';
export { loadDataset, openDataset, openImageFolder, readSamples, inMemory, fitToInput } from './data/index.js';
/** Ends the image worker threads (idle ones never keep a process alive; for long-lived processes and tests). */
export { closeImagePools } from './data/images/pool.js';
export type { Dataset, InMemoryDataset, Preprocess } from './data/types.js';
export { OrtSession, type Device, type SessionOptions } from './engine/ort.js';
export { evaluateAnn, type AnnOptions, type AnnResult } from './engine/ann.js';
export { inspectModel, type InspectReport } from './eval/inspect.js';
export { compareAnnSnn, type CompareOptions, type CompareResult, type LayerReport, type SnnAtT } from './eval/compare.js';
export type { ProgressEvent, ProgressFn } from './util/progress.js';
export { accuracyOf } from './util/metrics.js';
export {
  loadModel,
  calibrate,
  convert,
  refineThresholds,
  resolveThresholds,
  usesAuto,
  checkThresholdsFor,
  calibrationSites,
  DEFAULT_METHOD,
  type AutoChoice,
  type CalibrateOptions,
  type CalibrationMode,
  type ConvertResult,
  type RefineOptions,
  type ResolveOptions,
} from './pipeline.js';
export { readThresholds, writeThresholds, formatThresholds, modelHash, type ThresholdsFile } from '../calibration/thresholds.js';
export { applyQuantizationRanges, QUANTIZATION_METHOD } from '../calibration/quantization.js';
export { listMethods, parseMethod } from '../calibration/registry.js';
export { buildSnn, resolveSnnOptions, snnDefaults, type SnnModel } from './snn/build.js';
export { linearSites } from './snn/sites.js';
export { emitOnnx, type EmitMeta } from './snn/emit.js';
export type { Arrangement } from './snn/arrangement.js';
export type { CountMode } from './snn/emit-recover.js';
export { simulateReference, type SimOptions, type SimResult } from './snn/reference.js';
export { simulateDataset, snnInfo, type EngineChoice, type SnnRunOptions, type SnnRunResult } from './engine/simulate.js';
export {
  chooseEngine,
  engineById,
  engineIds,
  listEngines,
  type ChoiceContext,
  type EngineInput,
  type EngineRunOptions,
  type SnnEngine,
} from './engine/registry.js';
export {
  DEFAULT_SNN_OPTIONS,
  type SnnOptions,
  type NeuronKind,
  type ResetMode,
  type Readout,
  type Encoding,
  type Solve,
  type LinearMode,
  DEFAULT_LINEAR,
} from './snn/types.js';
// evaluation record, report, diagnostics, operation counts, configuration
export { evaluate, DEFAULT_TIMESTEPS, type EvaluateOptions } from './report/evaluate.js';
export type { EvalRecord, EvalLayer, Raster, RasterLayer } from './report/types.js';
export { renderReport, type ReportOptions } from './report/html.js';
export { reportCharts, type Chart } from './report/charts.js';
export { svgToPng } from './report/png.js';
export { spikeRaster, type RasterOptions } from './report/raster.js';
export { diagnose, diagnosisText, DEFAULT_MIN_CORRELATION, type Diagnosis, type DiagnoseInput, type DiagnoseLayer, type Cause } from './eval/diagnose.js';
export { opsPlan, opsReport, SynopsCounter, convFanout, ENERGY_PJ, type OpsReport, type LayerOps, type EnergyEstimate, type OpsKind } from './eval/ops.js';
export { ConfigSchema, configJsonSchema, type Config, type ConfigInput, type CommandName } from './config/schema.js';
export {
  parseConfig,
  readConfigFile,
  resolveConfig,
  mergeConfig,
  preprocessOf,
  calibPreprocessOf,
  snnOptionsOf,
  evaluateOptionsOf,
  refineOf,
  resolveOf,
  configLeaves,
  type Leaf,
} from './config/load.js';
export { autoSummary } from './report/why.js';
// low-latency calibration, polynomial (LNM/QIF) neurons, NIR export
export { calibrateLayerwise, type LayerwiseOptions } from '../calibration/layerwise.js';
export type { FinetuneOptions, FinetuneResult } from '../calibration/finetune.js';
import type { finetuneNeurons as FinetuneNeurons } from '../calibration/finetune.js';
/** Fine-tunes polynomial neurons (calibration/finetune.ts); TensorFlow.js is imported on the first call only. */
export async function finetuneNeurons(...args: Parameters<typeof FinetuneNeurons>): ReturnType<typeof FinetuneNeurons> {
  return (await import('../calibration/finetune.js')).finetuneNeurons(...args);
}
export { qifPolynomial, fitInputGain, polyRate, transferCurve } from './snn/poly.js';
export { toNir, writeNir, readNir, simulateNir, type NirGraph, type NirNode } from './nir/index.js';
// shards and their merge (the work queue is in 'onnx2snn/queue', src/queue.ts: it loads BullMQ and ioredis)
export { evaluateShard, simulateShard, simulateParts, type EvalShardOptions, type ExpectedIdentity, type ShardRecord } from './distributed/shard.js';
export { mergeShards, checkParts, type ShardPart } from './distributed/merge.js';
export { parseShard, shardRange, loadShard, selectionSize, type ShardSpec, type ShardData } from './distributed/split.js';
export { dataIdentity, type DataIdentity } from './distributed/identity.js';
export { redactUrl } from './distributed/url.js';
export { SHARD_FORMAT, type ShardInfo, type ShardKind, type MergedShards, type RunIdentity } from './distributed/types.js';
