/** Queue URLs in messages: the password is never shown (no ioredis import here, so the CLI loads it only for --queue). */

/** Where a password comes from when the URL has none. */
export const PASSWORD_ENV = 'ONNX2SNN_REDIS_PASSWORD';

/** The URL with its password (if any) replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}
