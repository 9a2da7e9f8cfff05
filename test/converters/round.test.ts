import { describe, it } from 'vitest';
import { checkOp, T } from '../helpers/ort.js';

describe('Round vs onnxruntime', () => {
  it('ties to even, negative values, non-ties and integers', async () => {
    // every x.5 tie of both parities and signs, values just off a tie, integers
    const v = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 17.5, 18.5, 0.49999997, 0.50000006, -3, 0, 7, 254.5, 255.5, -127.5];
    await checkOp({ op: 'Round', opset: 11, inputs: [T('float32', [4, 4], v)], tol: 0 });
  });
});
