/**
 * The one schema of every `eval` / `convert` / `calibrate` option (zod). From it come:
 *   - the validation of config files (JSON or YAML, `--config FILE`): unknown keys are rejected at
 *     every level, with their path;
 *   - the command-line flags (each leaf carries its flag, the commands that have it and its help);
 *   - the defaults (zod defaults, shown in --help);
 *   - the published JSON Schema (schema/onnx2snn.config.schema.json, `npm run schema`).
 * Flags override the file; the file overrides the defaults.
 */
import * as z from 'zod';
import { NEURON_KIND_NAMES } from '../../converters/neurons/index.js';
import { DEFAULT_SNN_OPTIONS } from '../snn/types.js';

export type CommandName = 'eval' | 'convert' | 'calibrate' | 'simulate';

export interface CliMeta {
  /** Commander flag spelling, e.g. '--v-init <f>'; per command where it differs. */
  readonly flag: string | Partial<Record<CommandName, string>>;
  /** Commands that have this option. */
  readonly commands: readonly CommandName[];
  /** How a flag string becomes a value: a number, a comma-separated list of numbers, a boolean switch, or as is. */
  readonly parse?: 'number' | 'numbers' | 'switch' | 'scale' | 'string';
  /** Help text default shown when the default is not in the schema (e.g. depends on the command). */
  readonly defaultText?: string;
}

/** Registry of the CLI metadata of each leaf. */
export const cli = z.registry<CliMeta>();

const ALL: readonly CommandName[] = ['eval', 'convert', 'calibrate'];
const SNN: readonly CommandName[] = ['eval', 'convert'];
const EVAL: readonly CommandName[] = ['eval'];
/** What `simulate` shares: the test data and its preprocessing, time steps, run settings, --json. */
const WITH_SIM: readonly CommandName[] = [...ALL, 'simulate'];
const EVAL_SIM: readonly CommandName[] = ['eval', 'simulate'];

const FRACTION = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*\/\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

const dataSchema = z
  .strictObject({
    file: z
      .string()
      .min(1)
      .optional()
      .describe('labelled test data: IDX (gz or plain), CIFAR-10 binary, .npz with x and y, or a folder of JPEG/PNG images')
      .register(cli, { flag: '--data <file>', commands: EVAL_SIM }),
    labels: z
      .string()
      .min(1)
      .optional()
      .describe('labels file (IDX); default: derived from the images file name')
      .register(cli, { flag: '--labels <file>', commands: EVAL_SIM }),
    scale: z
      .union([z.number(), z.string().regex(FRACTION, 'expected a number or a fraction such as 1/255')])
      .optional()
      .describe('multiply raw pixel values by this (a number, or a fraction such as "1/255")')
      .register(cli, { flag: '--scale <s>', commands: WITH_SIM, parse: 'scale' }),
    mean: z
      .array(z.number())
      .min(1)
      .optional()
      .describe('per-channel mean subtracted after scaling')
      .register(cli, { flag: '--mean <a,b,c>', commands: WITH_SIM, parse: 'numbers' }),
    std: z
      .array(z.number())
      .min(1)
      .optional()
      .describe('per-channel standard deviation divided by after the mean')
      .register(cli, { flag: '--std <a,b,c>', commands: WITH_SIM, parse: 'numbers' }),
    layout: z
      .enum(['nchw', 'nhwc'])
      .default('nchw')
      .describe('layout the model wants for image inputs')
      .register(cli, { flag: '--layout <nchw|nhwc>', commands: WITH_SIM }),
    resize: z
      .array(z.number().int().min(1))
      .min(1)
      .max(2)
      .optional()
      .describe('image folders: resize the shorter side to s, or to exactly h,w (bilinear, antialiased as torchvision/Pillow)')
      .register(cli, { flag: '--resize <s|h,w>', commands: WITH_SIM, parse: 'numbers' }),
    centerCrop: z
      .array(z.number().int().min(1))
      .min(1)
      .max(2)
      .optional()
      .describe('image folders: centre crop to s×s or h,w after --resize')
      .register(cli, { flag: '--center-crop <s|h,w>', commands: WITH_SIM, parse: 'numbers' }),
    classes: z
      .string()
      .min(1)
      .optional()
      .describe('image folders: class list, line i = class i (first word: its id, e.g. a wnid); labels files <id>_*.JPEG or subfolders <id>/')
      .register(cli, { flag: '--classes <file>', commands: WITH_SIM }),
    skipBad: z
      .boolean()
      .default(false)
      .describe('image folders: leave out unreadable images (truncated, not JPEG/PNG, CMYK), counted in the JSON, instead of failing')
      .register(cli, { flag: '--skip-bad', commands: WITH_SIM, parse: 'switch' }),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('use at most this many test samples')
      .register(cli, { flag: '--limit <n>', commands: EVAL_SIM, parse: 'number' }),
    offset: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('skip the first k test samples')
      .register(cli, { flag: '--offset <k>', commands: EVAL_SIM, parse: 'number' }),
    shard: z
      .string()
      .regex(/^\s*\d+\s*\/\s*\d+\s*$/, 'expected K/N, e.g. 0/4')
      .optional()
      .describe('evaluate only shard K of N (0-based) of the selected samples and write that part of the run with --json, for `onnx2snn merge`')
      .register(cli, { flag: '--shard <K/N>', commands: EVAL_SIM }),
  })
  .describe('Test data and the preprocessing shared with the calibration data.');

