/**
 * `npm run fuzz -- [--cases N] [--seed S] [--timeout-ms MS] [--memory-mb MB] [--models a.onnx,b.onnx] [--json FILE]`
 *
 * A long mutational fuzz campaign of the bundled models (scripts/fuzz/mutate.ts) through every stage
 * (scripts/fuzz/case.ts). The cases run in a worker thread watched by this one: a case that takes
 * longer than --timeout-ms is a hang (the worker is terminated and restarted at the next case), a
 * worker that runs out of its --memory-mb heap is an out-of-memory. Case i of seed S is always the
 * same mutation: `--seed S --from i --cases 1` reproduces it. Prints (and writes) a JSON summary:
 * outcomes by code, by stage, every untyped error, hang and out-of-memory with its case number;
 * with --json the summary so far is saved every 500 cases and when the campaign is interrupted.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { readOnnx } from '../src/onnx/read.js';
import { DEFAULT_MODELS, fuzzCase, fuzzDataset, runCase, type CaseOutcome } from './fuzz/case.js';

interface Job {
  readonly models: readonly string[];
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}

async function workerMain(job: Job): Promise<void> {
  const originals = job.models.map((f) => new Uint8Array(readFileSync(f)));
  const datasets = originals.map((b, k) => fuzzDataset(readOnnx(b, job.models[k])));
  for (let i = job.from; i < job.to; i++) {
    const c = fuzzCase(originals, job.seed, i);
    parentPort!.postMessage({ start: i });
    const r = await runCase(c.bytes, datasets[c.model]!);
    parentPort!.postMessage({ done: i, kinds: c.kinds, model: job.models[c.model], ...r });
  }
}

interface Summary {
  cases: number;
  seed: number;
  seconds: number;
  outcomes: Record<string, number>;
  stages: Record<string, number>;
  /** The first few messages of each typed outcome, to read what the fuzz meets. */
  examples: Record<string, { case: number; stage?: string; message?: string }[]>;
  failures: { case: number; outcome: string; model?: string; kinds?: string[]; stage?: string; message?: string }[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const cases = Number(arg('cases', '2000'));
  const seed = Number(arg('seed', '1'));
  const from = Number(arg('from', '0'));
  const timeoutMs = Number(arg('timeout-ms', '20000'));
  const memoryMb = Number(arg('memory-mb', '2048'));
  const models = arg('models', DEFAULT_MODELS.join(',')).split(',');
  const json = arg('json', '');
  const t0 = Date.now();
  const s: Summary = { cases: 0, seed, seconds: 0, outcomes: {}, stages: {}, examples: {}, failures: [] };
  const count = (outcome: string, stage?: string): void => {
    s.cases++;
    s.outcomes[outcome] = (s.outcomes[outcome] ?? 0) + 1;
    if (stage) s.stages[`${stage} ${outcome}`] = (s.stages[`${stage} ${outcome}`] ?? 0) + 1;
  };
  // the summary so far is saved every 500 cases and on Ctrl-C / kill, so a long campaign can be cut short
  const save = (): string => {
    s.seconds = Math.round((Date.now() - t0) / 100) / 10;
    const text = `${JSON.stringify(s, null, 2)}\n`;
    if (json) {
      writeFileSync(`${json}.tmp`, text);
      renameSync(`${json}.tmp`, json);
    }
    return text;
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      save();
      process.exit(130);
    });
  }
  let next = from;
  const end = from + cases;
  while (next < end) {
    // one worker until it finishes, hangs or dies; then a fresh one from the next case
    next = await new Promise<number>((resolve) => {
      const w = new Worker(new URL(import.meta.url), {
        workerData: { models, seed, from: next, to: end } satisfies Job,
        resourceLimits: { maxOldGenerationSizeMb: memoryMb },
      });
      let current = next;
      let timer: NodeJS.Timeout | undefined;
      let resume = end; // where the next worker starts once this one exits
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          count('hang');
          s.failures.push({ case: current, outcome: 'hang' });
          resume = current + 1;
          void w.terminate();
        }, timeoutMs);
      };
      w.on('message', (m: { start?: number; done?: number } & CaseOutcome & { kinds?: string[]; model?: string }) => {
        if (m.start !== undefined) {
          current = m.start;
          arm();
          return;
        }
        count(m.outcome, m.stage);
        const ex = (s.examples[m.outcome] ??= []);
        if (m.outcome !== 'ok' && ex.length < 5) ex.push({ case: m.done!, stage: m.stage!, message: m.message!.slice(0, 400) });
        if (m.outcome === 'untyped')
          s.failures.push({ case: m.done!, outcome: m.outcome, model: m.model!, kinds: m.kinds!, stage: m.stage!, message: m.message! });
        if (s.cases % 500 === 0) save();
        if ((m.done! + 1) % 1000 === 0) process.stderr.write(`fuzz: ${m.done! + 1 - from}/${cases} cases, ${JSON.stringify(s.outcomes)}\n`);
      });
      w.on('error', (e: Error & { code?: string }) => {
        clearTimeout(timer);
        const outcome = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : 'crash';
        count(outcome);
        s.failures.push({ case: current, outcome, message: e.message });
        resume = current + 1;
      });
      w.on('exit', () => {
        clearTimeout(timer);
        resolve(resume);
      });
    });
  }
  const text = save();
  process.stdout.write(text);
  if (s.failures.length) process.exitCode = 1;
}

if (!isMainThread) await workerMain(workerData as Job);
else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
