/**
 * Simulates a converted network over a dataset with the engine asked for, or with the one
 * `--engine auto` (the default) estimates fastest (src/engine/registry.ts). The result carries
 * which engine ran and why; spike counts and readouts are the same whichever it is.
 */
import type { Dataset } from '../data/types.js';
import type { Model } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';
import type { EngineRunOptions } from './engines/types.js';
import { chooseEngine } from './registry.js';
import { snnInfo, type SnnRunResult } from './snn-file.js';

export { snnInfo, type EngineChoice, type SnnFileInfo, type SnnRunResult } from './snn-file.js';

export interface SnnRunOptions extends EngineRunOptions {
  /** 'auto' (default) or an engine id ('onnxruntime', 'tfjs', …: listEngines()). */
  readonly engine?: string;
  /** The SNN description (`convert(...).snn`), for engines that step it rather than run the file. */
  readonly snn?: SnnModel | (() => SnnModel);
}

export async function simulateDataset(snnModel: Model, ds: Dataset, opts: SnnRunOptions): Promise<SnnRunResult> {
  const { engine: requested = 'auto', snn, ...run } = opts;
  const input = { file: snnModel, info: snnInfo(snnModel), ...(snn ? { snn: typeof snn === 'function' ? snn : () => snn } : {}) };
  const chosen = await chooseEngine(requested, input, ds, run);
  const r = await chosen.engine.simulate(chosen.input, ds, chosen.opts);
  return { ...r, engine: chosen.choice };
}
