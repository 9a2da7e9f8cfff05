/**
 * The event-driven WebAssembly engine (src/engine/events/): the SNN description stepped like the
 * reference simulator, with Conv/Gemm driven by input events (SIMD over output channels) and IF
 * layers in one fused pass, on worker threads over batch shards; spike counts identical to the
 * reference simulator's, synaptic operations counted by the kernels. CPU only.
 *
 * For `--engine auto`: an event-driven layer pays only below the break-even spike rate measured by
 * `npm run bench -- --engine events` (`breakEven` in its JSON: 1–3 % for 3×3 convolutions, ~7 %
 * for a 256→256 Gemm, one thread each against onnxruntime's dense layer); the whole model also pays
 * per-step work outside those layers (a pass over every neuron, residual and bias Adds in
 * JavaScript), and measured 2.3–18× onnxruntime's time on the bundled models, 4.4× on the MLP whose
 * layers spike at ~1 % (README "The events engine"). The estimate is the smallest of those, scaled
 * up by the highest probed rate over the break-even: auto does not pick this engine on these models.
 */
import type { SnnEngine } from './types.js';

/** Input spike rate below which an event-driven 3×3 Conv beats onnxruntime's dense one (README "The events engine"). */
const BREAK_EVEN = 0.025;
/** Whole-model time relative to onnxruntime, the lowest measured on the bundled models (README). */
const FLOOR = 2.3;

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
    // the floor already loses: no probe (it would cost every calibration simulation a run)
    if (FLOOR >= ctx.bestSoFar()) return FLOOR;
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
