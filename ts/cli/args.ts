/**
 * Command-line parsing shared by every `sheetc` command, with the conventions git and npm
 * users expect: `--opt value` and `--opt=value`, `-o value`, `--` ends the options,
 * repeated options accumulate where the option says so, and an unknown command or option
 * gets a "did you mean" suggestion (edit distance). Commands declare their options; help
 * text is generated from the declarations, so it cannot drift from what is parsed.
 */
import { SheetcError } from '../errors.js';

export type OptionType = 'string' | 'number' | 'boolean';

export interface OptionSpec {
  type: OptionType;
  /** One-letter alias (`o` for `-o`). */
  short?: string;
  /** Shown in help after the option (`DIR`, `REFS`, `N`). */
  valueName?: string;
  description: string;
  /** Repeated uses accumulate into an array (for `string`, comma lists are split too when `list`). */
  multiple?: boolean;
  /** The value is a comma-separated list of references (commas in quoted sheet names do not split). */
  list?: boolean;
  /** For `number`: the smallest accepted value (default: greater than 0). */
  min?: number;
  /** For `number`: whole numbers only. */
  integer?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed value of each option: string | number | boolean, or string[] for `multiple`/`list`. */
export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  options: OptionValues;
  positionals: string[];
}

export { editDistance, suggest, didYouMean } from '../runtime/suggest.js';
import { didYouMean } from '../runtime/suggest.js';

/** Comma-separated references; commas inside quoted sheet names do not split. */
export function splitRefs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}

/**
 * Parses `argv` against `specs`. Throws `E_INVALID_OPTION` on an unknown option (with a
 * suggestion), a missing or malformed value, or a value given to a flag.
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const options: OptionValues = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort.set(spec.short, name);
  const known = Object.keys(specs).map((n) => `--${n}`);

  const set = (name: string, spec: OptionSpec, raw: string | undefined, shown: string): void => {
    if (spec.type === 'boolean') {
      if (raw !== undefined) {
        if (!/^(true|false)$/i.test(raw)) throw new SheetcError('E_INVALID_OPTION', `${shown} takes no value (got "${raw}")`);
        options[name] = raw.toLowerCase() === 'true';
      } else options[name] = true;
      return;
    }
    if (raw === undefined) throw new SheetcError('E_INVALID_OPTION', `${shown} needs a value${spec.valueName ? ` (${spec.valueName})` : ''}`);
    if (spec.type === 'number') {
      const v = raw.trim() === '' ? NaN : Number(raw);
      const min = spec.min ?? Number.MIN_VALUE;
      if (!Number.isFinite(v) || v < min || (spec.integer && !Number.isInteger(v))) {
        const what = spec.integer ? 'a whole number' : 'a number';
        const bound = spec.min === undefined ? ' greater than 0' : spec.min === 0 ? ' of 0 or more' : ` of at least ${spec.min}`;
        throw new SheetcError('E_INVALID_OPTION', `${shown} needs ${what}${bound}, got "${raw}"`);
      }
      options[name] = v;
      return;
    }
    if (spec.list || spec.multiple) {
      const values = spec.list ? splitRefs(raw) : [raw];
      if (spec.list && !values.length) throw new SheetcError('E_INVALID_OPTION', `${shown} needs comma-separated references`);
      const prev = options[name];
      options[name] = [...(Array.isArray(prev) ? prev : []), ...values];
      return;
    }
    options[name] = raw;
  };

  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      shown = `--${key}`;
      if (key.startsWith('no-') && specs[key.slice(3)]?.type === 'boolean' && inline === undefined) {
        options[key.slice(3)] = false;
        continue;
      }
      name = key in specs ? key : undefined;
    } else {
      const letter = arg.slice(1, 2);
      shown = `-${letter}`;
      name = byShort.get(letter);
      if (arg.length > 2) inline = arg[2] === '=' ? arg.slice(3) : arg.slice(2);
    }
    if (name === undefined) {
      throw new SheetcError('E_INVALID_OPTION', `unknown option ${shown}${didYouMean(shown, known)}`);
    }
    const spec = specs[name]!;
    if (spec.type !== 'boolean' && inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new SheetcError('E_INVALID_OPTION', `${shown} needs a value${spec.valueName ? ` (${spec.valueName})` : ''}`);
      }
      inline = next;
      i++;
    }
    set(name, spec, inline, shown);
  }
  return { options, positionals };
}

/** The options part of a help text, aligned. */
export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.type === 'boolean' ? '' : ` ${s.valueName ?? (s.type === 'number' ? 'N' : 'VALUE')}`}`;
    return [flag, s.description + (s.multiple ? ' (repeatable)' : s.list ? ' (repeatable; comma-separated)' : '')] as const;
  });
  const width = Math.min(30, Math.max(...rows.map(([f]) => f.length), 0) + 2);
  return rows
    .map(([flag, text]) => {
      const lines = text.split('\n');
      const first = flag.length + 2 > width ? `  ${flag}\n  ${' '.repeat(width)}${lines[0]}` : `  ${flag.padEnd(width)}${lines[0]}`;
      return [first, ...lines.slice(1).map((l) => `  ${' '.repeat(width)}${l}`)].join('\n');
    })
    .join('\n');
}
