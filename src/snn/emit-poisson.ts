/**
 * The Poisson encoder in the emitted file (src/snn/poisson.ts states it): the generator state is
 * carried by the Loop as float64, each step's spikes sign(x)·xmax·[u < |x|/xmax] are built in the
 * body; |x|/xmax and sign(x)·xmax once before it.
 */
import type { OnnxContext } from '../../converters/backends/types.js';
import { A } from '../graph/attrs.js';
import { float32, tensor } from '../graph/tensor.js';
import type { SnnModel } from './build.js';
import { PM_A, PM_M } from './poisson.js';

type Carry = (base: string, init: string, publicName?: string, dtype?: 'float32' | 'float64') => { inName: string; outName: string };

export function emitPoisson(ctx: OnnxContext, carry: Carry, snn: SnnModel, xIn: string, shapeX: string): void {
  const { fresh, konst, node } = ctx;
  const x = snn.inputName;
  const rng = fresh('rng_state');
  const c = carry('rng', rng, '', 'float64');
  const xmax = Math.fround(snn.inputMax);
  const absx = fresh('x_abs'),
    rate = fresh('x_rate'),
    pos = fresh('x_pos'),
    neg = fresh('x_neg'),
    sign = fresh('x_sign'),
    amp = fresh('x_amp');
  const zero = konst('f_zero', float32([], [0]));
  node('outer', 'Abs', [x], [absx]);
  node('outer', 'Div', [absx, konst('xmax', float32([], [xmax]))], [rate]);
  const lt0 = fresh('x_gt0'),
    gt0 = fresh('x_lt0');
  node('outer', 'Less', [zero, x], [lt0]);
  node('outer', 'Less', [x, zero], [gt0]);
  node('outer', 'Cast', [lt0], [pos], { to: A.int(1) });
  node('outer', 'Cast', [gt0], [neg], { to: A.int(1) });
  node('outer', 'Sub', [pos, neg], [sign]);
  node('outer', 'Mul', [sign, konst('xmax_amp', float32([], [xmax]))], [amp]);
  const p = fresh('pm_p'),
    q0 = fresh('pm_q0'),
    q = fresh('pm_q'),
    qm = fresh('pm_qm'),
    uD = fresh('pm_u64'),
    u = fresh('pm_u'),
    ur = fresh('pm_u_shaped'),
    s = fresh('x_spike'),
    sf = fresh('x_spike_f');
  const mConst = konst('pm_m', tensor('float64', [], [PM_M]));
  node('body', 'Mul', [c.inName, konst('pm_a', tensor('float64', [], [PM_A]))], [p]);
  node('body', 'Div', [p, mConst], [q0]);
  node('body', 'Floor', [q0], [q]);
  node('body', 'Mul', [q, mConst], [qm]);
  node('body', 'Sub', [p, qm], [c.outName]);
  node('body', 'Div', [c.outName, mConst], [uD]);
  node('body', 'Cast', [uD], [u], { to: A.int(1) });
  node('body', 'Reshape', [u, shapeX], [ur]);
  node('body', 'Less', [ur, rate], [s]);
  node('body', 'Cast', [s], [sf], { to: A.int(1) });
  node('body', 'Mul', [sf, amp], [xIn]);
}
