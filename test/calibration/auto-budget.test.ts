import { describe, expect, it } from 'vitest';
import { layerwiseCost, macsPerSample } from '../../calibration/auto-budget.js';
import { linearCalibrationSites, reluSites } from '../../calibration/sites.js';
import { inspectModel } from '../../src/eval/inspect.js';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { loadModel } from '../../src/pipeline.js';

const MODELS = ['vnncomp21-cifar10-resnet_2b', 'own-mnist-mobilenetv2'];

describe("auto's layer-wise budget (calibration/auto-budget.ts)", () => {
  it.each(MODELS)('%s: MACs per sample as inspect counts them, cost = fit × T × neuron layers × MACs', (id) => {
    const file = `fixtures/models/${id}.onnx`;
    const model = loadModel(file);
    const macs = macsPerSample(model);
    expect(macs).toBe(inspectModel(loadOnnxFile(file)).macs);
    const relu = reluSites(model).length;
    const linear = linearCalibrationSites(model).length;
    expect(layerwiseCost(model, 10, 16, false)).toBe(10 * 16 * relu * macs);
    expect(layerwiseCost(model, 10, 16, true)).toBe(10 * 16 * (relu + linear) * macs);
  });
});
