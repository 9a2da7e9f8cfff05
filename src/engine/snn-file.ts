/**
 * What an emitted SNN file (src/snn/emit.ts) says about itself, and what a run of it returns:
 * the conversion metadata every engine reads, whichever runs the file or its description.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Model } from '../graph/types.js';
import type { Arrangement } from '../snn/arrangement.js';
import { SNN_FORMAT } from '../snn/emit.js';
import type { SnnOptions } from '../snn/types.js';

export interface SnnFileInfo {
  readonly options: SnnOptions;
  readonly input: { name: string; dims: number[]; max: number };
  readonly readout: { tensor: string; dims: number[] };
  /** `events`: the output with the events of either sign of a layer with signed spikes. */
  readonly layers: { output: string; name: string; site: string; dims: number[]; threshold: number | number[]; events?: string }[];
}

/** Reads the conversion metadata of an emitted SNN; E_OPTION if the file is not one. */
export function snnInfo(m: Model): SnnFileInfo {
  const md = m.metadata;
  if (md['onnx2snn.format'] !== SNN_FORMAT) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `${m.source ?? 'model'}: not an SNN written by \`onnx2snn convert\` (metadata onnx2snn.format is missing); use \`onnx2snn eval\` for an ANN`,
      {
        file: m.source,
      },
    );
  }
  const parse = (k: string): unknown => JSON.parse(md[k] ?? 'null');
  return {
    options: parse('onnx2snn.options') as SnnOptions,
    input: parse('onnx2snn.input') as SnnFileInfo['input'],
    readout: parse('onnx2snn.readout') as SnnFileInfo['readout'],
    layers: parse('onnx2snn.layers') as SnnFileInfo['layers'],
  };
}

/** Which engine ran a simulation and why (src/engine/registry.ts). */
export interface EngineChoice {
  /** The engine that ran (an id of the registry). */
  readonly engine: string;
  /** What was asked: 'auto' or an engine id. */
  readonly requested: string;
  /** One line: why this engine (for 'auto': the estimates compared). */
  readonly reason: string;
  /** 'auto': each candidate's estimated time relative to onnxruntime running the file (1); absent for a given engine. */
  readonly estimates?: Readonly<Record<string, number>>;
  /** onnxruntime under 'auto': which arrangement ran (src/engine/arrangement-probe.ts). */
  readonly arrangement?: ArrangementChoice;
}

/** The arrangement `--engine auto` ran onnxruntime with: a candidate of src/engine/arrangements.ts, or 'file' (the file as given). */
export interface ArrangementChoice {
  readonly id: string;
  readonly reason: string;
  /** ms of each candidate's probe runs (the first batch, a few steps): a finalist's median over the final rounds, another's one screening run. */
  readonly probeMs?: Readonly<Record<string, number>>;
  /** Each candidate's time over the default's (the default: 1): a finalist's round score over the default's (`roundScores`), another's screening run over the default's nearest runs; the choice is the lowest finalist's. */
  readonly relative?: Readonly<Record<string, number>>;
  /** The candidates timed over every round (the default first): the fastest of the one-round screening. */
  readonly finalists?: readonly string[];
  /** Wall time of the whole probe: emission, sessions, timed runs. */
  readonly costMs?: number;
  /** ms to open each candidate's session (workers2: its threads and their sessions): paid once per run, not part of `relative`. */
  readonly openMs?: Readonly<Record<string, number>>;
}

export interface SnnRunResult {
  /** Predicted class per sample at each requested T. */
  readonly predictions: Map<number, Int32Array>;
  /** [N, K] readouts at each requested T, with `keepReadouts` (engines that cannot keep them leave it out). */
  readonly readouts?: Map<number, Float32Array>;
  /** Total spikes per layer over all samples at the largest T. */
  readonly layerSpikes: number[];
  /** Neurons per sample per layer. */
  readonly layerNeurons: number[];
  readonly timesteps: number;
  /** What the file runs (src/snn/arrangement.ts): count sources per layer, steps per Loop iteration; absent in files written before it. */
  readonly arrangement?: Arrangement;
  /** The engine that ran and why (set by simulateDataset; absent when an engine's runner is called directly). */
  readonly engine?: EngineChoice;
}