const calibrationSchema = z
  .strictObject({
    file: z
      .string()
      .min(1)
      .optional()
      .describe('calibration data: a file or a folder of images (same preprocessing as the test data)')
      .register(cli, { flag: '--calib <file>', commands: ALL }),
    limit: z.number().int().min(1).default(1000).describe('calibration samples').register(cli, { flag: '--calib-limit <n>', commands: ALL, parse: 'number' }),
    offset: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('skip the first k calibration samples')
      .register(cli, { flag: '--calib-offset <k>', commands: ALL, parse: 'number' }),
    mode: z
      .enum(['auto', 'fixed'])
      .default('auto')
      .describe(
        'auto: choose the normalisation method and layer-wise calibration per model by their held-out readout divergence from the ANN at the target time steps; fixed: the method given (percentile:99.9) and only the calibrations asked for. Giving --method, --thresholds or a calibration flag means fixed',
      )
      .register(cli, { flag: '--calibration <auto|fixed>', commands: ALL }),
    targetTimesteps: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('time steps auto calibration tunes for')
      .register(cli, { flag: '--target-timesteps <T>', commands: ALL, parse: 'number', defaultText: 'the smallest of --timesteps (8)' }),
    seed: z
      .number()
      .int()
      .default(0)
      .describe('seed of the held-out split of auto calibration')
      .register(cli, { flag: '--calibration-seed <n>', commands: ALL, parse: 'number' }),
    method: z
      .string()
      .min(1)
      .optional()
      .describe(
        'normalisation method: max, percentile:P, channel-max, channel-percentile:P, calerr:T, channel-calerr:T (θ minimising the T-step rate-coding error); quantization-range (int8 models: θ = the top of the quantization range of each ReLU site)',
      )
      .register(cli, { flag: '--method <m>', commands: ALL, defaultText: 'percentile:99.9' }),
    thresholds: z
      .string()
      .min(1)
      .optional()
      .describe('reuse thresholds written by `onnx2snn calibrate` instead of calibrating')
      .register(cli, { flag: '--thresholds <file>', commands: SNN }),
    biasCalibration: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('layer-wise bias calibration after conversion (Li et al. 2021), tuned for this many time steps')
      .register(cli, { flag: '--bias-calibration <T>', commands: ALL, parse: 'number' }),
    potentialCalibration: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('layer-wise calibration of the initial membrane potential per channel (learned θ/2 shift), tuned for this many time steps')
      .register(cli, { flag: '--potential-calibration <T>', commands: ALL, parse: 'number' }),
    finetune: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('fine-tune polynomial neurons (coefficients and thresholds) with a surrogate gradient at this many time steps')
      .register(cli, { flag: '--finetune <T>', commands: ALL, parse: 'number' }),
    finetuneEpochs: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('fine-tuning epochs')
      .register(cli, { flag: '--finetune-epochs <n>', commands: ALL, parse: 'number' }),
    finetuneSamples: z
      .number()
      .int()
      .min(1)
      .default(256)
      .describe('calibration samples used for fine-tuning')
      .register(cli, { flag: '--finetune-samples <n>', commands: ALL, parse: 'number' }),
    finetuneSeed: z
      .number()
      .int()
      .default(0)
      .describe('seed of the fine-tuning batch order')
      .register(cli, { flag: '--finetune-seed <n>', commands: ALL, parse: 'number' }),
  })
  .describe('Where the thresholds come from: calibration data and method, or a thresholds file.');

