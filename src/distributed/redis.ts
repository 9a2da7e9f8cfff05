/**
 * Redis connections for the work queue (ioredis). The URL is `redis://[user[:password]@]host[:port][/db]`
 * (`rediss://` for TLS); a password comes from the URL or, when the URL has none, from the
 * environment variable ONNX2SNN_REDIS_PASSWORD. Passwords are never printed: every message shows
 * the URL through `redactUrl`. Connection and authentication problems are typed errors
 * (E_QUEUE_CONNECT, E_QUEUE_AUTH), found by one probe connection before any work starts.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { PASSWORD_ENV, redactUrl } from './url.js';

export { PASSWORD_ENV, redactUrl } from './url.js';

export interface RedisTarget {
  /** The URL for messages (password redacted). */
  readonly shown: string;
  readonly options: RedisOptions;
}

/** Parses a queue URL; E_OPTION for anything that is not a redis:// or rediss:// URL. */
export function redisTarget(url: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  const shown = redactUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--queue: not a URL: ${shown} (expected redis://[user[:password]@]host[:port][/db])`, {
      option: '--queue',
      actual: shown,
    });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--queue: expected a redis:// or rediss:// URL, got ${shown}`, { option: '--queue', actual: shown });
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--queue: the database in ${shown} must be a number`, { option: '--queue', actual: shown });
  const password = u.password ? decodeURIComponent(u.password) : env[PASSWORD_ENV] || undefined;
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return { shown, options };
}

function classify(target: RedisTarget, e: Error & { code?: string }): Onnx2SnnError {
  const msg = e.message ?? String(e);
  if (/NOAUTH|WRONGPASS|AUTH/.test(msg)) {
    const hint = target.options.password ? 'the password was refused' : `the server needs a password: put it in the URL or in ${PASSWORD_ENV}`;
    return new Onnx2SnnError(ErrorCodes.QUEUE_AUTH, `queue ${target.shown}: authentication failed: ${hint} (${msg.split(' ')[0]})`, { queue: target.shown });
  }
  return new Onnx2SnnError(ErrorCodes.QUEUE_CONNECT, `queue ${target.shown}: cannot connect (${e.code ?? msg})`, {
    queue: target.shown,
    reason: e.code ?? msg,
  });
}

/** Connects once, without retrying, and pings: the typed error of what is wrong, or nothing. */
export async function probeRedis(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const c = new Redis({
    ...target.options,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
  });
  let first: (Error & { code?: string }) | undefined;
  c.on('error', (e: Error) => {
    first ??= e;
  });
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    throw classify(target, first ?? (e as Error));
  } finally {
    c.disconnect();
  }
}

/**
 * A client for BullMQ (which needs maxRetriesPerRequest: null): reconnects every ≤ 2 s when the
 * connection drops; errors go to `onError` (already redacted), never to an unhandled event.
 */
export function redisClient(target: RedisTarget, onError: (message: string) => void = () => {}): Redis {
  const c = new Redis({ ...target.options, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(200 * times, 2000) });
  c.on('error', (e: Error & { code?: string }) => onError(`queue ${target.shown}: ${e.code ?? e.message}`));
  return c;
}
