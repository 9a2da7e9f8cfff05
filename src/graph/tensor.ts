import type { DType, Tensor } from './types.js';

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Makes a tensor, converting the data to the storage type of `dtype` (Float32Array for float32). */
export function tensor(dtype: DType, dims: readonly number[], data: ArrayLike<number>): Tensor {
  const n = sizeOf(dims);
  if (data.length !== n) throw new Error(`tensor: ${data.length} values for dims [${dims.join(',')}] (${n})`);
  const arr = dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
  if (dtype !== 'float32' && dtype !== 'float64') {
    // integer and bool types: values are exact integers
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i]!;
      arr[i] = dtype === 'bool' ? (v ? 1 : 0) : Math.trunc(v);
    }
  }
  return { dtype, dims: [...dims], data: arr };
}

export function scalar(dtype: DType, value: number): Tensor {
  return tensor(dtype, [], [value]);
}

export function float32(dims: readonly number[], data: ArrayLike<number>): Tensor {
  return tensor('float32', dims, data);
}

export function int64(dims: readonly number[], data: ArrayLike<number>): Tensor {
  return tensor('int64', dims, data);
}

/** Row-major strides. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}
