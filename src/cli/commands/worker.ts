/** `onnx2snn worker --queue redis://HOST:PORT`: takes shard jobs of queued runs until stopped (SIGINT/SIGTERM). */
import type { Command } from 'commander';
import type { WorkerEvent } from '../../queue.js';
import { ce, withoutRepeats } from '../render.js';
import { parseNumber } from '../options.js';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: string;
  threads?: string;
  lockMs: string;
  stalledMs: string;
  name?: string;
  quiet?: boolean;
}

function line(e: WorkerEvent): string {
  switch (e.type) {
    case 'ready':
      return `worker ${e.name}: waiting for jobs on ${e.queue}`;
    case 'start':
      return `job ${e.job}: shard ${e.shard} started`;
    case 'done':
      return `job ${e.job}: shard ${e.shard} done in ${e.seconds.toFixed(1)}s`;
    case 'failed':
      return `${ce.yellow('job failed')} ${e.job}: shard ${e.shard}: ${e.message}`;
    case 'warning':
      return `${ce.yellow('warning')} ${e.message}`;
  }
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('take shard jobs of `eval --queue` runs from a Redis queue, evaluate them and return the results (any number of workers, on any machine)')
    .requiredOption('--queue <redis-url>', 'redis://[user[:password]@]host[:port][/db]; a password may also come from ONNX2SNN_REDIS_PASSWORD')
    .option('--queue-name <name>', 'queue to listen on', 'onnx2snn')
    .option('--concurrency <n>', 'jobs at once', '1')
    .option('--threads <n>', 'onnxruntime intra-op threads per job (default: all cores)')
    .option('--lock-ms <ms>', "lock time of a job: a dead worker's job goes to another worker after at most this", '30000')
    .option('--stalled-ms <ms>', 'how often to look for jobs of dead workers', '30000')
    .option('--name <name>', 'name in messages (default: host:pid)')
    .option('-q, --quiet', 'no messages but errors')
    .action(async (o: WorkerFlags) => {
      const concurrency = parseNumber('--concurrency', o.concurrency, { min: 1, integer: true });
      const threads = o.threads !== undefined ? parseNumber('--threads', o.threads, { min: 1, integer: true }) : undefined;
      const lockMs = parseNumber('--lock-ms', o.lockMs, { min: 100, integer: true });
      const stalledMs = parseNumber('--stalled-ms', o.stalledMs, { min: 100, integer: true });
      const warn = withoutRepeats((m) => process.stderr.write(m));
      const say = (e: WorkerEvent) => {
        if (e.type === 'warning') warn(`${line(e)}\n`);
        else if (!o.quiet || e.type === 'failed') process.stderr.write(`${line(e)}\n`);
      };
      // the handlers go in before the worker starts: a signal that arrives while it connects (or
      // right after it says it is waiting) must stop it cleanly, not kill the process
      let signalled = false;
      let onSignal: () => void = () => {
        signalled = true;
      };
      process.on('SIGINT', () => onSignal());
      process.on('SIGTERM', () => onSignal());
      const { startWorker } = await import('../../queue.js');
      const w = await startWorker({
        queue: o.queue,
        queueName: o.queueName,
        concurrency,
        ...(threads ? { threads } : {}),
        lockMs,
        stalledMs,
        ...(o.name ? { name: o.name } : {}),
        onEvent: say,
      });
      await new Promise<void>((resolve) => {
        let stopping = false;
        onSignal = () => {
          // first signal: finish the running jobs; second: leave them to the stalled-job check
          w.close(stopping).then(resolve, resolve);
          stopping = true;
        };
        if (signalled) onSignal();
      });
    });
}
