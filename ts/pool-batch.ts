/**
 * One batch of scenarios as a scheduler sees it, whatever runs the chunks (the pool's
 * workers, or BullMQ jobs on other machines): the queue of distinct scenarios not yet
 * sent, the chunks in flight, the outcomes by input index, failFast (stop scheduling,
 * wait for what is in flight, then reject), progress, and the `run()`/`stream()` front
 * ends with their cancellation and back-pressure.
 */
import { SheetcError } from './errors.js';
import { prepareBatch, type Unique } from './pool-input.js';
import {
  PoolError,
  type PoolProgress,
  type PoolRunOptions,
  type Scenario,
  type ScenarioErrorInfo,
  type ScenarioFailure,
  type ScenarioResult,
  type StreamItem,
} from './pool-types.js';

export type Outcome = { ok: true; result: ScenarioResult } | { ok: false; error: ScenarioErrorInfo };

/** A worker that died this many times around the same unreported scenario fails it. */
export const MAX_ATTEMPTS = 3;

export class Batch {
  readonly uniques: Unique[];
  readonly total: number;
  /** Unique ids not yet sent, in input order. */
  readonly queue: number[] = [];
  /** Chunks sent and not yet over. */
  inflight = 0;
  readonly failures: { index: number; error: ScenarioErrorInfo }[] = [];
  readonly completed = new Map<number, ScenarioResult>();
  readonly outputs: string[] | null;
  readonly failFast: boolean;
  /** Every scenario a full run (PoolRunOptions.full). */
  readonly full: boolean;
  readonly chunkSize: number;
  /** Chunks in flight plus chunks' worth of unconsumed results, at most (stream back-pressure). */
  maxInflight = Infinity;
  buffered = () => 0;
  stopping = false;
  settled = false;
  done = 0;
  onOutcome: (uid: number, o: Outcome) => void = () => {};
  onSettle: (err: PoolError | null) => void = () => {};
  readonly onProgress: ((p: PoolProgress) => void) | undefined;

  constructor(scenarios: Scenario[], opts: PoolRunOptions, chunkSize: (distinct: number) => number, caller: string) {
    this.uniques = prepareBatch(scenarios, caller);
    this.total = scenarios.length;
    this.outputs = opts.outputs ? [...opts.outputs] : null;
    this.failFast = opts.failFast ?? true;
    if (opts.full !== undefined && typeof opts.full !== 'boolean') throw new SheetcError('E_INVALID_OPTION', `full must be a boolean, not ${typeof opts.full}`);
    this.full = opts.full === true;
    this.onProgress = opts.onProgress;
    this.chunkSize = Math.max(1, chunkSize(this.uniques.length));
  }

  /** Records the scenarios that failed validation and queues the others; call once the hooks are set. */
  start(): void {
    for (let uid = 0; uid < this.uniques.length; uid++) {
      const u = this.uniques[uid]!;
      if (u.invalid) this.record(uid, { ok: false, error: u.invalid });
    }
    if (this.stopping) return;
    for (let uid = 0; uid < this.uniques.length; uid++) if (!this.uniques[uid]!.done) this.queue.push(uid);
  }

  hasWork(): boolean {
    if (this.stopping || this.settled || this.queue.length === 0) return false;
    return this.inflight + Math.ceil(this.buffered() / this.chunkSize) < this.maxInflight;
  }

  /** The next chunk's unique ids (counted in flight until `chunkOver()`). */
  takeChunk(size = this.chunkSize): number[] {
    this.inflight++;
    return this.queue.splice(0, size);
  }

  record(uid: number, o: Outcome): void {
    const u = this.uniques[uid]!;
    if (u.done || this.settled) return;
    u.done = true;
    u.indices.forEach((index, k) => {
      if (o.ok) this.completed.set(index, k === 0 ? o.result : structuredClone(o.result));
      else this.failures.push({ index, error: o.error });
    });
    this.done += u.indices.length;
    this.onOutcome(uid, o);
    if (!o.ok && this.failFast) this.stopping = true;
    this.onProgress?.({ done: this.done, failed: this.failures.length, total: this.total });
  }

  /**
   * A chunk is over: its unreported scenarios go back to the front of the queue (or are
   * dropped when stopping). `innocent` false: the worker died and any of them may be the
   * cause, so each is charged an attempt; at MAX_ATTEMPTS it fails with E_WORKER_CRASHED.
   */
  chunkOver(rest: number[], innocent: boolean): void {
    this.inflight--;
    const left = rest.filter((u) => !this.uniques[u]!.done);
    if (this.stopping || this.settled || left.length === 0) return;
    for (const u of left) {
      const un = this.uniques[u]!;
      if (!innocent) un.attempts++;
      if (un.attempts >= MAX_ATTEMPTS) {
        this.record(u, { ok: false, error: { code: 'E_WORKER_CRASHED', message: `the worker died ${MAX_ATTEMPTS} times around this scenario` } });
      }
    }
    if (!this.stopping) this.queue.unshift(...left.filter((u) => !this.uniques[u]!.done));
  }

