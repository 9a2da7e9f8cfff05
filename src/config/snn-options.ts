/** Config sections of the spiking side: the conversion settings and what `eval` measures (src/config/schema.ts). */
import * as z from 'zod';
import { NEURON_KIND_NAMES } from '../../converters/neurons/index.js';
import { DEFAULT_SNN_OPTIONS } from '../snn/types.js';
import { ALL, cli, EVAL, EVAL_SIM, SNN } from './meta.js';

export const conversionSchema = z
  .strictObject({
    neuron: z
      .enum(NEURON_KIND_NAMES)
      .optional()
      .describe(
        'neuron model: integrate-and-fire, leaky, polynomial (with conversion.poly), signed (IF with negative spikes that cancel early over-firing, Wang et al. 2022), or burst (IF that may emit up to --burst spikes per step, Li & Zeng 2022); default: signed on networks with linear sites (MobileNetV2-style), if otherwise',
      )
      .register(cli, { flag: `--neuron <${NEURON_KIND_NAMES.join('|')}>`, commands: ALL }),
    poly: z
      .array(z.number())
      .min(1)
      .optional()
      .describe("'poly' neurons: the normalised polynomial p(u), coefficients lowest degree first")
      .register(cli, { flag: '--poly <c0,c1,...>', commands: ALL, parse: 'numbers' }),
    qif: z
      .array(z.number())
      .length(3)
      .optional()
      .describe('QIF neurons: a,u1,u2 of p(u) = a(u − u1)(u − u2) (sets --neuron poly); e.g. 0.25,0,0.5')
      .register(cli, { flag: '--qif <a,u1,u2>', commands: ALL, parse: 'numbers' }),
    burst: z
      .number()
      .int()
      .min(1)
      .max(16)
      .optional()
      .describe(
        "the largest burst Γ (Li & Zeng 2022), spikes one neuron may emit in one step (θ = λ/Γ; every spike counts in the synaptic operations): with --neuron burst (default 2) or --neuron signed (signed and bipolar bursts, default 1); alone it gives the network's default neuron bursts (IF → --neuron burst, signed → signed bursts); other neurons: refused",
      )
      .register(cli, { flag: '--burst <n>', commands: ALL, parse: 'number' }),
    beta: z
      .number()
      .gt(0)
      .lte(1)
      .default(DEFAULT_SNN_OPTIONS.beta)
      .describe('LIF leak factor β in (0, 1]')
      .register(cli, { flag: '--beta <b>', commands: ALL, parse: 'number' }),
    reset: z
      .enum(['subtract', 'zero'])
      .default(DEFAULT_SNN_OPTIONS.reset)
      .describe('reset after a spike')
      .register(cli, { flag: '--reset <subtract|zero>', commands: ALL }),
    vInit: z
      .number()
      .gte(0)
      .lt(1)
      .default(DEFAULT_SNN_OPTIONS.vInit)
      .describe('initial membrane potential as a fraction of the threshold, in [0, 1)')
      .register(cli, { flag: '--v-init <f>', commands: ALL, parse: 'number' }),
    readout: z
      .enum(['membrane', 'spikes'])
      .default(DEFAULT_SNN_OPTIONS.readout)
      .describe('output layer: non-spiking integrator or spike counts')
      .register(cli, { flag: '--readout <membrane|spikes>', commands: SNN }),
    encoding: z
      .enum(['current', 'poisson'])
      .default(DEFAULT_SNN_OPTIONS.encoding)
      .describe('input encoding')
      .register(cli, { flag: '--encoding <current|poisson>', commands: SNN }),
    seed: z
      .number()
      .int()
      .default(DEFAULT_SNN_OPTIONS.seed)
      .describe('seed of the Poisson encoder')
      .register(cli, { flag: '--seed <n>', commands: SNN, parse: 'number' }),
    solve: z
      .enum(['closed-form', 'step'])
      .default(DEFAULT_SNN_OPTIONS.solve as 'closed-form')
      .describe('layers with a constant input current: exact spike counts ⌊v0/θ + t·clamp(I/θ, 0, 1)⌋, or stepped like the others')
      .register(cli, { flag: '--solve <closed-form|step>', commands: SNN }),
    linear: z
      .enum(['analog', 'bipolar'])
      .default(DEFAULT_SNN_OPTIONS.linear as 'bipolar')
      .describe(
        'linear sites (projections without activation, residual sums without ReLU feeding a weighted layer): bipolar neurons with spikes of either sign, or the analog signal',
      )
      .register(cli, { flag: '--linear <analog|bipolar>', commands: ALL }),
  })
  .describe('Conversion settings of the spiking network.');

export const evaluationSchema = z
  .strictObject({
    timesteps: z
      .array(z.number().int().min(1).max(100_000))
      .min(1)
      .default([8, 16, 32, 64, 128, 256])
      .describe('time steps to score')
      .register(cli, { flag: '--timesteps <list>', commands: EVAL_SIM, parse: 'numbers' }),
    annOnly: z.boolean().default(false).describe('evaluate the ANN only').register(cli, { flag: '--ann-only', commands: EVAL, parse: 'switch' }),
    predictions: z
      .boolean()
      .default(false)
      .describe('include per-sample predictions in the JSON')
      .register(cli, { flag: '--predictions', commands: EVAL_SIM, parse: 'switch' }),
    activationQuant: z
      .enum(['drop', 'keep'])
      .default('drop')
      .describe(
        "int8 models: the ANN column from the real-valued graph the SNN approximates ('drop'), or with the activation rounding of int8 execution emulated bit for bit ('keep'); the SNN is always converted from 'drop'",
      )
      .register(cli, { flag: '--activation-quant <drop|keep>', commands: EVAL }),
    minCorrelation: z
      .number()
      .gte(-1)
      .lte(1)
      .default(0.95)
      .describe('diagnosis: name the first layer whose ANN/SNN correlation at the largest T is below this')
      .register(cli, { flag: '--min-correlation <r>', commands: EVAL, parse: 'number' }),
  })
  .describe('What `eval` measures.');
