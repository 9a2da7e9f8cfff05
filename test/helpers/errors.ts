/** Error assertions shared by the test folders: the code under test must throw an Onnx2SnnError. */
import { expect } from 'vitest';
import { isOnnx2SnnError, type Onnx2SnnError } from '../../src/errors.js';

const nothingThrown = (): never => expect.fail('expected an Onnx2SnnError, but nothing was thrown') as never;

/** Runs fn and returns the Onnx2SnnError it throws; fails if it returns, rethrows any other error. */
export function thrown(fn: () => unknown): Onnx2SnnError {
  try {
    fn();
  } catch (e) {
    if (isOnnx2SnnError(e)) return e;
    throw e;
  }
  return nothingThrown();
}

/** The same for an async function. */
export async function thrownAsync(fn: () => unknown): Promise<Onnx2SnnError> {
  try {
    await fn();
  } catch (e) {
    if (isOnnx2SnnError(e)) return e;
    throw e;
  }
  return nothingThrown();
}

function check(e: Onnx2SnnError, code: string, snippets: readonly string[]): Onnx2SnnError {
  expect(e.code, e.message).toBe(code);
  for (const s of snippets) expect(e.message).toContain(s);
  return e;
}

/** Runs fn, expects an Onnx2SnnError with `code` whose message contains every snippet; returns it. */
export function expectError(fn: () => unknown, code: string, ...snippets: string[]): Onnx2SnnError {
  return check(thrown(fn), code, snippets);
}

/** The same for an async function. */
export async function expectErrorAsync(fn: () => unknown, code: string, ...snippets: string[]): Promise<Onnx2SnnError> {
  return check(await thrownAsync(fn), code, snippets);
}
