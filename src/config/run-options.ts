/** Config sections of how to run and what to write: run settings, output files, the report (src/config/schema.ts). */
import * as z from 'zod';
import { engineIds } from '../engine/registry.js';
import { cli, EVAL, EVAL_SIM, WITH_SIM } from './meta.js';

export const runSchema = z
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
      .enum(engineIds())
      .default('auto')
      .describe(
        'engine that simulates the SNN: auto (the fastest estimate for the model), onnxruntime running the emitted file, or TensorFlow.js; spike counts are the same',
      )
      .register(cli, { flag: `--engine <${engineIds().join('|')}>`, commands: EVAL }),
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

export const outputSchema = z
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

export const reportSchema = z
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
