/** `onnx2snn merge PART.json… -o run.json [--report run.html] [--plots DIR]`: shard records → the run's record. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ErrorCodes, type EvalRecord, mergeShards, Onnx2SnnError, type ShardPart } from '../../index.js';
import { checkOutputs, writeFileAtomic } from '../io.js';
import { optionError } from '../options.js';
import { c, pct, table } from '../render.js';
import { renderComparison, reportOutputs } from '../outputs.js';

function readPart(path: string): ShardPart {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  try {
    return { source: path, record: JSON.parse(text) as unknown };
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.SHARD, `${path}: not a JSON shard record (${(e as Error).message})`, { file: path });
  }
}

function summary(r: Record<string, unknown>): string {
  const shards = r['shards'] as { kind: string; count: number };
  const head = `${c.bold('merged')} ${shards.count} shard${shards.count > 1 ? 's' : ''} (0…${shards.count - 1}) of ${String(r['model'])} on ${String(r['dataset'])}, ${String(r['samples'])} samples`;
  if (shards.kind === 'eval') return `${head}\n${renderComparison(r as unknown as EvalRecord)}`;
  if (shards.kind === 'ann') return `${head}: ANN accuracy ${pct((r['ann'] as { accuracy: number }).accuracy)}`;
  const rows = (r['snn'] as { timesteps: number; accuracy: number }[]).map((s) => [String(s.timesteps), pct(s.accuracy)]);
  return `${head}\n${table(['T', 'accuracy'], rows)}`;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge the shard records of one run (eval/simulate --shard K/N --json) into the record one process would have written')
    .argument('<parts...>', 'shard records, one per shard (any order)')
    .requiredOption('-o, --output <file>', 'merged JSON to write')
    .option('--report <file>', 'also write the HTML report of the merged run (eval)')
    .option('--plots <dir>', 'also write every chart as SVG and PNG (eval)')
    .option('--scatter-layer <name>', 'layer whose ANN-vs-SNN scatter is shown first')
    .option('--save-config <file>', "also write the run's resolved configuration to this file")
    .action((paths: string[], o: { output: string; report?: string; plots?: string; scatterLayer?: string; saveConfig?: string }) => {
      checkOutputs({ json: o.output, report: o.report, plots: o.plots, config: o.saveConfig }, 'merge');
      const merged = mergeShards(paths.map(readPart), { output: o.output });
      const kind = (merged['shards'] as { kind: string }).kind;
      if ((o.report || o.plots) && kind !== 'eval')
        throw optionError(
          o.report ? '--report' : '--plots',
          `the report needs an SNN evaluation; these are shards of \`${kind === 'ann' ? 'eval --ann-only' : 'simulate'}\``,
        );
      const files: { path: string; data: string | Uint8Array }[] = [{ path: o.output, data: `${JSON.stringify(merged, null, 2)}\n` }];
      const rep =
        kind === 'eval'
          ? reportOutputs(merged as unknown as EvalRecord, {
              ...(o.report ? { html: o.report } : {}),
              ...(o.plots ? { plots: o.plots } : {}),
              ...(o.scatterLayer ? { scatterLayer: o.scatterLayer } : {}),
            })
          : { files: [], summary: [] };
      files.push(...rep.files);
      if (o.saveConfig && merged['config'] !== undefined) files.push({ path: o.saveConfig, data: `${JSON.stringify(merged['config'], null, 2)}\n` });
      for (const f of files) writeFileAtomic(f.path, f.data);
      process.stdout.write(`${summary(merged)}\n`);
      for (const line of rep.summary) process.stdout.write(`${line}\n`);
    });
}
