import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // one compile of the package per run (test-output/dist), shared by every file that runs the built CLI
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // test files share their worker's module cache instead of re-importing src/, onnxruntime and
    // zod per file (measured on 26 unit files: 25.2 → 15.3 CPU s); no test changes global state
    // it does not restore
    isolate: false,
    setupFiles: ['test/helpers/quiet-ort.ts'],
    // vitest's default (cores − 1) runs the files one by one on a 2-core machine, while many of them
    // wait on child processes (the CLI, scripts, chromium, redis): the suite used 1.2 of 2 cores with
    // two files at a time, so three there (measured on a quiet 2-core machine: 169 s → 150 s)
    maxWorkers: Math.max(3, availableParallelism() + 1),
    reporters: ['default'],
  },
});
