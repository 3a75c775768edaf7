/**
 * The public types of the scenario pool (`createPool()`, ts/pool.ts) and of the cluster
 * runner (`sheetc/cluster`, ts/cluster.ts), which share the batch semantics: results in
 * input order, identical scenarios computed once, typed per-scenario errors, failFast.
 */
import type { InputValue, JsonValue, RunMeta } from './runtime/engine.js';

export type PoolRuntime = 'worker_threads' | 'child_process';

export interface PoolOptions {
  /** The engine directory (holding `engine.js`) built by `compile()`. */
  engine: string;
  /** Workers at most (default: available cores − 1, at least 1, at most 8). */
  threads?: number;
  /** Default worker_threads; child_process isolates native crashes and memory. */
  runtime?: PoolRuntime;
  /** Per-scenario time limit (on workers: see `inlineThreshold`). */
  timeoutMs?: number;
  /** A worker whose heap (or, for child processes, RSS) exceeds this is recycled between scenarios. */
  maxMemoryMb?: number;
  /**
   * Hard limit of each worker's JavaScript heap: a scenario that allocates past it fails
   * with E_WORKER_CRASHED and its worker is replaced; the host is not affected. Default:
   * this process's own heap limit, or the machine's memory divided among the workers and
   * the host, whichever is smaller.
   */
  heapLimitMb?: number;
  /**
   * Batches of at most this many scenarios run inline in the calling thread, without
   * workers (default 16, or 0 when `timeoutMs` is set, since an inline run cannot be
   * interrupted; 0 always uses workers).
   */
  inlineThreshold?: number;
  /** Idle workers are shut down after this long (default 30,000 ms). Idle workers never keep the process alive. */
  idleTimeoutMs?: number;
  /** Every chunk of scenarios on a fresh worker (no state survives between chunks); default false. */
  isolateWorkers?: boolean;
}

export type Scenario = Record<string, InputValue>;

/** A cell's value as JSON (errors as `{ error: "#N/A" }`); a range as rows. */
export type PoolValue = JsonValue | JsonValue[][];

export interface ScenarioResult {
  /** `get()` of each requested output, or the whole `toJSON()` without `outputs`. */
  values: Record<string, PoolValue>;
  meta: RunMeta;
}

export interface ScenarioErrorInfo {
  /**
   * E_TIMEOUT, E_WORKER_CRASHED, E_CANCELLED, E_INPUT_TYPE (an input value that is not a
   * number, text, boolean, null, Date, Excel error or 2-D array of those), or the engine's
   * error code (e.g. E_UNKNOWN_REF).
   */
  code: string;
  message: string;
}

export interface ScenarioFailure {
  error: ScenarioErrorInfo;
}

export interface PoolProgress {
  /** Scenarios (by input index) finished, failed ones included. */
  done: number;
  failed: number;
  total: number;
}

export interface PoolRunOptions {
  /** References (`Sheet!A1`, ranges, names) to return; default: every formula cell. */
  outputs?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: PoolProgress) => void;
  /** Stop at the first failure and reject (default true); false: failures are returned in place. */
  failFast?: boolean;
  /**
   * Recompute every cell of each scenario (`run(inputs, { full: true })`). Default: a
   * worker's engine recomputes only what a scenario's inputs change since the previous
   * scenario it ran (`meta.incremental`, `meta.recomputed`); the results are the same.
   */
  full?: boolean;
}

export type StreamItem = { index: number; result: ScenarioResult } | { index: number; error: ScenarioErrorInfo };

export interface PoolStats {
  workersStarted: number;
  workersAlive: number;
  workersRecycled: number;
  workersCrashed: number;
  timeouts: number;
  chunksDispatched: number;
  /** Scenarios sent to workers (re-sends after a crash included). */
  scenariosDispatched: number;
  scenariosInline: number;
}

/** What `run()` and `stream()` of a pool and of a cluster runner have in common. */
export interface ScenarioRunner {
  run(scenarios: Scenario[], options?: PoolRunOptions & { failFast?: true }): Promise<ScenarioResult[]>;
  run(scenarios: Scenario[], options: PoolRunOptions & { failFast: false }): Promise<(ScenarioResult | ScenarioFailure)[]>;
  run(scenarios: Scenario[], options?: PoolRunOptions): Promise<(ScenarioResult | ScenarioFailure)[]>;
  /** Results as they finish, with back-pressure: a slow consumer does not make the runner run far ahead. */
  stream(scenarios: Scenario[], options?: PoolRunOptions): AsyncIterableIterator<StreamItem>;
  close(): Promise<void>;
}

export interface Pool extends ScenarioRunner {
  /** Results as they finish, keeping at most about threads × 2 chunks in flight. */
  stream(scenarios: Scenario[], options?: PoolRunOptions): AsyncIterableIterator<StreamItem>;
  stats(): PoolStats;
  /** Terminates every worker; pending batches reject with E_CLOSED. */
  close(): Promise<void>;
  readonly threads: number;
  readonly runtime: PoolRuntime;
}

export type PoolErrorCode = 'E_SCENARIO_FAILED' | 'E_CANCELLED' | 'E_CLOSED' | 'E_COMPILE_FAILED' | 'E_CLUSTER_UNAVAILABLE';

/** A batch that did not complete: its failures and what completed before it stopped. */
export class PoolError<T = ScenarioResult> extends Error {
  readonly code: PoolErrorCode;
  readonly failures: { index: number; error: ScenarioErrorInfo }[];
  /** Results completed before the batch stopped, by input index. */
  readonly completed: Map<number, T>;
  constructor(code: PoolErrorCode, message: string, failures: { index: number; error: ScenarioErrorInfo }[], completed: Map<number, T>) {
    super(message);
    this.name = 'PoolError';
    this.code = code;
    this.failures = failures;
    this.completed = completed;
  }
}
