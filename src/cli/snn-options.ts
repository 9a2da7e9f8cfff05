/** Conversion flags shared by eval and convert, and calibration-data flags. */
import type { Command } from 'commander';
import { loadDataset } from '../data/index.js';
import type { Dataset, Preprocess } from '../data/types.js';
import type { SnnOptions } from '../snn/types.js';
import { DEFAULT_SNN_OPTIONS } from '../snn/types.js';
import { optionError, parseChoice, parseNumber, parseNumberList } from './options.js';

export interface RawSnnFlags {
  neuron?: string;
  beta?: string;
  reset?: string;
  vInit?: string;
  readout?: string;
  encoding?: string;
  seed?: string;
}

export interface RawCalibFlags {
  calib?: string;
  calibLimit?: string;
  calibOffset?: string;
  method?: string;
  thresholds?: string;
}

export function addSnnOptions(cmd: Command): Command {
  return cmd
    .option('--neuron <if|lif>', 'neuron model', DEFAULT_SNN_OPTIONS.neuron)
    .option('--beta <b>', 'LIF leak factor β in (0,1]', String(DEFAULT_SNN_OPTIONS.beta))
    .option('--reset <subtract|zero>', 'reset after a spike', DEFAULT_SNN_OPTIONS.reset)
    .option('--v-init <f>', 'initial membrane potential as a fraction of the threshold', String(DEFAULT_SNN_OPTIONS.vInit))
    .option('--readout <membrane|spikes>', 'output layer: non-spiking integrator or spike counts', DEFAULT_SNN_OPTIONS.readout)
    .option('--encoding <current|poisson>', 'input encoding', DEFAULT_SNN_OPTIONS.encoding)
    .option('--seed <n>', 'seed of the Poisson encoder', String(DEFAULT_SNN_OPTIONS.seed));
}

export function snnOptionsFrom(o: RawSnnFlags): SnnOptions {
  const beta = parseNumber('--beta', o.beta ?? String(DEFAULT_SNN_OPTIONS.beta));
  if (!(beta > 0 && beta <= 1)) throw optionError('--beta', `must be in (0, 1], got ${o.beta}`, o.beta, '(0, 1]');
  const vInit = parseNumber('--v-init', o.vInit ?? String(DEFAULT_SNN_OPTIONS.vInit));
  if (!(vInit >= 0 && vInit < 1)) throw optionError('--v-init', `must be in [0, 1), got ${o.vInit}`, o.vInit, '[0, 1)');
  return {
    neuron: parseChoice('--neuron', o.neuron ?? 'if', ['if', 'lif'] as const),
    beta,
    reset: parseChoice('--reset', o.reset ?? 'subtract', ['subtract', 'zero'] as const),
    vInit,
    readout: parseChoice('--readout', o.readout ?? 'membrane', ['membrane', 'spikes'] as const),
    encoding: parseChoice('--encoding', o.encoding ?? 'current', ['current', 'poisson'] as const),
    seed: parseNumber('--seed', o.seed ?? '0', { integer: true }),
  };
}

export function addCalibOptions(cmd: Command, required = false): Command {
  const c = required ? cmd.requiredOption('--calib <file>', 'calibration data (same formats and preprocessing flags as --data)') : cmd.option('--calib <file>', 'calibration data (same formats and preprocessing flags as --data)');
  return c
    .option('--calib-limit <n>', 'calibration samples', '1000')
    .option('--calib-offset <k>', 'skip the first k calibration samples', '0')
    .option('--method <m>', 'normalisation method: max, percentile:P, channel-max, channel-percentile:P');
}

/** Calibration data with the same preprocessing as the test data, but its own limit/offset and labels. */
export function loadCalibData(o: RawCalibFlags, pre: Preprocess): Dataset {
  const { limit: _l, offset: _o, labels: _lab, ...shared } = pre;
  void _l;
  void _o;
  void _lab;
  return loadDataset(o.calib!, {
    ...shared,
    limit: parseNumber('--calib-limit', o.calibLimit ?? '1000', { min: 1, integer: true }),
    offset: parseNumber('--calib-offset', o.calibOffset ?? '0', { min: 0, integer: true }),
  });
}

export function parseTimesteps(v: string): number[] {
  const ts = parseNumberList('--timesteps', v, { min: 1, integer: true });
  if (Math.max(...ts) > 100_000) throw optionError('--timesteps', `at most 100000 steps, got ${Math.max(...ts)}`, v);
  return [...new Set(ts)].sort((a, b) => a - b);
}
