import { SheetcError } from '../../errors.js';
import { COMMON_OPTIONS, num, str, type Command } from '../command.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'serve scenario batches of sheetc/cluster from a Redis queue',
  usage: 'sheetc worker --redis URL --queue NAME [--threads N] [--engine-cache DIR]',
  description:
    'Run the jobs that createClusterRunner() (sheetc/cluster) puts on the BullMQ queue NAME on the\n' +
    'Redis server at URL, with a local pool of N workers. Engines arrive by content hash and are\n' +
    'kept in the engine cache. Runs until interrupted (SIGINT/SIGTERM: finishes the jobs running,\n' +
    'then exits); a worker killed outright loses its jobs to another worker after the stalled\n' +
    'interval.',
  options: {
    redis: { type: 'string', valueName: 'URL', description: 'the Redis server (redis://host:6379)' },
    queue: { type: 'string', valueName: 'NAME', description: "the queue to serve (the runner's queue)" },
    threads: { type: 'number', integer: true, valueName: 'N', description: 'pool workers (default: cores − 1, at most 8)' },
    runtime: { type: 'string', valueName: 'R', description: 'worker_threads (default) or child_process' },
    'engine-cache': { type: 'string', valueName: 'DIR', description: 'where engines are kept by hash (default: the temp directory)' },
    concurrency: { type: 'number', integer: true, valueName: 'N', description: 'jobs at once (default 1)' },
    'lock-duration': { type: 'number', integer: true, valueName: 'MS', description: 'a job whose worker stops renewing its lock this long is stalled\n(default 30000)' },
    'stalled-interval': { type: 'number', integer: true, valueName: 'MS', description: 'how often stalled jobs are sent back to the queue (default 30000)' },
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    if (ctx.positionals.length > 0) throw new SheetcError('E_INVALID_OPTION', `worker takes no arguments, got ${ctx.positionals.join(' ')}`);
    const redis = str(ctx.options, 'redis');
    const queue = str(ctx.options, 'queue');
    if (!redis) throw new SheetcError('E_INVALID_OPTION', 'worker needs --redis URL');
    if (!queue) throw new SheetcError('E_INVALID_OPTION', 'worker needs --queue NAME');
    const runtime = str(ctx.options, 'runtime');
    if (runtime !== undefined && runtime !== 'worker_threads' && runtime !== 'child_process') {
      throw new SheetcError('E_INVALID_OPTION', `--runtime must be worker_threads or child_process, not ${runtime}`);
    }
    // BullMQ and ioredis load only for this command.
    const { startClusterWorker } = await import('../../cluster-worker.js');
    const threads = num(ctx.options, 'threads');
    const out = ctx.streams.stdout;
    const worker = await startClusterWorker({
      connection: redis,
      queue,
      threads,
      runtime,
      engineCache: str(ctx.options, 'engine-cache'),
      concurrency: num(ctx.options, 'concurrency'),
      lockDurationMs: num(ctx.options, 'lock-duration'),
      stalledIntervalMs: num(ctx.options, 'stalled-interval'),
      onJob: (e) => {
        if (ctx.json) out.write(JSON.stringify({ event: 'job', ...e }) + '\n');
      },
    });
    const ready = { event: 'ready', queue, redis: redactUrl(redis), pid: process.pid, engineCache: worker.engineCache };
    out.write(ctx.json ? JSON.stringify(ready) + '\n' : `sheetc worker ${process.pid}: serving queue ${queue} on ${ready.redis} (engine cache ${worker.engineCache})\n`);
    await new Promise<void>((resolveP) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void worker.close().then(resolveP, resolveP);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href.replace(/\/$/, '');
  } catch {
    return url;
  }
}
