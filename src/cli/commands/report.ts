import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ErrorCodes, type EvalRecord, Onnx2SnnError } from '../../index.js';
import { checkOutputs, writeFileAtomic } from '../io.js';
import { optionError } from '../options.js';
import { reportOutputs } from '../outputs.js';

/** Reads a saved `eval --json` record; E_OPTION naming the file when it is not an SNN evaluation. */
export function readRecord(path: string): EvalRecord {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${path}: not a JSON file written by \`onnx2snn eval --json\` (${(e as Error).message})`, { file: path });
  }
  const r = v as Partial<EvalRecord> | null;
  const problems: string[] = [];
  if (!r || typeof r !== 'object') problems.push('not an object');
  else {
    if (!r.ann || typeof r.ann.accuracy !== 'number') problems.push('no "ann.accuracy"');
    if (!Array.isArray(r.snn) || r.snn.length === 0) problems.push('no "snn" results (an --ann-only run has none)');
    else if (r.snn.some((s) => typeof s?.timesteps !== 'number' || typeof s.accuracy !== 'number' || typeof s.agreement !== 'number'))
      problems.push('"snn" entries need timesteps, accuracy and agreement');
    if (!Array.isArray(r.layers)) problems.push('no "layers"');
    else if (r.layers.some((l) => typeof l?.name !== 'string' || typeof l.correlation !== 'number' || typeof l.spikeRate !== 'number'))
      problems.push('"layers" entries need name, spikeRate and correlation');
    if (!r.conversion || typeof r.conversion.method !== 'string') problems.push('no "conversion"');
  }
  if (problems.length)
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${path}: not an SNN evaluation written by \`onnx2snn eval --json\`: ${problems.join('; ')}`, {
      file: path,
      problems,
    });
  return r as EvalRecord;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render the HTML report (and/or the charts) of a saved `eval --json` run')
    .argument('<run>', 'JSON written by `onnx2snn eval ... --json run.json`')
    .option('-o, --output <file>', 'HTML report to write')
    .option('--plots <dir>', 'write every chart as SVG and PNG into this folder')
    .option('--scatter-layer <name>', 'layer whose ANN-vs-SNN scatter is shown first')
    .action((runPath: string, o: { output?: string; plots?: string; scatterLayer?: string }) => {
      if (!o.output && !o.plots) throw optionError('--output', 'nothing to write: give -o FILE.html and/or --plots DIR');
      checkOutputs({ report: o.output, plots: o.plots }, 'report');
      const r = readRecord(runPath);
      const rep = reportOutputs(r, {
        ...(o.output ? { html: o.output } : {}),
        ...(o.plots ? { plots: o.plots } : {}),
        ...(o.scatterLayer ? { scatterLayer: o.scatterLayer } : {}),
      });
      for (const f of rep.files) writeFileAtomic(f.path, f.data);
      for (const line of rep.summary) process.stdout.write(`${line}\n`);
    });
}
