/**
 * What the CLI writes: colour and progress bars only on a terminal (`NO_COLOR` turns
 * colour off), errors as one line (`sheetc: message [E_CODE]`) or, under `--json`, as
 * `{"error": {...}}` on stderr. Results go to stdout, notes and progress to stderr, so
 * `sheetc eval ... --json | jq` always reads clean JSON.
 */
import type { ProgressEvent } from '../types.js';

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Colour is used on a TTY unless NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39) };
}

/**
 * A progress bar on stderr when it is a terminal; nothing otherwise. `done()` clears the
 * line, so a finished command leaves no bar behind.
 */
export interface Progress {
  update: (e: ProgressEvent) => void;
  done: () => void;
}

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled || stream.isTTY !== true) return { update: () => {}, done: () => {} };
  let last = '';
  return {
    update(e) {
      const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
      const width = 30;
      const filled = Math.round(frac * width);
      const line = `${e.phase.padEnd(6)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(frac * 100)}%`;
      if (line !== last) {
        stream.write(`\r${line}\x1b[K`);
        last = line;
      }
    },
    done() {
      if (last) stream.write('\r\x1b[K');
      last = '';
    },
  };
}

/** The error as the user sees it: one line, or JSON under `--json`. */
export function formatError(e: { code: string; message: string; location?: string | undefined; details?: unknown }, json: boolean, colors: Paint = paint(false)): string {
  if (json) {
    const error: Record<string, unknown> = { code: e.code, message: e.message };
    if (e.location) error.location = e.location;
    if (e.details !== undefined) error.details = e.details;
    return JSON.stringify({ error }) + '\n';
  }
  return `${colors.red('sheetc:')} ${e.message} [${e.code}]\n`;
}
