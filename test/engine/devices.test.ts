/**
 * onnxruntime devices agree: the emitted SNN on the WebGPU execution provider gives the CPU's spike
 * counts. Without a GPU this runs on a software Vulkan driver (Mesa 25 lavapipe, unpacked by
 * scripts/lavapipe.sh from Debian bookworm-backports); if that setup fails the test is skipped with
 * the reason, never silently. The Vulkan environment must exist before a process starts, so the
 * check runs in a child process (scripts/device-check.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtSession } from '../../src/engine/ort.js';
import { loadModel } from '../../src/pipeline.js';
import { builtPackage, OUT } from '../report/helpers.js';

let env: Record<string, string> | undefined;
let why = '';

beforeAll(async () => {
  await builtPackage(); // scripts/device-check.js
  const r = spawnSync('bash', ['scripts/lavapipe.sh'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    why = `software Vulkan driver not available (scripts/lavapipe.sh: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')})`;
    return;
  }
  env = Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}, 300_000);

describe('devices', () => {
  for (const id of ['vnncomp21-mnistfc-256x2', 'onnx-zoo-mnist-12', 'vnncomp21-cifar10-resnet_2b'])
    it(`webgpu (lavapipe) gives the CPU's spike counts: ${id}`, (ctx) => {
      if (!env) {
        console.warn(`SKIPPED webgpu test: ${why}`);
        ctx.skip(why);
        return;
      }
      const r = spawnSync(
        process.execPath,
        [join(OUT, 'scripts/device-check.js'), '--model', id, '--devices', 'cpu,webgpu', '--samples', '6', '--timesteps', '12'],
        {
          encoding: 'utf8',
          env: { ...process.env, ...env },
          timeout: 240_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      const d = JSON.parse(r.stdout) as Record<'cpu' | 'webgpu', { counts: number[][]; predictions: number[] }>;
      expect(d.webgpu.counts.length).toBe(d.cpu.counts.length);
      d.cpu.counts.forEach((layer, i) => expect(d.webgpu.counts[i], `layer ${i}`).toEqual(layer));
      expect(d.webgpu.predictions).toEqual(d.cpu.predictions);
      expect(d.cpu.counts.flat().some((c) => c > 0)).toBe(true);
    }, 300_000);

  it('--device cuda without the CUDA build of onnxruntime-node is a clear E_OPTION', async () => {
    const m = loadModel('fixtures/models/vnncomp21-mnistfc-256x2.onnx');
    await expect(OrtSession.create(m, { device: 'cuda' })).rejects.toMatchObject({
      code: 'E_OPTION',
      message: expect.stringMatching(/ONNXRUNTIME_NODE_INSTALL=cuda12/),
    });
  });
});
