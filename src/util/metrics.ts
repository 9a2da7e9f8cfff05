/** Classification metrics on logits [N, K] (row-major). */

/** Index of the largest value of each row; ties go to the lowest index (as numpy.argmax). */
export function argmaxRows(logits: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = logits[i * k]!;
    for (let j = 1; j < k; j++) {
      const v = logits[i * k + j]!;
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Whether the label is among the top `topk` entries of each row (ties counted against). */
export function inTopK(logits: ArrayLike<number>, n: number, k: number, labels: ArrayLike<number>, topk: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const lv = logits[i * k + labels[i]!]!;
    let above = 0;
    for (let j = 0; j < k; j++) if (logits[i * k + j]! > lv) above++;
    if (above < topk) hits++;
  }
  return hits;
}

export function accuracyOf(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) c++;
  return pred.length ? c / pred.length : 0;
}
