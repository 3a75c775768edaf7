/**
 * Option checks shared by the public functions (`compile`, `verify`, `compileMany`,
 * `loadEngine`): every option is validated before any work starts, and a bad one is a
 * `SheetcError` with code `E_INVALID_OPTION` naming it, never a raw N-API error, a crash
 * of the host or a limit error for what is really a typo.
 */
import { SheetcError } from './errors.js';
import { didYouMean } from './runtime/suggest.js';

export type OptionKind = 'string' | 'boolean' | 'positive' | 'positiveInteger' | 'nonNegativeInteger' | 'function' | 'signal' | 'stringList' | 'object';

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

const WHAT: Record<OptionKind, string> = {
  string: 'a non-empty string',
  boolean: 'true or false',
  positive: 'a finite number greater than 0',
  positiveInteger: 'a whole number of at least 1',
  nonNegativeInteger: 'a whole number of 0 or more',
  function: 'a function',
  signal: 'an AbortSignal',
  stringList: 'a list of non-empty strings',
  object: 'an object',
};

function valid(kind: OptionKind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string' && v !== '';
    case 'boolean':
      return typeof v === 'boolean';
    case 'positive':
      return typeof v === 'number' && Number.isFinite(v) && v > 0;
    case 'positiveInteger':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
    case 'nonNegativeInteger':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'function':
      return typeof v === 'function';
    case 'signal': {
      const s = v as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown } | null;
      return typeof s === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
    }
    case 'stringList':
      return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '');
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
}

/**
 * Checks `options` of `fn` against `schema` (option → kind; `required` ones must be
 * present). Unknown options are refused too, with the closest known one: a misspelt
 * limit would otherwise be silently ignored.
 */
export function checkOptionsObject(fn: string, options: unknown, schema: Record<string, OptionKind>, required: readonly string[] = []): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new SheetcError('E_INVALID_OPTION', `${fn} needs an options object${required.length ? ` with ${required.join(', ')}` : ''}, got ${shown(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(key in schema)) {
      throw new SheetcError('E_INVALID_OPTION', `${fn}: unknown option "${key}"${didYouMean(key, Object.keys(schema))}; the options are: ${Object.keys(schema).join(', ')}`);
    }
  }
  for (const [key, kind] of Object.entries(schema)) {
    const v = o[key];
    if (v === undefined) {
      if (required.includes(key)) throw new SheetcError('E_INVALID_OPTION', `${fn} needs { ${key} } (${WHAT[kind]})`);
      continue;
    }
    if (!valid(kind, v)) throw new SheetcError('E_INVALID_OPTION', `${fn}: option "${key}" must be ${WHAT[kind]}, got ${shown(v)}`);
  }
}

/**
 * A user's progress callback made safe to call from the build: the first exception it
 * throws is kept (the caller cancels the build and rejects with it), never thrown into
 * the native thread-safe callback, where it would crash the host.
 */
export function guardedProgress<E>(callback: ((event: E) => void) | undefined, onThrow: () => void): { call: ((event: E) => void) | undefined; error: () => SheetcError | undefined } {
  let failure: SheetcError | undefined;
  if (!callback) return { call: undefined, error: () => undefined };
  return {
    call: (event: E) => {
      if (failure) return;
      try {
        callback(event);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        failure = new SheetcError('E_INVALID_OPTION', `onProgress threw: ${message}; the build was stopped`, undefined, { cause: e });
        onThrow();
      }
    },
    error: () => failure,
  };
}
