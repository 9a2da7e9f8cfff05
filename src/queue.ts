/**
 * onnx2snn/queue: the work queue (BullMQ on Redis). A coordinator splits a run into shard jobs and
 * merges what the workers return; workers take jobs on any machine.
 *
 *   const merged = await runQueued({ queue: 'redis://host:6379', jobs: 16, total, cfg, thresholds, expect });
 *   const worker = await startWorker({ queue: 'redis://host:6379', threads: 1 });
 */
export { runQueued, defaultJobs, type QueueRunOptions } from './distributed/queue.js';
export { startWorker, type WorkerOptions, type WorkerEvent, type RunningWorker } from './distributed/worker.js';
export { redisTarget, probeRedis, redactUrl, PASSWORD_ENV, type RedisTarget } from './distributed/redis.js';
export { JOB_NAME, type ShardJob } from './distributed/job.js';
