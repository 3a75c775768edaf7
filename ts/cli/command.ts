/**
 * A `sheetc` command: its options (declared once: parsed from them, help generated from
 * them) and what it does. Each command lives in its own file under `commands/`; the
 * list in `commands/index.ts` is the only place commands are registered.
 */
import type { OptionSpecs, OptionValues } from './args.js';
import type { Paint, Streams } from './io.js';

export interface CommandContext {
  options: OptionValues;
  positionals: string[];
  streams: Streams;
  /** Colours for stdout (off unless it is a terminal and NO_COLOR is unset). */
  paint: Paint;
  /** Colours for stderr (notes, warnings), by the same rule. */
  paintErr: Paint;
  /** Progress bars on stderr: only on a terminal and without --json. */
  showProgress: boolean;
  json: boolean;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** `sheetc build FILE -o DIR [options]`. */
  usage: string;
  /** What it does, a few lines. */
  description: string;
  /** The command's own options (`--json` and `--help` are added to every command). */
  options: OptionSpecs;
  /** Exit status: 0 success, 1 a negative answer (verify found differences), 2 an error. */
  run(ctx: CommandContext): Promise<number>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', description: 'machine-readable output (errors too, as JSON on stderr)' },
  help: { type: 'boolean', short: 'h', description: 'help for this command' },
};

/** Build options shared by every command that compiles a workbook. */
export const LIMIT_OPTIONS: OptionSpecs = {
  'max-uncompressed-mb': { type: 'number', valueName: 'N', description: "limit on the workbook's uncompressed size (default 4096)" },
  'max-cells': { type: 'number', valueName: 'N', integer: true, description: 'limit on the number of cells (default 50000000)' },
};

/** Typed access to parsed option values. */
export function str(o: OptionValues, name: string): string | undefined {
  const v = o[name];
  return typeof v === 'string' ? v : undefined;
}
export function num(o: OptionValues, name: string): number | undefined {
  const v = o[name];
  return typeof v === 'number' ? v : undefined;
}
export function flag(o: OptionValues, name: string): boolean {
  return o[name] === true;
}
export function list(o: OptionValues, name: string): string[] | undefined {
  const v = o[name];
  return Array.isArray(v) ? v : undefined;
}
