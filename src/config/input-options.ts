/** Config sections of the input side: the test data and its preprocessing, and the calibration (src/config/schema.ts). */
import * as z from 'zod';
import { ALL, cli, EVAL_SIM, FRACTION, SNN, WITH_SIM } from './meta.js';

export const dataSchema = z
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
    imageThreads: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('image folders: worker threads that decode and preprocess the images (0: the main thread); the samples do not depend on it')
      .register(cli, { flag: '--image-threads <n>', commands: WITH_SIM, parse: 'number', defaultText: 'one per core from 256 images on, else 0' }),
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

export const calibrationSchema = z
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
