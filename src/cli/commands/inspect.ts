import type { Command } from 'commander';
import { ErrorCodes, inspectModel, type InspectReport, loadOnnxFile, Onnx2SnnError } from '../../index.js';
import { checkOutputs, writeFileAtomic } from '../io.js';
import { c, table } from '../render.js';

function fmtShape(s: readonly (number | string | null)[]): string {
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function renderInspect(r: InspectReport): string {
  const lines: string[] = [];
  lines.push(`${c.bold(r.file)}  IR ${r.irVersion}, opset ${r.opset}${r.producer ? `, from ${r.producer}` : ''}`);
  for (const i of r.inputs) lines.push(`  input  ${c.cyan(i.name)} ${i.dtype} ${fmtShape(i.shape)}`);
  for (const o of r.outputs) lines.push(`  output ${c.cyan(o.name)} ${o.dtype} ${fmtShape(o.shape)}`);
  lines.push(
    `  ops: ${Object.entries(r.ops)
      .map(([k, v]) => `${k}×${v}`)
      .join(', ')}`,
  );
  if (Object.keys(r.canonicalOps).length)
    lines.push(
      `  after import passes: ${Object.entries(r.canonicalOps)
        .map(([k, v]) => `${k}×${v}`)
        .join(', ')}`,
    );
  if (r.unsupported.length) {
    lines.push(c.red(`  ${r.unsupported.length} unsupported op(s):`));
    for (const u of r.unsupported) lines.push(c.red(`    ${u.opType}${u.domain ? ` (${u.domain})` : ''} at node "${u.node}"`));
    return lines.join('\n');
  }
  if (r.quantization)
    lines.push(
      `  quantized (${r.quantization.format}), imported as float: ${r.quantization.rangedSites} of ${r.reluSites.length} ReLU sites take their threshold from their quantization range`,
    );
  lines.push(`  parameters: ${r.params.toLocaleString('en-US')}   MACs/sample: ${r.macs.toLocaleString('en-US')} (${fmtCount(r.macs)})`);
  lines.push('');
  lines.push(
    table(
      ['layer', 'op', 'output', 'params', 'MACs'],
      r.layers.map((l) => [l.name, l.opType, fmtShape(l.outputShape), l.params.toLocaleString('en-US'), l.macs.toLocaleString('en-US')]),
    ),
  );
  lines.push('');
  lines.push(
    `${c.bold('ReLU sites → spiking neurons')} (${r.reluSites.length}, ${r.reluSites.reduce((a, s) => a + s.neurons, 0).toLocaleString('en-US')} neurons/sample)`,
  );
  lines.push(
    table(
      ['node', 'tensor', 'shape', 'neurons'],
      r.reluSites.map((s) => [s.node, s.tensor, fmtShape(s.shape), s.neurons.toLocaleString('en-US')]),
    ),
  );
  return lines.join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('describe a model: inputs, outputs, ops, parameters, MACs per layer, ReLU sites, unsupported ops')
    .argument('<model>', 'ONNX file')
    .option('--json [file]', 'print JSON (or write it to a file)')
    .action((modelPath: string, o: { json?: string | boolean }) => {
      if (typeof o.json === 'string') checkOutputs({ json: o.json }, 'inspect');
      const report = inspectModel(loadOnnxFile(modelPath));
      if (o.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        if (typeof o.json === 'string') writeFileAtomic(o.json, `${JSON.stringify(report, null, 2)}\n`);
        process.stdout.write(`${renderInspect(report)}\n`);
      }
      if (report.unsupported.length) {
        const e = new Onnx2SnnError(
          ErrorCodes.UNSUPPORTED_OP,
          `${modelPath}: ${report.unsupported.length} unsupported op(s): ${report.unsupported.map((u) => `${u.opType} at "${u.node}"`).join('; ')}`,
          { file: modelPath, nodes: report.unsupported },
        );
        throw e;
      }
    });
}
