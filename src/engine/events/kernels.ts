/**
 * The event-driven WebAssembly kernels (assembly/events.ts), instantiated with plain WebAssembly
 * APIs from the bytes embedded at build time (./kernels-wasm.ts): no file access, no Node API, so
 * the same code runs in a browser. One instance per simulation, with its own linear memory; buffers
 * are laid out by a bump allocator and the memory is grown once, before any view is taken (growing
 * detaches the views).
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  synopsDone(): number;
  resetSynops(): void;
  convEvents(x: number, w: number, bias: number, acc: number, out: number, geom: number): number;
  gemmEvents(a: number, b: number, c: number, acc: number, out: number, n: number, k: number, j: number, alpha: number, beta: number): number;
  closedFormStep(a: number, b: number, theta: number, out: number, counts: number, len: number, per: number, t: number): number;
  spikingPool(x: number, counts: number, starts: number, offs: number, out: number, n: number, inPer: number, outPer: number): void;
  ifStep(v: number, current: number, theta: number, extra: number, out: number, counts: number, len: number, per: number, sub: number): number;
}

let compiled: WebAssembly.Module | undefined;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module (once per process); E_OPTION where WebAssembly SIMD is missing. */
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  try {
    compiled = new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64));
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--engine events: this JavaScript runtime cannot compile WebAssembly with SIMD (${(e as Error).message})`, {
      option: 'engine',
    });
  }
  return compiled;
}

const PAGE = 65536;

/** A kernel instance and its memory: allocate every buffer, then `seal()`, then take views. */
export class Kernels {
  readonly k: KernelExports;
  private top: number;
  private sealed = false;

  constructor() {
    this.k = new WebAssembly.Instance(kernelModule(), {}).exports as unknown as KernelExports;
    this.top = this.k.heapBase();
  }

  /** Byte offset of a fresh 16-byte aligned buffer of `bytes` bytes (zeroed: fresh memory). */
  alloc(bytes: number): number {
    if (this.sealed) throw new Error('Kernels.alloc after seal');
    const p = (this.top + 15) & ~15;
    this.top = p + bytes;
    return p;
  }

  /** Grows the memory to hold every buffer; views taken after this stay valid. */
  seal(): void {
    const need = Math.ceil(this.top / PAGE) - this.k.memory.buffer.byteLength / PAGE;
    if (need > 0) this.k.memory.grow(need);
    this.sealed = true;
  }

  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, len);
  }

  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, ptr, len);
  }

  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, len);
  }
}
