/**
 * What the cluster runner (ts/cluster.ts) and `sheetc worker` (ts/cluster-worker.ts) agree
 * on: the job payload and result, the Redis keys beside BullMQ's, how an engine travels
 * (by content hash: its files published once per hash, or a shared path checked against
 * the hash), and how Redis is reached (a URL or ioredis options) with a bounded first
 * connection, so an unreachable server is E_CLUSTER_UNAVAILABLE naming the URL, not a hang.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { EncodedScenario } from './pool-input.js';
import type { Item } from './pool-worker.js';

/** Redis connection: a URL (`redis://[:password@]host:port[/db]`) or ioredis options. */
export type ClusterConnection = string | { host?: string; port?: number; db?: number; username?: string; password?: string; tls?: object };

export const PROTOCOL_VERSION = 1;

export interface JobData {
  v: typeof PROTOCOL_VERSION;
  /** The batch this job belongs to (its cancel key). */
  batch: string;
  engine: { hash: string; path?: string };
  outputs: string[] | null;
  /** Full runs (PoolRunOptions.full); absent from jobs of earlier clients (false). */
  full?: boolean;
  scenarios: EncodedScenario[];
  /** The job's time limit: its unfinished scenarios fail with E_TIMEOUT. */
  timeoutMs: number | null;
}

/** A job's return value: the outcome of each scenario, by position; or why none ran. */
export type JobResult = { items: Item[] } | { fatal: { code: string; message: string } };

export const keys = {
  engine: (queue: string, hash: string) => `sheetc:${queue}:engine:${hash}`,
  cancel: (queue: string, batch: string) => `sheetc:${queue}:cancel:${batch}`,
};

/** Engine files stay in Redis this long after their last use. */
export const ENGINE_TTL_S = 7 * 24 * 3600;

/** A connection as a URL, for messages (the password hidden). */
export function describeConnection(c: ClusterConnection): string {
  if (typeof c === 'string') {
    try {
      const u = new URL(c);
      if (u.password) u.password = '***';
      return u.href.replace(/\/$/, '');
    } catch {
      return c;
    }
  }
  return `redis://${c.host ?? '127.0.0.1'}:${c.port ?? 6379}${c.db ? `/${c.db}` : ''}`;
}

/** ioredis options for BullMQ (which needs `maxRetriesPerRequest: null` for its blocking connections). */
export function redisOptions(c: ClusterConnection): RedisOptions {
  if (typeof c !== 'string') return { ...c, maxRetriesPerRequest: null };
  let u: URL;
  try {
    u = new URL(c);
  } catch {
    throw new ClusterUnavailable(`${c} is not a Redis URL (redis://host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ClusterUnavailable(`${c} is not a Redis URL (redis://host:port)`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Redis cannot be reached (at start, or for too long during a batch). */
export class ClusterUnavailable extends Error {
  readonly code = 'E_CLUSTER_UNAVAILABLE';
}

/**
 * A plain client that fails instead of retrying forever: connects once within
 * `timeoutMs` and answers PING, else throws ClusterUnavailable naming the URL.
 */
export async function connectChecked(c: ClusterConnection, timeoutMs = 5000): Promise<Redis> {
  const where = describeConnection(c);
  const client = new Redis({
    ...redisOptions(c),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let cause: Error | null = null;
  client.on('error', (e: Error) => (cause ??= e)); // the socket's reason (connect() says only "Connection is closed")
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  } catch (e) {
    client.disconnect();
    const why = (cause as Error | null)?.message ?? (e as Error)?.message ?? String(e);
    throw new ClusterUnavailable(`Redis at ${where} is unreachable: ${why}`);
  }
  // From here on, reconnect as usual (a brief outage is not an error).
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 2000);
  client.options.maxRetriesPerRequest = 2;
  return client;
}

// ---------------------------------------------------------------------------------
// Engines by content hash

export interface EngineFiles {
  hash: string;
  /** Relative path (with `/`) → contents. */
  files: Map<string, Buffer>;
}

function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      const st = statSync(p);
      if (st.isDirectory()) return listFiles(p, root);
      return st.isFile() ? [relative(root, p).split(sep).join('/')] : [];
    });
}

/** Every file of an engine directory and the SHA-256 of (path, contents) over all of them. */
export function readEngine(dir: string): EngineFiles {
  const root = resolve(dir);
  if (!existsSync(join(root, 'engine.js'))) throw new Error(`no engine.js in ${root}`);
  const h = createHash('sha256');
  const files = new Map<string, Buffer>();
  for (const rel of listFiles(root)) {
    const data = readFileSync(join(root, rel));
    files.set(rel, data);
    h.update(`${rel}\0${data.length}\0`);
    h.update(data);
  }
  return { hash: h.digest('hex'), files };
}

/** The engine as one Redis value: JSON of path → base64. */
export function packEngine(e: EngineFiles): string {
  const o: Record<string, string> = {};
  for (const [k, v] of e.files) o[k] = v.toString('base64');
  return JSON.stringify(o);
}

export function unpackEngine(s: string): Map<string, Buffer> {
  const o = JSON.parse(s) as Record<string, string>;
  const files = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(o)) files.set(k, Buffer.from(v, 'base64'));
  return files;
}

/**
 * Writes the files into `cache/HASH` (through a temporary sibling renamed into place, so
 * a reader never sees half an engine) after checking their hash; returns the directory.
 */
export function installEngine(cache: string, hash: string, files: Map<string, Buffer>): string {
  const h = createHash('sha256');
  for (const rel of [...files.keys()].sort()) {
    const data = files.get(rel)!;
    h.update(`${rel}\0${data.length}\0`);
    h.update(data);
  }
  const got = h.digest('hex');
  if (got !== hash) throw Object.assign(new Error(`the engine's files hash to ${got}, not ${hash}`), { code: 'E_ENGINE_MISMATCH' });
  const dir = join(resolve(cache), hash);
  if (existsSync(join(dir, 'engine.js'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  for (const [rel, data] of files) {
    if (rel.split('/').some((p) => p === '..' || p === '' || p === '.')) throw Object.assign(new Error(`bad engine file name ${rel}`), { code: 'E_ENGINE_MISMATCH' });
    const p = join(tmp, ...rel.split('/'));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'engine.js'))) throw e; // else another worker won the race
  }
  return dir;
}
