/**
 * A throwaway Redis for the queue tests and `npm run bench:queue`: Debian's redis-server on a free
 * loopback port, no persistence, stopped afterwards. When it cannot start, `startRedis` says why
 * (the tests then skip).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The redis-server process (for CPU accounting). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again; the server binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server (optionally with a password); `{ skip }` with the reason when it cannot. */
export async function startRedis(opts: { password?: string } = {}): Promise<RedisServer | { skip: string }> {
  if (!existsSync(REDIS_SERVER)) return { skip: `${REDIS_SERVER} is not installed (apt-get install redis-server; .ci/run does it)` };
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(opts.password ? ['--requirepass', opts.password] : [])];
  const proc: ChildProcess = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const ready = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 15_000);
    const on = (d: Buffer) => {
      log += d.toString();
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(t);
        resolve(true);
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', () => {
      clearTimeout(t);
      resolve(false);
    });
    proc.once('error', () => resolve(false));
  });
  if (!ready) {
    proc.kill('SIGKILL');
    return { skip: `redis-server did not start on port ${port}: ${log.trim().split('\n').slice(-2).join(' ') || 'no output'}` };
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: proc.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