  /** Fails every queued scenario (e.g. the engine cannot be loaded). */
  failQueued(error: ScenarioErrorInfo): void {
    for (const u of this.queue.splice(0)) this.record(u, { ok: false, error });
  }

  /** Settles once nothing is in flight and nothing more will be scheduled. */
  maybeSettle(): boolean {
    if (this.settled || this.inflight > 0) return false;
    if (!this.stopping && this.queue.length > 0) return false;
    this.settled = true;
    this.queue.length = 0;
    if (this.failures.length > 0 && this.failFast) {
      this.failures.sort((a, b) => a.index - b.index);
      const f = this.failures[0]!;
      this.onSettle(
        new PoolError('E_SCENARIO_FAILED', `scenario ${f.index} failed: ${f.error.code}: ${f.error.message}`, this.failures, this.completed),
      );
    } else this.onSettle(null);
    return true;
  }

  /** Settles now with an error (cancelled, closed): what is in flight is abandoned. */
  forceSettle(err: PoolError): void {
    if (this.settled) return;
    this.stopping = true;
    this.settled = true;
    this.queue.length = 0;
    this.onSettle(err);
  }

  /** The batch's results in input order (failures in place). */
  collect(): (ScenarioResult | ScenarioFailure)[] {
    const out: (ScenarioResult | ScenarioFailure)[] = new Array(this.total);
    for (const [i, r] of this.completed) out[i] = r;
    for (const f of this.failures) out[f.index] = { error: f.error };
    return out;
  }
}

export function cancelledError(completed: Map<number, ScenarioResult>): PoolError {
  return new PoolError('E_CANCELLED', 'the batch was cancelled', [], completed);
}

/** What runs a batch's chunks: the pool's workers or the cluster's jobs. */
export interface BatchHost {
  /** Takes the batch and starts scheduling its chunks. */
  add(batch: Batch): void;
  /** Soft stop: nothing more is scheduled; chunks in flight skip their unstarted scenarios. */
  stop(batch: Batch): void;
  /** Hard stop (signal): chunks in flight are abandoned; the batch settles with `err` (default E_CANCELLED). */
  abort(batch: Batch, err?: PoolError): void;
  /** Schedules more work if there is room (called as a stream's consumer pulls). */
  pump(): void;
}

/** Runs a batch to the end on the host; resolves with results in input order. */
export function runOn(host: BatchHost, batch: Batch, signal: AbortSignal | undefined): Promise<(ScenarioResult | ScenarioFailure)[]> {
  return new Promise((resolveP, rejectP) => {
    const onAbort = () => host.abort(batch);
    batch.onSettle = (err) => {
      signal?.removeEventListener('abort', onAbort);
      if (err) rejectP(err);
      else resolveP(batch.collect());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    batch.start();
    if (batch.maybeSettle()) return;
    host.add(batch);
  });
}

/** Streams a batch from the host: items as they finish, at most `maxInflight` chunks ahead of the consumer. */
export async function* streamOn(host: BatchHost, batch: Batch, signal: AbortSignal | undefined, maxInflight: number): AsyncGenerator<StreamItem> {
  const buffer: StreamItem[] = [];
  let wake: (() => void) | null = null;
  let final: { err: PoolError | null } | null = null;
  batch.onOutcome = (uid, o) => {
    const u = batch.uniques[uid]!;
    u.indices.forEach((index, k) => {
      if (o.ok) buffer.push({ index, result: k === 0 ? o.result : structuredClone(o.result) });
      else buffer.push({ index, error: o.error });
    });
    wake?.();
  };
  batch.onSettle = (err) => {
    final = { err };
    wake?.();
  };
  batch.maxInflight = maxInflight;
  batch.buffered = () => buffer.length;
  const onAbort = () => host.abort(batch);
  signal?.addEventListener('abort', onAbort, { once: true });
  batch.start();
  if (!batch.maybeSettle()) host.add(batch);
  try {
    for (;;) {
      if (buffer.length > 0) {
        const item = buffer.shift()!;
        host.pump();
        yield item;
        continue;
      }
      const f = final as { err: PoolError | null } | null;
      if (f) {
        if (f.err) throw f.err;
        return;
      }
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!batch.settled) host.stop(batch);
  }
}
