/**
 * The CLI as a user runs it: inspect and eval --ann-only on the real models, and every kind of bad
 * input → exit 1, the stable code and the file/flag named, no output file written. Most command
 * lines run the program in this process (test/helpers/cli.ts); the built executable
 * (test-output/dist/src/cli/main.js, compiled once by test/global-setup.ts) is spawned where the
 * process itself is under test: its exit statuses, and colours decided from the environment and
 * the terminal (never coloured when it is not a terminal or NO_COLOR is set).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { evaluateAnn } from '../../src/engine/ann.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import type { Node } from '../../src/graph/types.js';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { writeOnnx } from '../../src/onnx/write.js';
import { npy, writeNpz } from '../data/helpers.js';
import { runInProcess } from '../helpers/cli.js';
import { makeModel, randomTensor } from '../helpers/ort.js';
import { builtPackage, CLI } from '../report/helpers.js';

const MAIN = CLI;
const MNIST12 = 'fixtures/models/onnx-zoo-mnist-12.onnx';
const EVERY5 = 'fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz';
const EVERY5_LABELS = 'fixtures/data/mnist/t10k_every5th-labels-idx1-ubyte.gz';
const MODELS = [
  MNIST12,
  'fixtures/models/vnncomp21-mnistfc-256x2.onnx',
  'fixtures/models/vnncomp21-verivital-convnet_maxpool.onnx',
  'fixtures/models/vnncomp21-cifar10-resnet_2b.onnx',
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape codes are what is checked
const ANSI = /\x1b\[/;

let dir = '';

beforeAll(async () => {
  await builtPackage();
  expect(existsSync(MAIN), `${MAIN} (built by test/global-setup.ts)`).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-cli-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with piped (non-TTY) stdout/stderr; every output is checked to be free of ANSI codes. */
function cli(args: readonly string[], env: Record<string, string | undefined> = {}): Run {
  const e: Record<string, string | undefined> = { ...process.env, TERM: 'xterm-256color', ...env };
  delete e['NO_COLOR'];
  if (env['NO_COLOR'] !== undefined) e['NO_COLOR'] = env['NO_COLOR'];
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: e as NodeJS.ProcessEnv, timeout: 120_000 });
  const run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  expect(run.stdout, 'stdout has no ANSI escape codes').not.toMatch(ANSI);
  expect(run.stderr, 'stderr has no ANSI escape codes').not.toMatch(ANSI);
  return run;
}

/** The same command line run in this process (test/helpers/cli.ts), with the same ANSI checks. */
async function run(args: readonly string[]): Promise<Run> {
  const r = await runInProcess(args);
  expect(r.stdout, 'stdout has no ANSI escape codes').not.toMatch(ANSI);
  expect(r.stderr, 'stderr has no ANSI escape codes').not.toMatch(ANSI);
  return r;
}

const show = (r: Run) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

// ---------------------------------------------------------------------------------------------

interface InspectJson {
  file: string;
  irVersion: number;
  opset: number;
  inputs: { name: string; dtype: string; shape: (number | string | null)[] }[];
  outputs: { name: string; dtype: string; shape: (number | string | null)[] }[];
  ops: Record<string, number>;
  canonicalOps: Record<string, number>;
  params: number;
  macs: number;
  layers: { name: string; opType: string; outputShape: number[]; params: number; macs: number }[];
  reluSites: { node: string; tensor: string; shape: number[]; neurons: number }[];
  unsupported: { node: string; opType: string; domain: string }[];
}

