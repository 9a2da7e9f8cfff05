/** Dataset flags of `simulate` (eval, calibrate and convert derive theirs from the config schema, src/config/). */
import type { Command } from 'commander';
import { type Preprocess } from '../index.js';
import { optionError, parseChoice, parseNumber, parseNumberList, parseScale } from './options.js';

export interface RawDataFlags {
  labels?: string;
  scale?: string;
  mean?: string;
  std?: string;
  layout?: string;
  limit?: string;
  offset?: string;
  resize?: string;
  centerCrop?: string;
  classes?: string;
  skipBad?: boolean;
}

export function addPreprocessOptions(cmd: Command): Command {
  return cmd
    .option('--labels <file>', 'labels file (IDX); default: derived from the images file name')
    .option('--scale <s>', 'multiply raw pixel values by s (e.g. 1/255 or 0.00392156862745098)')
    .option('--mean <a,b,c>', 'per-channel mean subtracted after scaling')
    .option('--std <a,b,c>', 'per-channel standard deviation divided by after the mean')
    .option('--layout <nchw|nhwc>', 'layout the model wants for image inputs', 'nchw')
    .option('--limit <n>', 'use at most n samples')
    .option('--offset <k>', 'skip the first k samples')
    .option('--resize <s|h,w>', 'image folders: resize the shorter side to s, or to exactly h,w (bilinear, as torchvision/Pillow)')
    .option('--center-crop <s|h,w>', 'image folders: centre crop to s×s or h,w')
    .option('--classes <file>', 'image folders: class list (line i = class i) for <id>_*.JPEG file names or <id>/ subfolders')
    .option('--skip-bad', 'image folders: leave out unreadable images instead of failing');
}

export function preprocessFrom(o: RawDataFlags, prefix = ''): Preprocess {
  const f = (n: string) => `--${prefix}${n}`;
  const pre: { -readonly [K in keyof Preprocess]: Preprocess[K] } = {};
  if (o.scale !== undefined) pre.scale = parseScale(f('scale'), o.scale);
  if (o.mean !== undefined) pre.mean = parseNumberList(f('mean'), o.mean);
  if (o.std !== undefined) {
    pre.std = parseNumberList(f('std'), o.std);
    if (pre.std.some((s) => s === 0)) throw optionError(f('std'), 'a standard deviation of 0 would divide by zero', o.std);
  }
  if (o.layout !== undefined) pre.layout = parseChoice(f('layout'), o.layout, ['nchw', 'nhwc'] as const);
  if (o.limit !== undefined) pre.limit = parseNumber(f('limit'), o.limit, { min: 1, integer: true });
  if (o.offset !== undefined) pre.offset = parseNumber(f('offset'), o.offset, { min: 0, integer: true });
  if (o.labels !== undefined) pre.labels = o.labels;
  if (o.resize !== undefined) pre.resize = parseNumberList(f('resize'), o.resize, { min: 1, integer: true });
  if (o.centerCrop !== undefined) pre.centerCrop = parseNumberList(f('center-crop'), o.centerCrop, { min: 1, integer: true });
  if (o.classes !== undefined) pre.classes = o.classes;
  if (o.skipBad) pre.skipBad = true;
  return pre;
}
