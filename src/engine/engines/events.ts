/**
 * The event-driven WebAssembly engine (src/engine/events/): the SNN description stepped like the
 * reference simulator, with Conv/Gemm driven by input events (SIMD over output channels) and IF
 * layers in one fused pass, on worker threads over batch shards; spike counts identical to the
 * reference simulator's, synaptic operations counted by the kernels. CPU only.
 *
 * For `--engine auto`: an event-driven layer pays only below the break-even spike rate measured by
 * `npm run bench -- --engine events` (`breakEven` in its JSON: 3–4 % for 3×3 convolutions, ~10 %
 * for a 256→256 Gemm, one thread each against onnxruntime's dense layer); the whole model also pays
 * a floor of per-step work outside the event-driven layers (neuron passes, pooling and residual
 * sums in JavaScript), measured at ≥ 2.9× onnxruntime's time on every bundled model, even the MLP
 * whose layers spike at ~1 % (README "Speed", lever 3). The estimate is that floor, scaled up by
 * the highest probed rate over the break-even: auto does not pick this engine on the bundled models.
 */
import type { SnnEngine } from './types.js';

/** Input spike rate below which an event-driven Conv beats onnxruntime's dense one (README "Speed", lever 3). */
const BREAK_EVEN = 0.04;
/** Whole-model time relative to onnxruntime at rates far below the break-even (measured on the MLP, README). */
const FLOOR = 3;

export const eventsEngine: SnnEngine = {
  id: 'events',
  summary: 'event-driven WebAssembly SIMD kernels on worker threads (CPU; pays only at sparse spiking)',
  unavailable: (input, opts) =>
    !input.snn
      ? 'it steps the SNN description, which needs the ANN (eval, or simulateDataset with `snn`)'
      : opts.session
        ? 'an onnxruntime session was given'
        : opts.device && opts.device !== 'cpu'
          ? `it runs on the CPU only, not --device ${opts.device}`
          : undefined,
  async estimate(ctx) {
    const rates = await ctx.spikeRates();
    return rates.length ? FLOOR * Math.max(1, Math.max(...rates) / BREAK_EVEN) : undefined;
  },
  async simulate(input, ds, opts) {
    const { simulateEvents } = await import('../events/dataset.js');
    return simulateEvents(input.snn!(), ds, {
      timesteps: opts.timesteps,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.onCounts ? { onCounts: opts.onCounts } : {}),
    });
  },
};
