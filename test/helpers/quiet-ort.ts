/**
 * Vitest setup: loads the engine module first, which sets onnxruntime's log level (src/engine/ort.ts)
 * before any session is created, so that tests that create sessions directly print no
 * onnxruntime warnings either.
 */
import '../../src/engine/ort.js';
