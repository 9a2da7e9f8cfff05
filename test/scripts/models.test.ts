/** Which models the scripts run: the bundled four by default, any registered model by id. */
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ALL_MODELS, BUNDLED_MODELS, OWN_MODELS, selectModels } from '../../scripts/models.js';

it('runs the bundled four without --models, and any registered model by id, in registry order', () => {
  expect(selectModels()).toBe(BUNDLED_MODELS);
  expect(BUNDLED_MODELS.some((m) => m.id.startsWith('own-'))).toBe(false);
  expect(selectModels('own-mnist-mobilenetv2,onnx-zoo-mnist-12').map((m) => m.id)).toEqual(['onnx-zoo-mnist-12', 'own-mnist-mobilenetv2']);
  expect(selectModels(OWN_MODELS.map((m) => m.id).join(','))).toEqual(OWN_MODELS);
});

it('refuses an unknown id, naming it and the known ones', () => {
  expect(() => selectModels('onnx-zoo-mnist-12,nope')).toThrow(/unknown model\(s\) nope; known: .*own-fmnist-resnet20-bn/);
});

it('every registered model has its files in the repository', () => {
  expect(new Set(ALL_MODELS.map((m) => m.id)).size).toBe(ALL_MODELS.length);
  for (const m of ALL_MODELS) for (const f of [m.file, m.test, m.calib]) expect(existsSync(f), `${m.id}: ${f}`).toBe(true);
});
