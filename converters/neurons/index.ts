/**
 * The neuron kinds (one file each) and their ops in the onnx2snn domain. A new kind — a signed
 * neuron, a burst neuron — is a file exporting a NeuronKind (./types.ts) and a line here.
 */
import { ErrorCodes, Onnx2SnnError } from '../../src/errors.js';
import type { OpEntry } from '../types.js';
import { burstNeuron } from './burst.js';
import { ifNeuron } from './if.js';
import { neuronOp } from './integrate-and-fire.js';
import { lifNeuron } from './lif.js';
import { polyNeuron } from './poly.js';
import { bipolarNeuron, signedNeuron } from './signed.js';
import type { NeuronKind, NeuronOptions } from './types.js';

/** The --neuron values. */
export const NEURON_KINDS = [ifNeuron, lifNeuron, polyNeuron, signedNeuron, burstNeuron] as const;
/** Kinds the conversion places itself (the bipolar neurons of linear sites, src/snn/build.ts), not --neuron values. */
const INTERNAL_KINDS = [bipolarNeuron] as const;
const ALL_KINDS: readonly NeuronKind[] = [...NEURON_KINDS, ...INTERNAL_KINDS];

/** The --neuron values (the type of SnnOptions.neuron). */
export type NeuronKindName = (typeof NEURON_KINDS)[number]['name'];
export const NEURON_KIND_NAMES = NEURON_KINDS.map((k) => k.name) as [NeuronKindName, ...NeuronKindName[]];

/** The kind of a --neuron value; E_OPTION naming the known ones otherwise. */
export function neuronKind(name: string): NeuronKind {
  const k: NeuronKind | undefined = NEURON_KINDS.find((n) => n.name === name);
  if (!k)
    throw new Onnx2SnnError(ErrorCodes.OPTION, `neuron: unknown kind "${name}" (known: ${NEURON_KINDS.map((n) => n.name).join(', ')})`, {
      option: 'neuron',
      actual: name,
    });
  return k;
}

/** The kind placed at linear sites (--linear bipolar). */
export const LINEAR_SITE_KIND: NeuronKind = bipolarNeuron;

/** The kind of a layer: the bipolar kind at a linear site, the --neuron kind elsewhere. */
export function layerKind(neuron: string, layer: { readonly linear?: boolean }): NeuronKind {
  return layer.linear ? LINEAR_SITE_KIND : neuronKind(neuron);
}

/**
 * Spike sizes per range of a layer, θ = λ/levels: Γ for burst neurons and for signed and bipolar
 * neurons with bursts (./burst.ts, ./signed.ts), else 1.
 */
export function layerLevels(o: NeuronOptions, layer: { readonly linear?: boolean }): number {
  return layerKind(o.neuron, layer).levels?.(o) ?? 1;
}

export const ops: readonly OpEntry[] = ALL_KINDS.map(neuronOp);
