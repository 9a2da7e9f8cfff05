/**
 * The event-driven WebAssembly engine (src/engine/events/): the SNN description stepped like the
 * reference simulator, with Conv/Gemm driven by input events (SIMD over output channels) and IF
 * layers in one fused pass, on worker threads over batch shards; spike counts identical to the
 * reference simulator's, synaptic operations counted by the kernels. CPU only.
 *
 * For `--engine auto`: it pays only where every layer spikes below the break-even rate measured
 * by `npm run bench` (`breakEven` in the JSON; README "Speed", lever 3). The estimate is the
 * highest probed rate over that break-even: below 1 only when every layer is below it.
 */
import type { SnnEngine } from './types.js';

/** Input spike rate below which an event-driven layer beats onnxruntime's dense one (this project's machine, README). */
export const EVENTS_BREAK_EVEN = 0.05;

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
    return rates.length ? Math.max(...rates) / EVENTS_BREAK_EVEN : undefined;
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
