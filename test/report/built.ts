/** Where test/global-setup.ts puts the compiled package (one build per test run). */
import { join, resolve } from 'node:path';

export const OUT = resolve('test-output/dist');
export const CLI = join(OUT, 'src/cli/main.js');
export const INDEX = join(OUT, 'src/index.js');
/** Written by the global setup when the build is complete, or when it failed (with the compiler's output). */
export const BUILT = join(OUT, '.built');
export const BUILD_FAILED = join(OUT, '.build-failed');