describe('inspect', () => {
  for (const file of MODELS) {
    it(`${file}: text and --json`, async () => {
      const t = await run(['inspect', file]);
      expect(t.status, show(t)).toBe(0);
      expect(t.stdout).toContain(file);
      expect(t.stdout).toContain('ReLU sites');
      expect(t.stdout).toContain('MACs');

      const j = await run(['inspect', file, '--json']);
      expect(j.status, show(j)).toBe(0);
      const r = JSON.parse(j.stdout) as InspectJson;
      for (const k of ['inputs', 'outputs', 'ops', 'layers', 'reluSites', 'unsupported', 'macs', 'params']) expect(r, k).toHaveProperty(k);
      expect(r.unsupported).toEqual([]);
      expect(r.inputs).toHaveLength(1);
      expect(r.outputs).toHaveLength(1);
      const m = loadOnnxFile(file);
      expect(r.inputs[0]!.name).toBe(m.graph.inputs[0]!.name);
      expect(r.irVersion).toBe(m.irVersion);
      expect(r.opset).toBe(m.opset);
      // one ReLU site per Relu node of the file, each named in the text output
      const relus = m.graph.nodes.filter((n) => n.opType === 'Relu');
      expect(r.ops['Relu']).toBe(relus.length);
      expect(r.reluSites.map((s) => s.node)).toEqual(relus.map((n) => n.name));
      for (const s of r.reluSites) {
        expect(t.stdout).toContain(s.node);
        expect(s.neurons).toBe(s.shape.slice(1).reduce((a, b) => a * b, 1));
        expect(s.neurons).toBeGreaterThan(0);
      }
      // MACs: the layers are every Conv/Gemm/MatMul, and the total is their sum
      expect(r.layers.map((l) => l.opType).every((o) => ['Conv', 'Gemm', 'MatMul'].includes(o))).toBe(true);
      expect(r.layers.length).toBe(
        Object.entries(r.canonicalOps)
          .filter(([k]) => ['Conv', 'Gemm', 'MatMul'].includes(k))
          .reduce((a, [, v]) => a + v, 0),
      );
      expect(r.macs).toBe(r.layers.reduce((a, l) => a + l.macs, 0));
      expect(t.stdout).toContain(r.macs.toLocaleString('en-US'));
    });
  }

  it('mnist-12 MACs by hand: conv1 8×28×28×(1×5×5) + conv2 16×14×14×(8×5×5) + matmul 256×10', async () => {
    const r = JSON.parse((await run(['inspect', MNIST12, '--json'])).stdout) as InspectJson;
    const conv1 = 8 * 28 * 28 * (1 * 5 * 5);
    const conv2 = 16 * 14 * 14 * (8 * 5 * 5);
    const fc = 256 * 10;
    expect(r.layers.map((l) => [l.opType, l.macs])).toEqual([
      ['Conv', conv1],
      ['Conv', conv2],
      ['MatMul', fc],
    ]);
    expect(r.macs).toBe(conv1 + conv2 + fc);
    expect(r.layers.map((l) => l.outputShape)).toEqual([
      [1, 8, 28, 28],
      [1, 16, 14, 14],
      [1, 10],
    ]);
    // weights + biases: 8·25 + 8 + 16·200 + 16 + 256·10 + 10
    expect(r.params).toBe(200 + 8 + 3200 + 16 + 2560 + 10);
    expect(r.reluSites.map((s) => s.neurons)).toEqual([8 * 28 * 28, 16 * 14 * 14]);
  });

  it('mnistfc-256x2 MACs by hand: 784×256 + 256×256 + 256×10', async () => {
    const r = JSON.parse((await run(['inspect', MODELS[1]!, '--json'])).stdout) as InspectJson;
    expect(r.layers.map((l) => l.macs)).toEqual([784 * 256, 256 * 256, 256 * 10]);
    expect(r.macs).toBe(784 * 256 + 256 * 256 + 256 * 10);
  });

  it('--json FILE writes the report and still prints the text', async () => {
    const out = join(dir, 'inspect.json');
    const r = await run(['inspect', MNIST12, '--json', out]);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toContain('ReLU sites');
    const j = JSON.parse(readFileSync(out, 'utf8')) as InspectJson;
    expect(j.reluSites).toHaveLength(2);
  });

  it('a model with unsupported ops lists all of them and exits non-zero', async () => {
    const node = (name: string, opType: string, inputs: string[], outputs: string[]): Node => ({ name, opType, domain: '', inputs, outputs, attrs: {} });
    const m = makeModel(13, {
      nodes: [
        node('conv', 'Conv', ['x', 'W'], ['c']),
        node('gate_sigmoid', 'Sigmoid', ['c'], ['s']),
        node('cell_tanh', 'Tanh', ['s'], ['t']),
        node('relu', 'Relu', ['t'], ['y']),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 1, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 2, 2, 2] }],
      initializers: new Map([['W', randomTensor([2, 1, 3, 3], 1)]]),
    });
    const file = join(dir, 'unsupported.onnx');
    writeFileSync(file, writeOnnx(m));

    const t = await run(['inspect', file]);
    expect(t.status, show(t)).toBe(1);
    expect(t.stderr).toContain('E_UNSUPPORTED_OP');
    for (const s of ['Sigmoid', 'Tanh', 'gate_sigmoid', 'cell_tanh']) {
      expect(t.stdout, `report lists ${s}`).toContain(s);
      expect(t.stderr, `error lists ${s}`).toContain(s);
    }
    expect(t.stderr).toContain(file);

    const j = await run(['inspect', file, '--json']);
    expect(j.status, show(j)).toBe(1);
    const r = JSON.parse(j.stdout) as InspectJson;
    expect(r.unsupported.map((u) => [u.node, u.opType])).toEqual([
      ['gate_sigmoid', 'Sigmoid'],
      ['cell_tanh', 'Tanh'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('eval --ann-only', () => {
  const base = ['eval', MNIST12, '--data', EVERY5, '--scale', '1/255', '--ann-only', '-q'];

  it('writes the documented JSON schema', async () => {
    const out = join(dir, 'eval.json');
    const r = await run([...base, '--json', out]);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toMatch(/accuracy \d+\.\d\d%/);
    const j = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(j).sort()).toEqual(['ann', 'dataset', 'device', 'engine', 'model', 'samples', 'seconds']);
    expect(j['model']).toBe(MNIST12);
    expect(j['dataset']).toBe(EVERY5);
    expect(j['samples']).toBe(2000);
    expect(j['engine']).toBe('onnxruntime');
    expect(j['device']).toBe('cpu');
    const ann = j['ann'] as Record<string, unknown>;
    expect(Object.keys(ann).sort()).toEqual(['accuracy', 'top5']);
    expect(typeof ann['accuracy']).toBe('number');
    expect(ann['accuracy'] as number).toBeGreaterThan(0.95);
    expect(ann['top5'] as number).toBeGreaterThanOrEqual(ann['accuracy'] as number);
    expect(ann['top5'] as number).toBeLessThanOrEqual(1);
    const hits = (ann['accuracy'] as number) * 2000;
    expect(Math.abs(hits - Math.round(hits)), 'accuracy is a count over 2000 samples').toBeLessThan(1e-6);
    const secs = j['seconds'] as Record<string, number>;
    expect(typeof secs).toBe('object');
    for (const k of ['load', 'ann', 'total']) {
      expect(typeof secs[k], k).toBe('number');
      expect(secs[k]!).toBeGreaterThanOrEqual(0);
    }
    expect(secs['total']!).toBeGreaterThanOrEqual(secs['ann']!);
    expect(r.stdout).toContain(`${((ann['accuracy'] as number) * 100).toFixed(2)}%`);
  });

  it('--predictions adds per-sample predictions that match the library and the labels', async () => {
    const out = join(dir, 'eval-pred.json');
    const r = await run([...base, '--json', out, '--predictions']);
    expect(r.status, show(r)).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { samples: number; ann: { accuracy: number; predictions: number[] } };
    const pred = j.ann.predictions;
    expect(pred).toHaveLength(2000);
    expect(pred.every((p) => Number.isInteger(p) && p >= 0 && p < 10)).toBe(true);
    const ds = loadDataset(EVERY5, { scale: 1 / 255 });
    let correct = 0;
    for (let i = 0; i < ds.count; i++) if (pred[i] === ds.labels[i]) correct++;
    expect(j.ann.accuracy).toBeCloseTo(correct / ds.count, 12);
    const lib = await evaluateAnn(canonicalize(loadOnnxFile(MNIST12)), ds, { threads: 1 });
    expect(pred).toEqual(Array.from(lib.predictions));
  });

  it('--limit and --offset select the samples', async () => {
    const out = join(dir, 'eval-limit.json');
    const r = await run([...base, '--limit', '100', '--offset', '50', '--json', out]);
    expect(r.status, show(r)).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).samples).toBe(100);
    expect(r.stdout).toContain('100 samples');
  });
});

describe('image folders and the int8 MobileNetV2', () => {
  const INT8 = 'fixtures/models/onnx-zoo-mobilenetv2-12-int8.onnx';
  const SAMPLE = 'fixtures/data/imagenet-sample';
  const pre = [
    '--classes',
    `${SAMPLE}/synsets.txt`,
    '--resize',
    '256',
    '--center-crop',
    '224',
    '--scale',
    '1/255',
    '--mean',
    '0.485,0.456,0.406',
    '--std',
    '0.229,0.224,0.225',
  ];
  const imgs = () => join(dir, 'imgs');

  beforeAll(() => {
    mkdirSync(imgs());
    for (const f of ['n01440764_tench.JPEG', 'n01530575_brambling.JPEG']) copyFileSync(join(SAMPLE, f), join(imgs(), f));
    writeFileSync(join(imgs(), 'n01601694_not_an_image.JPEG'), 'hello');
  });

  it('inspect: the quantized ops are imported, every ReLU6 site takes its threshold from its range', async () => {
    const j = await run(['inspect', INT8, '--json']);
    expect(j.status, show(j)).toBe(0);
    const r = JSON.parse(j.stdout) as InspectJson & { quantization: { format: string; rangedSites: number } };
    expect(r.unsupported).toEqual([]);
    expect(r.ops['QLinearConv']).toBe(52);
    expect(r.canonicalOps['Clip']).toBe(36);
    expect(r.quantization).toEqual({ format: 'QOperator', rangedSites: 36 });
  });

  it('eval --ann-only --skip-bad --image-threads 1: the unreadable file is left out and counted in the JSON', async () => {
    const out = join(dir, 'imgs.json');
    const r = await run(['eval', INT8, '--data', imgs(), ...pre, '--ann-only', '--skip-bad', '--image-threads', '1', '--predictions', '--json', out, '-q']);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toContain('2 samples, 1 unreadable file skipped');
    const j = JSON.parse(readFileSync(out, 'utf8')) as {
      samples: number;
      skipped: { count: number; files: { file: string; reason: string }[] };
      ann: { predictions: number[] };
    };
    expect(j.samples).toBe(2);
    expect(j.skipped.count).toBe(1);
    expect(j.skipped.files[0]!.file).toContain('n01601694_not_an_image.JPEG');
    expect(j.skipped.files[0]!.reason).toContain('not a JPEG or PNG');
    expect(j.ann.predictions).toEqual([0, 10]); // tench and brambling, classes 0 and 10
  });

  it("eval --ann-only --activation-quant keep: the int8 network's own prediction where the float graph differs", async () => {
    // bundled image 17: the float graph ('drop') says class 170, onnxruntime's int8 execution 177
    const preds = async (mode: string): Promise<number[]> => {
      const out = join(dir, `aq-${mode}.json`);
      const r = await run([
        'eval',
        INT8,
        '--data',
        SAMPLE,
        ...pre,
        '--offset',
        '17',
        '--limit',
        '1',
        '--ann-only',
        '--activation-quant',
        mode,
        '--predictions',
        '--json',
        out,
        '-q',
      ]);
      expect(r.status, show(r)).toBe(0);
      return (JSON.parse(readFileSync(out, 'utf8')) as { ann: { predictions: number[] } }).ann.predictions;
    };
    expect(await preds('drop')).toEqual([170]);
    expect(await preds('keep')).toEqual([177]);
  });

  it('eval without --skip-bad: E_DATA_FORMAT naming the file, exit 1, no JSON', async () => {
    const out = join(dir, 'imgs-bad.json');
    const r = await run(['eval', INT8, '--data', imgs(), ...pre, '--ann-only', '--json', out, '-q']);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toContain('E_DATA_FORMAT:');
    expect(r.stderr).toContain('n01601694_not_an_image.JPEG');
    expect(existsSync(out)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe('bad input: exit 1, the stable code, the file or flag named, no output file', () => {
  interface BadCase {
    readonly name: string;
    /** Arguments (functions: the temp dir exists only once the tests run). */
    readonly args: () => string[];
    readonly code: string;
    /** Strings the error message must contain (the file or flag). */
    readonly names: () => string[];
  }
  const t = (f: string) => join(dir, f);
  const evalArgs = (model: string, data: string, ...rest: string[]) => ['eval', model, '--data', data, '--ann-only', '--scale', '1/255', ...rest];

  beforeAll(() => {
    const bytes = readFileSync(MNIST12);
    writeFileSync(t('truncated.onnx'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    // 2000 images with the 10000 labels of the full test set, under matching names
    copyFileSync(EVERY5, t('mixed-images-idx3-ubyte.gz'));
    copyFileSync('fixtures/data/mnist/t10k-labels-idx1-ubyte.gz', t('mixed-labels-idx1-ubyte.gz'));
    const x = new Float32Array(2 * 784).fill(0.5);
    x[784 + 300] = NaN;
    writeNpz(t('nan.npz'), { x: npy('<f4', [2, 1, 28, 28], x), y: npy('<i8', [2], [3, 7]) });
    writeNpz(t('label12.npz'), { x: npy('<f4', [2, 1, 28, 28], new Float32Array(2 * 784).fill(0.5)), y: npy('<i8', [2], [3, 12]) });
  });

  const cases: BadCase[] = [
    { name: 'truncated model', args: () => evalArgs(t('truncated.onnx'), EVERY5), code: 'E_ONNX_PARSE', names: () => [t('truncated.onnx')] },
    {
      name: 'a text file as the model',
      args: () => evalArgs('fixtures/data/cifar10/batches.meta.txt', EVERY5),
      code: 'E_ONNX_PARSE',
      names: () => ['fixtures/data/cifar10/batches.meta.txt'],
    },
    { name: 'a dataset file as the model', args: () => evalArgs(EVERY5_LABELS, EVERY5), code: 'E_ONNX_PARSE', names: () => [EVERY5_LABELS] },
    { name: 'a missing model', args: () => evalArgs(t('nope.onnx'), EVERY5), code: 'E_FILE', names: () => [t('nope.onnx')] },
    {
      name: 'a missing data file',
      args: () => evalArgs(MNIST12, t('nope-images-idx3-ubyte.gz')),
      code: 'E_FILE',
      names: () => [t('nope-images-idx3-ubyte.gz')],
    },
    {
      name: 'CIFAR data on an MNIST model',
      args: () => evalArgs(MNIST12, 'fixtures/data/cifar10/test_first1000.bin.gz'),
      code: 'E_DATA_SHAPE',
      names: () => ['fixtures/data/cifar10/test_first1000.bin.gz'],
    },
    {
      name: 'labels count mismatch',
      args: () => evalArgs(MNIST12, t('mixed-images-idx3-ubyte.gz')),
      code: 'E_DATA_LABELS',
      names: () => [t('mixed-images-idx3-ubyte.gz'), t('mixed-labels-idx1-ubyte.gz')],
    },
    { name: 'NaN in the data', args: () => evalArgs(MNIST12, t('nan.npz')), code: 'E_DATA_NAN', names: () => [t('nan.npz'), 'sample 1'] },
    {
      name: 'a label beyond the 10 classes of the model',
      args: () => evalArgs(MNIST12, t('label12.npz')),
      code: 'E_DATA_LABELS',
      names: () => [t('label12.npz'), '12'],
    },
    { name: '--layout foo', args: () => evalArgs(MNIST12, EVERY5, '--layout', 'foo'), code: 'E_OPTION', names: () => ['--layout', 'foo'] },
    { name: '--scale abc', args: () => ['eval', MNIST12, '--data', EVERY5, '--ann-only', '--scale', 'abc'], code: 'E_OPTION', names: () => ['--scale', 'abc'] },
    { name: '--scale 1/0', args: () => ['eval', MNIST12, '--data', EVERY5, '--ann-only', '--scale', '1/0'], code: 'E_OPTION', names: () => ['--scale'] },
    { name: '--device tpu', args: () => evalArgs(MNIST12, EVERY5, '--device', 'tpu'), code: 'E_OPTION', names: () => ['--device', 'tpu'] },
    { name: '--limit 0', args: () => evalArgs(MNIST12, EVERY5, '--limit', '0'), code: 'E_OPTION', names: () => ['--limit'] },
    { name: '--limit 2.5', args: () => evalArgs(MNIST12, EVERY5, '--limit', '2.5'), code: 'E_OPTION', names: () => ['--limit'] },
    { name: '--offset past the end', args: () => evalArgs(MNIST12, EVERY5, '--offset', '2000'), code: 'E_OPTION', names: () => ['--offset'] },
    { name: '--batch-size 0', args: () => evalArgs(MNIST12, EVERY5, '--batch-size', '0'), code: 'E_OPTION', names: () => ['--batch-size'] },
    {
      name: '--mean with 3 values on 1-channel data',
      args: () => evalArgs(MNIST12, EVERY5, '--mean', '0.1,0.2,0.3'),
      code: 'E_OPTION',
      names: () => ['--mean'],
    },
    { name: 'SNN eval without --calib', args: () => ['eval', MNIST12, '--data', EVERY5, '--scale', '1/255'], code: 'E_OPTION', names: () => ['--calib'] },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.name} → ${c.code}`, async () => {
      const out = join(dir, `bad-${i}.json`);
      const r = await run([...c.args(), '--json', out]);
      expect(r.status, show(r)).toBe(1);
      expect(r.stderr).toContain(`${c.code}:`);
      for (const n of c.names()) expect(r.stderr, show(r)).toContain(n);
      expect(r.stdout).toBe('');
      expect(existsSync(out), 'no --json file is written').toBe(false);
      expect(
        readdirSync(dir).filter((f) => f.startsWith(`bad-${i}.json`)),
        'no temporary file left',
      ).toEqual([]);
    });
  }

  it('inspect of a truncated model writes no --json file', async () => {
    const out = join(dir, 'bad-inspect.json');
    const r = await run(['inspect', t('truncated.onnx'), '--json', out]);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toContain('E_ONNX_PARSE');
    expect(r.stderr).toContain(t('truncated.onnx'));
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown flag is a usage error (exit 2), not a crash', () => {
    const r = cli(['eval', MNIST12, '--data', EVERY5, '--no-such-flag']);
    expect(r.status, show(r)).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
  });
});

// ---------------------------------------------------------------------------------------------

describe('no colour when not a terminal or with NO_COLOR', () => {
  // `script` runs the CLI with a pseudo-terminal as stdout (util-linux; skipped where absent)
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  function onTerminal(cmd: string, env: Record<string, string> = {}): string {
    const e: Record<string, string | undefined> = { ...process.env, TERM: 'xterm-256color', ...env };
    if (env['NO_COLOR'] === undefined) delete e['NO_COLOR'];
    const r = spawnSync('script', ['-qc', cmd, '/dev/null'], { encoding: 'utf8', env: e as NodeJS.ProcessEnv, timeout: 60_000 });
    return r.stdout;
  }
  it.skipIf(!hasScript)('a terminal stdout is coloured, but errors redirected to a file are not', () => {
    const node = process.execPath;
    const shown = onTerminal(`${node} ${MAIN} inspect ${MNIST12}`);
    expect(shown, 'control: colour on a terminal').toMatch(ANSI);
    const err = join(dir, 'tty-stderr.txt');
    onTerminal(`${node} ${MAIN} eval ${MNIST12} --data ${EVERY5} --ann-only --layout foo 2>${err}`);
    const text = readFileSync(err, 'utf8');
    expect(text).toContain('E_OPTION');
    expect(text, 'stderr is a file: no escape codes').not.toMatch(ANSI);
  });
  it.skipIf(!hasScript)('NO_COLOR on a terminal: no escape codes', () => {
    const shown = onTerminal(
      `${process.execPath} ${MAIN} inspect ${MNIST12}; ${process.execPath} ${MAIN} eval ${MNIST12} --data ${EVERY5} --ann-only --layout foo`,
      { NO_COLOR: '1' },
    );
    expect(shown).toContain('ReLU sites');
    expect(shown).toContain('E_OPTION');
    expect(shown).not.toMatch(ANSI);
  });

  // cli() checks every run for ANSI codes; these runs exercise the coloured paths explicitly
  for (const env of [{}, { NO_COLOR: '1' }, { NO_COLOR: '' }] as Record<string, string>[]) {
    it(`inspect, eval and an error with ${JSON.stringify(env)}`, () => {
      const a = cli(['inspect', MNIST12], env);
      expect(a.status).toBe(0);
      expect(a.stdout).toContain('ReLU sites');
      const b = cli(['eval', MNIST12, '--data', EVERY5, '--scale', '1/255', '--ann-only', '--limit', '20'], env);
      expect(b.status).toBe(0);
      expect(b.stdout).toContain('accuracy');
      const e = cli(['eval', MNIST12, '--data', EVERY5, '--ann-only', '--layout', 'foo'], env);
      expect(e.status).toBe(1);
      expect(e.stderr).toMatch(/^error E_OPTION: /);
    });
  }
});
