/** onnxruntime's error text reduced to one line for E_RUNTIME (src/engine/ort.ts ortCause). */
import { describe, expect, it } from 'vitest';
import { ortCause } from '../../src/engine/ort.js';

const CASES: readonly [string, string, string][] = [
  [
    'a load failure: status prefix, path, C++ location and function dropped',
    '[ONNXRuntimeError] : 1 : FAIL : Load model from /tmp/m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:180 onnxruntime::Model::Model(...) Unsupported model IR version: 11',
    'Unsupported model IR version: 11',
  ],
  [
    'only the first line',
    'Non-zero status code returned while running Add node.\nStacktrace:\n  at foo',
    'Non-zero status code returned while running Add node.',
  ],
  [
    'blank lines first',
    '\n\n  Type Error: Type (tensor(double)) of output arg (33)  does not match\n',
    'Type Error: Type (tensor(double)) of output arg (33) does not match',
  ],
];

describe('ortCause', () => {
  for (const [what, message, cause] of CASES) it(what, () => expect(ortCause(message)).toBe(cause));

  it('long causes are cut to 300 characters', () => {
    const c = ortCause(`x${'y'.repeat(1000)}`);
    expect(c.length).toBe(298);
    expect(c.endsWith('…')).toBe(true);
  });
});