const conversionSchema = z
  .strictObject({
    neuron: z
      .enum(NEURON_KIND_NAMES)
      .optional()
      .describe(
        'neuron model: integrate-and-fire, leaky, polynomial (with conversion.poly), or signed (IF with negative spikes that cancel early over-firing, Wang et al. 2022); default: signed on networks with linear sites (MobileNetV2-style), if otherwise',
      )
      .register(cli, { flag: `--neuron <${NEURON_KIND_NAMES.join('|')}>`, commands: ALL }),
    poly: z
      .array(z.number())
      .min(1)
      .optional()
      .describe("'poly' neurons: the normalised polynomial p(u), coefficients lowest degree first")
      .register(cli, { flag: '--poly <c0,c1,...>', commands: ALL, parse: 'numbers' }),
    qif: z
      .array(z.number())
      .length(3)
      .optional()
      .describe('QIF neurons: a,u1,u2 of p(u) = a(u − u1)(u − u2) (sets --neuron poly); e.g. 0.25,0,0.5')
      .register(cli, { flag: '--qif <a,u1,u2>', commands: ALL, parse: 'numbers' }),
    beta: z
      .number()
      .gt(0)
      .lte(1)
      .default(DEFAULT_SNN_OPTIONS.beta)
      .describe('LIF leak factor β in (0, 1]')
      .register(cli, { flag: '--beta <b>', commands: ALL, parse: 'number' }),
    reset: z
      .enum(['subtract', 'zero'])
      .default(DEFAULT_SNN_OPTIONS.reset)
      .describe('reset after a spike')
      .register(cli, { flag: '--reset <subtract|zero>', commands: ALL }),
    vInit: z
      .number()
      .gte(0)
      .lt(1)
      .default(DEFAULT_SNN_OPTIONS.vInit)
      .describe('initial membrane potential as a fraction of the threshold, in [0, 1)')
      .register(cli, { flag: '--v-init <f>', commands: ALL, parse: 'number' }),
    readout: z
      .enum(['membrane', 'spikes'])
      .default(DEFAULT_SNN_OPTIONS.readout)
      .describe('output layer: non-spiking integrator or spike counts')
      .register(cli, { flag: '--readout <membrane|spikes>', commands: SNN }),
    encoding: z
      .enum(['current', 'poisson'])
      .default(DEFAULT_SNN_OPTIONS.encoding)
      .describe('input encoding')
      .register(cli, { flag: '--encoding <current|poisson>', commands: SNN }),
    seed: z
      .number()
      .int()
      .default(DEFAULT_SNN_OPTIONS.seed)
      .describe('seed of the Poisson encoder')
      .register(cli, { flag: '--seed <n>', commands: SNN, parse: 'number' }),
    solve: z
      .enum(['closed-form', 'step'])
      .default(DEFAULT_SNN_OPTIONS.solve as 'closed-form')
      .describe('layers with a constant input current: exact spike counts ⌊v0/θ + t·clamp(I/θ, 0, 1)⌋, or stepped like the others')
      .register(cli, { flag: '--solve <closed-form|step>', commands: SNN }),
    linear: z
      .enum(['analog', 'bipolar'])
      .default(DEFAULT_SNN_OPTIONS.linear as 'bipolar')
      .describe(
        'linear sites (projections without activation, residual sums without ReLU feeding a weighted layer): bipolar neurons with spikes of either sign, or the analog signal',
      )
      .register(cli, { flag: '--linear <analog|bipolar>', commands: ALL }),
  })
  .describe('Conversion settings of the spiking network.');

