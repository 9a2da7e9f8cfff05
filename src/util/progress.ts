/** Progress events: the library reports, the CLI renders. */
export interface ProgressEvent {
  /** 'ann' | 'calibrate' | 'simulate' ... */
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Free text, e.g. "T=64". */
  readonly detail?: string;
}

export type ProgressFn = (e: ProgressEvent) => void;
