/** The queue tests' Redis: scripts/redis-server.ts (shared with `npm run bench:queue`). */
export { freePort, startRedis, REDIS_SERVER, type RedisServer } from '../../scripts/redis-server.js';