const evaluationSchema = z
  .strictObject({
    timesteps: z
      .array(z.number().int().min(1).max(100_000))
      .min(1)
      .default([8, 16, 32, 64, 128, 256])
      .describe('time steps to score')
      .register(cli, { flag: '--timesteps <list>', commands: EVAL_SIM, parse: 'numbers' }),
    annOnly: z.boolean().default(false).describe('evaluate the ANN only').register(cli, { flag: '--ann-only', commands: EVAL, parse: 'switch' }),
    predictions: z
      .boolean()
      .default(false)
      .describe('include per-sample predictions in the JSON')
      .register(cli, { flag: '--predictions', commands: EVAL_SIM, parse: 'switch' }),
    activationQuant: z
      .enum(['drop', 'keep'])
      .default('drop')
      .describe(
        "int8 models: the ANN column from the real-valued graph the SNN approximates ('drop'), or with the activation rounding of int8 execution emulated bit for bit ('keep'); the SNN is always converted from 'drop'",
      )
      .register(cli, { flag: '--activation-quant <drop|keep>', commands: EVAL }),
    minCorrelation: z
      .number()
      .gte(-1)
      .lte(1)
      .default(0.95)
      .describe('diagnosis: name the first layer whose ANN/SNN correlation at the largest T is below this')
      .register(cli, { flag: '--min-correlation <r>', commands: EVAL, parse: 'number' }),
  })
  .describe('What `eval` measures.');

const runSchema = z
  .strictObject({
    batchSize: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('samples per batch')
      .register(cli, { flag: '--batch-size <n>', commands: WITH_SIM, parse: 'number', defaultText: '64; 256 for eval --ann-only' }),
    device: z
      .enum(['cpu', 'webgpu', 'cuda'])
      .default('cpu')
      .describe('execution device (onnxruntime execution provider)')
      .register(cli, { flag: '--device <cpu|webgpu|cuda>', commands: WITH_SIM }),
    engine: z
      .enum(['onnxruntime', 'tfjs'])
      .default('onnxruntime')
      .describe('engine that simulates the SNN: onnxruntime running the emitted file, or TensorFlow.js')
      .register(cli, { flag: '--engine <onnxruntime|tfjs>', commands: EVAL }),
    tfjsBackend: z
      .enum(['cpu', 'wasm', 'webgpu', 'tensorflow'])
      .default('cpu')
      .describe("TensorFlow.js backend for --engine tfjs ('tensorflow' = @tensorflow/tfjs-node-gpu or -node, installed by the user)")
      .register(cli, { flag: '--tfjs-backend <cpu|wasm|webgpu|tensorflow>', commands: EVAL }),
    threads: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('onnxruntime intra-op threads (default: all cores)')
      .register(cli, { flag: '--threads <n>', commands: WITH_SIM, parse: 'number' }),
    quiet: z.boolean().default(false).describe('no progress output').register(cli, { flag: '-q, --quiet', commands: WITH_SIM, parse: 'switch' }),
    queue: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional()
      .describe(
        'split the run into shard jobs on this Redis queue (BullMQ), wait for `onnx2snn worker`s to run them and merge their results; a password comes from the URL or ONNX2SNN_REDIS_PASSWORD',
      )
      .register(cli, { flag: '--queue <redis-url>', commands: EVAL }),
    queueName: z
      .string()
      .min(1)
      .default('onnx2snn')
      .describe('name of the queue the workers listen on')
      .register(cli, { flag: '--queue-name <name>', commands: EVAL }),
    queueJobs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('shard jobs of a queued run')
      .register(cli, { flag: '--queue-jobs <n>', commands: EVAL, parse: 'number', defaultText: '16, or one per 1000 samples if more; at most one per sample' }),
  })
  .describe('How to run.');

