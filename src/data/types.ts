/**
 * A labelled dataset of preprocessed float32 samples: held in memory (`x`: IDX, CIFAR, npz) or
 * decoded on demand (`read`: image folders, bounded memory). Consumers read batches with
 * `readSamples(ds, start, end)` (src/data/batches.ts), which serves both.
 */
export interface Dataset {
  /** The file it was read from. */
  readonly source: string;
  /** 'idx' | 'cifar10' | 'npz' | 'images' */
  readonly format: string;
  readonly count: number;
  /**
   * Shape of one sample in `x`, after the layout option: e.g. [1,28,28] for IDX images in NCHW,
   * [28,28,1] in NHWC, [3,32,32] for CIFAR in NCHW, [32,32,3] in NHWC, [F] for flat vectors.
   */
  readonly sampleShape: readonly number[];
  /** In-memory datasets: count × prod(sampleShape) float32 values, sample-major. Absent for streamed ones. */
  readonly x?: Float32Array;
  /** Streamed datasets: samples [start, end) decoded on demand (a fresh buffer; see src/data/stream.ts). */
  readonly read?: (start: number, end: number) => Promise<Float32Array>;
  /** Files left out as unreadable (image folders with `skipBad`), with the reason. */
  readonly skipped?: readonly { readonly file: string; readonly reason: string }[];
  /** count class indices. */
  readonly labels: Int32Array;
  /** Index in the file of the first sample (the offset option); 0 when absent. */
  readonly offset?: number;
  /** Number of samples in the file, before offset/limit; `count` when absent. */
  readonly total?: number;
}

/** A dataset held in memory (what the IDX, CIFAR and npz readers return). */
export type InMemoryDataset = Dataset & { readonly x: Float32Array };

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
  /** Image folders: [s] resizes the shorter side to s (bilinear, antialiased as Pillow), [h, w] to exactly h × w. */
  readonly resize?: readonly number[];
  /** Image folders: centre crop to [s] (s × s) or [h, w], zero-padded where the image is smaller. */
  readonly centerCrop?: readonly number[];
  /** Image folders: class list (line i = class i, first word its id) for wnid-prefixed file names or to index class subfolders. */
  readonly classes?: string;
  /** Image folders: leave out files that are not readable JPEG/PNG images (counted in `skipped`) instead of failing. */
  readonly skipBad?: boolean;
  /**
   * Image folders: worker threads that decode and preprocess the images (0: the calling thread);
   * default one per core from 256 images on (fewer: the calling thread, as starting the workers
   * would cost more). The samples do not depend on it.
   */
  readonly imageThreads?: number;
}
