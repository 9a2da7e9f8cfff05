/** A labelled dataset, already preprocessed into float32 samples. */
export interface Dataset {
  /** The file it was read from. */
  readonly source: string;
  /** 'idx' | 'cifar10' | 'npz' | ... */
  readonly format: string;
  readonly count: number;
  /**
   * Shape of one sample in `x`, after the layout option: e.g. [1,28,28] for IDX images in NCHW,
   * [28,28,1] in NHWC, [3,32,32] for CIFAR in NCHW, [32,32,3] in NHWC, [F] for flat vectors.
   */
  readonly sampleShape: readonly number[];
  /** count × prod(sampleShape) float32 values, sample-major. */
  readonly x: Float32Array;
  /** count class indices. */
  readonly labels: Int32Array;
  /** Index in the file of the first sample (the offset option); 0 when absent. */
  readonly offset?: number;
  /** Number of samples in the file, before offset/limit; `count` when absent. */
  readonly total?: number;
}

export interface Preprocess {
  /** Multiply raw pixel values by this (e.g. 1/255). Default 1. */
  readonly scale?: number;
  /** Per-channel mean subtracted after scaling (one value, or one per channel). */
  readonly mean?: readonly number[];
  /** Per-channel std divided by after the mean (one value, or one per channel). */
  readonly std?: readonly number[];
  /** Layout the model wants for image data. Default 'nchw'. */
  readonly layout?: 'nchw' | 'nhwc';
  /** Use at most this many samples (after offset). */
  readonly limit?: number;
  /** Skip this many samples first. */
  readonly offset?: number;
  /** Explicit labels file (IDX). */
  readonly labels?: string;
}