const outputSchema = z
  .strictObject({
    json: z.string().min(1).optional().describe('write the results as JSON').register(cli, { flag: '--json <file>', commands: EVAL_SIM }),
    report: z.string().min(1).optional().describe('write a self-contained HTML report').register(cli, { flag: '--report <file>', commands: EVAL }),
    plots: z.string().min(1).optional().describe('write every chart as SVG and PNG into this folder').register(cli, { flag: '--plots <dir>', commands: EVAL }),
    snn: z
      .string()
      .min(1)
      .optional()
      .describe('SNN ONNX file to write (e.g. model.snn.onnx)')
      .register(cli, { flag: { convert: '-o, --output <file>' }, commands: ['convert'] }),
    nir: z
      .string()
      .min(1)
      .optional()
      .describe('also write the SNN in the Neuromorphic Intermediate Representation (HDF5)')
      .register(cli, { flag: { convert: '--nir <file>' }, commands: ['convert'] }),
    thresholds: z
      .string()
      .min(1)
      .optional()
      .describe('thresholds JSON to write')
      .register(cli, { flag: { convert: '--thresholds-out <file>', calibrate: '-o, --output <file>' }, commands: ['convert', 'calibrate'] }),
    config: z
      .string()
      .min(1)
      .optional()
      .describe('also write the resolved configuration (JSON, reusable with --config) to this file')
      .register(cli, { flag: '--save-config <file>', commands: ['eval', 'convert', 'calibrate'] }),
  })
  .describe('Files to write. The resolved configuration is also in the JSON record; --save-config writes it to a file of its own.');

const reportSchema = z
  .strictObject({
    sample: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('sample (index in the evaluated data) whose spike raster the report shows')
      .register(cli, { flag: '--raster-sample <i>', commands: EVAL, parse: 'number' }),
    rasterLayers: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(3)
      .describe('neuron layers in the raster (0: no raster; the reference simulator that records it is slow on large models)')
      .register(cli, { flag: '--raster-layers <n>', commands: EVAL, parse: 'number' }),
    rasterNeurons: z
      .number()
      .int()
      .min(1)
      .max(512)
      .default(48)
      .describe('neurons per raster layer')
      .register(cli, { flag: '--raster-neurons <n>', commands: EVAL, parse: 'number' }),
    scatterLayer: z
      .string()
      .min(1)
      .optional()
      .describe('layer whose ANN-vs-SNN scatter is shown first (default: the diagnosed or least correlated layer)')
      .register(cli, { flag: '--scatter-layer <name>', commands: EVAL }),
  })
  .describe('What the report shows.');

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('path or URL of this JSON Schema (for editors)'),
    model: z.string().min(1).optional().describe('the ONNX model (the positional argument overrides it)'),
    data: dataSchema.prefault({}),
    calibration: calibrationSchema.prefault({}),
    conversion: conversionSchema.prefault({}),
    evaluation: evaluationSchema.prefault({}),
    run: runSchema.prefault({}),
    output: outputSchema.prefault({}),
    report: reportSchema.prefault({}),
  })
  .describe('onnx2snn configuration: every option of `onnx2snn eval`, `convert` and `calibrate`.');

/** A resolved configuration: defaults applied. */
export type Config = z.output<typeof ConfigSchema>;
/** What a config file may contain. */
export type ConfigInput = z.input<typeof ConfigSchema>;

/** The published JSON Schema (draft 2020-12) of config files. */
export function configJsonSchema(): Record<string, unknown> {
  const js = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: js['$schema'], title: 'onnx2snn configuration', ...js };
}
