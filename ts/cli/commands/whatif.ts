/**
 * The what-if commands on a built engine directory (ts/whatif/): find, explain,
 * goal-seek, sensitivity, scenario. Each prints a readable table, or JSON with --json.
 */
import { SheetcError } from '../../errors.js';
import type { InputValue, JsonValue } from '../../runtime/engine.js';
import { explain, find, goalSeek, openModel, parseVary, sensitivity, sensitivityPage, tornado, loadScenarios, saveScenario, runScenarios, diffScenarios } from '../../whatif/index.js';
import { writeAtomically } from '../../report/index.js';
import type { Explanation, ScenarioInputs } from '../../types.js';
import { COMMON_OPTIONS, flag, list, num, str, type Command, type CommandContext } from '../command.js';
import { display, parseInputValue } from '../shared.js';

const SET_OPTION = {
  set: { type: 'string', multiple: true, valueName: 'REF=VALUE', description: 'an input held for the run (as in sheetc eval)' },
} as const;

function engineDir(ctx: CommandContext, name: string, more = 0): string {
  const dir = ctx.positionals[0];
  if (!dir) throw new SheetcError('E_INVALID_OPTION', `${name} needs an engine directory (built by sheetc build)`);
  if (ctx.positionals.length > 1 + more) throw new SheetcError('E_INVALID_OPTION', `${name}: too many arguments`);
  return dir;
}

function inputsOf(ctx: CommandContext): Record<string, InputValue> {
  const inputs: Record<string, InputValue> = {};
  for (const s of list(ctx.options, 'set') ?? []) {
    const eq = s.lastIndexOf('=');
    if (eq <= 0) throw new SheetcError('E_INVALID_OPTION', `--set needs REF=VALUE, got "${s}"`);
    inputs[s.slice(0, eq)] = parseInputValue(s.slice(eq + 1), s.slice(0, eq));
  }
  return inputs;
}

function out(ctx: CommandContext, text: string): void {
  ctx.streams.stdout.write(text + '\n');
}

function labelText(l: { row?: string; column?: string; header?: string }): string {
  return [l.header, l.row, l.column].filter((x) => x).join(' / ');
}

function shown(v: JsonValue | undefined): string {
  return v === undefined ? '' : display(v);
}

export const findCommand: Command = {
  name: 'find',
  summary: 'find cells by the labels beside them (fuzzy, ranked)',
  usage: 'sheetc find ENGINE "TEXT" [--limit N] [--set REF=VALUE]...',
  description: 'Cells whose labels (the nearest text to the left, above, and table headers) match TEXT,\nbest first, with their formula and value.',
  options: { limit: { type: 'number', integer: true, valueName: 'N', description: 'at most N cells (default 20)' }, ...SET_OPTION, ...COMMON_OPTIONS },
  async run(ctx) {
    const dir = engineDir(ctx, 'find', 1);
    const text = ctx.positionals[1];
    if (!text) throw new SheetcError('E_INVALID_OPTION', 'find needs the text to look for');
    const model = await openModel(dir);
    const limit = num(ctx.options, 'limit');
    const r = await find(model, text, { inputs: inputsOf(ctx), ...(limit !== undefined ? { limit } : {}) });
    if (ctx.json) return out(ctx, JSON.stringify(r)), 0;
    for (const c of r.cells) out(ctx, `${c.ref}\t${shown(c.value)}\t${labelText(c.labels)}\t${c.formula ?? ''}\t(score ${c.score.toFixed(2)})`);
    if (r.total > r.cells.length) out(ctx, `(${r.total - r.cells.length} more; --limit to see them)`);
    return r.cells.length ? 0 : 1;
  },
};

function printExplanation(ctx: CommandContext, e: Explanation, indent: string): void {
  const head = `${indent}${e.ref}${e.formula ? ` ${e.formula}` : ''} = ${shown(e.value)}${labelText(e.labels) ? `  [${labelText(e.labels)}]` : ''}`;
  out(ctx, head);
  const facts: string[] = [`${e.kind}`, `${e.dependents.count} direct dependents`];
  if (e.circular) facts.push(`circular cluster ${e.circular.cluster} (${e.circular.cells} cells)`);
  if (e.backfilled) facts.push(`backfilled: ${e.backfilled.code}`);
  if (e.dataTable) facts.push(`data table (row input ${e.dataTable.rowInput ?? '-'}, column input ${e.dataTable.colInput ?? '-'})`);
  if (e.dynamicReferences) facts.push('builds references at run time');
  if (e.note) facts.push(e.note);
  out(ctx, `${indent}  ${facts.join('; ')}`);
  for (const p of e.precedents) {
    if (p.explanation) printExplanation(ctx, p.explanation, indent + '    ');
    else out(ctx, `${indent}  <- ${p.ref} = ${p.values ? p.values.map(display).join(', ') + (p.cells > p.values.length ? ', …' : '') : shown(p.value)}${labelText(p.labels) ? `  [${labelText(p.labels)}]` : ''}`);
  }
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'a cell explained: formula, labels, precedents with values, dependents',
  usage: 'sheetc explain ENGINE Sheet!A1 [--depth N] [--set REF=VALUE]...',
  description: 'The formula as written, its labels, each precedent with its label and value, how many\ncells read it, whether it is circular, backfilled or a data table cell; --depth N walks\nthe precedents as a tree.',
  options: { depth: { type: 'number', integer: true, valueName: 'N', description: 'levels of precedents to explain (default 1)' }, ...SET_OPTION, ...COMMON_OPTIONS },
  async run(ctx) {
    const dir = engineDir(ctx, 'explain', 1);
    const ref = ctx.positionals[1];
    if (!ref) throw new SheetcError('E_INVALID_OPTION', 'explain needs a cell (Sheet!A1)');
    const depth = num(ctx.options, 'depth');
    const e = await explain(await openModel(dir), ref, { inputs: inputsOf(ctx), ...(depth !== undefined ? { depth } : {}) });
    if (ctx.json) return out(ctx, JSON.stringify(e)), 0;
    printExplanation(ctx, e, '');
    return 0;
  },
};

export const goalSeekCommand: Command = {
  name: 'goal-seek',
  summary: "Excel's Goal Seek: the input value that brings a cell to a target",
  usage: 'sheetc goal-seek ENGINE --set-cell REF --to VALUE --changing REF [--set REF=VALUE]...',
  description: 'Finds the value of the --changing input that makes --set-cell equal --to (a bracket\nsearch, then Brent\'s method; every point is a run of the engine). No solution: E_NO_SOLUTION\nwith the closest value found.',
  options: {
    'set-cell': { type: 'string', valueName: 'REF', description: 'the formula cell to bring to the target' },
    to: { type: 'number', min: -Number.MAX_VALUE, valueName: 'VALUE', description: 'the target value (any number)' },
    changing: { type: 'string', valueName: 'REF', description: 'the input cell to change' },
    tolerance: { type: 'number', valueName: 'X', description: 'success when |cell − target| ≤ X (default 1e-9 × max(1, |target|))' },
    'max-runs': { type: 'number', integer: true, valueName: 'N', description: 'engine runs at most (default 200)' },
    ...SET_OPTION,
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const dir = engineDir(ctx, 'goal-seek');
    const set = str(ctx.options, 'set-cell');
    const to = num(ctx.options, 'to');
    const changing = str(ctx.options, 'changing');
    if (set === undefined || to === undefined || changing === undefined) throw new SheetcError('E_INVALID_OPTION', 'goal-seek needs --set-cell, --to and --changing');
    const model = await openModel(dir);
    const tolerance = num(ctx.options, 'tolerance');
    const maxRuns = num(ctx.options, 'max-runs');
    const r = await goalSeek(model.engine, { set, to, changing, inputs: inputsOf(ctx), ...(tolerance !== undefined ? { tolerance } : {}), ...(maxRuns !== undefined ? { maxRuns } : {}) });
    if (ctx.json) return out(ctx, JSON.stringify(r)), 0;
    out(ctx, `${changing} = ${display(r.value)}  (${set} = ${display(r.achieved)}, ${r.runs} runs)`);
    return 0;
  },
};

function csvCell(v: JsonValue | string): string {
  const s = v === null ? '' : typeof v === 'object' ? v.error : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const sensitivityCommand: Command = {
  name: 'sensitivity',
  summary: 'outputs over a grid of one or two inputs, or a tornado (each input ±x%)',
  usage: 'sheetc sensitivity ENGINE --vary "REF=start:stop:step" [--vary ...] --outputs REFS [--csv] [--html FILE]\n       sheetc sensitivity ENGINE --tornado REFS [--change 0.1] --outputs REFS [--html FILE]',
  description: 'A grid: the first --vary down, the second across (values start:stop:step or v1,v2,...),\none table per output; large grids run on the scenario pool. A tornado: each input moved by\n±change alone, widest swing first. --html FILE also draws it as a page (heat-mapped\ngrids, tornado bars, each reference with its label).',
  options: {
    vary: { type: 'string', multiple: true, valueName: 'REF=SPEC', description: 'an input and its values (start:stop:step or v1,v2,...)' },
    outputs: { type: 'string', list: true, valueName: 'REFS', description: 'the output cells' },
    tornado: { type: 'string', list: true, valueName: 'REFS', description: 'a tornado over these inputs instead of a grid' },
    change: { type: 'number', valueName: 'X', description: "the tornado's move, a fraction (default 0.1: ±10%)" },
    csv: { type: 'boolean', description: 'print the grids as CSV' },
    html: { type: 'string', valueName: 'FILE', description: 'also write the grid or tornado as a self-contained HTML page' },
    threads: { type: 'number', integer: true, valueName: 'N', description: 'pool workers for large grids' },
    'no-pool': { type: 'boolean', description: 'run every point in this process' },
    ...SET_OPTION,
    ...COMMON_OPTIONS,
  },
  async run(ctx) {
    const dir = engineDir(ctx, 'sensitivity');
    const outputs = list(ctx.options, 'outputs');
    if (!outputs?.length) throw new SheetcError('E_INVALID_OPTION', 'sensitivity needs --outputs');
    const model = await openModel(dir);
    const inputs = inputsOf(ctx);
    const tornadoInputs = list(ctx.options, 'tornado');
    const html = str(ctx.options, 'html');
    if (html === '') throw new SheetcError('E_INVALID_OPTION', '--html needs the path of the page to write');
    if (tornadoInputs) {
      const change = num(ctx.options, 'change');
      const r = await tornado(model, { inputs: tornadoInputs, outputs, base: inputs, ...(change !== undefined ? { change } : {}) });
      if (html) writeAtomically(html, sensitivityPage(model, r));
      if (ctx.json) return out(ctx, JSON.stringify(r)), 0;
      for (const o of r.outputs) {
        out(ctx, `${o.output} (base ${display(o.base)}), inputs ±${r.change * 100}%:`);
        for (const b of o.bars) out(ctx, `  ${b.input}\t${display(b.low)} → ${display(b.outputLow)}\t${display(b.high)} → ${display(b.outputHigh)}\tswing ${display(b.swing)}`);
      }
      return 0;
    }
    const vary = (list(ctx.options, 'vary') ?? []).map(parseVary);
    const threads = num(ctx.options, 'threads');
    const r = await sensitivity(model, { vary, outputs, inputs, ...(threads !== undefined ? { threads } : {}), ...(flag(ctx.options, 'no-pool') ? { pool: false } : {}) });
    if (html) writeAtomically(html, sensitivityPage(model, r));
    if (ctx.json) return out(ctx, JSON.stringify(r)), 0;
    const csv = flag(ctx.options, 'csv');
    const sep = csv ? ',' : '\t';
    const cell = (v: JsonValue | string) => (csv ? csvCell(v) : typeof v === 'string' ? v : display(v));
    const across = vary[1]?.values;
    for (const g of r.grids) {
      out(ctx, csv ? csvCell(g.output) : `${g.output}:`);
      out(ctx, [cell(across ? `${vary[0]!.ref} \\ ${vary[1]!.ref}` : vary[0]!.ref), ...(across ? across.map((v) => cell(v)) : [cell(g.output)])].join(sep));
      vary[0]!.values.forEach((v, i) => out(ctx, [cell(v), ...g.values[i]!.map(cell)].join(sep)));
    }
    return 0;
  },
};

export const scenarioCommand: Command = {
  name: 'scenario',
  summary: 'named input sets in a JSON file: save, list, run side by side, diff with attribution',
  usage:
    'sheetc scenario save FILE.json NAME --set REF=VALUE...\n       sheetc scenario list FILE.json\n       sheetc scenario run ENGINE FILE.json [NAME...] --outputs REFS\n       sheetc scenario diff ENGINE FILE.json A B --outputs REFS',
  description:
    'save adds or replaces a scenario; run shows each scenario\'s outputs side by side; diff shows,\nper output, the difference between A and B and how much each input that differs moves it\nalone (one at a time from A), and the interaction the inputs add together.',
  options: { outputs: { type: 'string', list: true, valueName: 'REFS', description: 'the output cells (run, diff)' }, ...SET_OPTION, ...COMMON_OPTIONS },
  async run(ctx) {
    const [action, ...rest] = ctx.positionals;
    const outputs = list(ctx.options, 'outputs') ?? [];
    if (action === 'save') {
      const [file, name] = rest;
      if (!file || !name || rest.length > 2) throw new SheetcError('E_INVALID_OPTION', 'scenario save needs FILE.json NAME --set REF=VALUE...');
      const stored: ScenarioInputs = {};
      for (const [k, v] of Object.entries(inputsOf(ctx))) {
        if (v instanceof Date || Array.isArray(v)) throw new SheetcError('E_INVALID_OPTION', `scenario inputs are single values; ${k} is not`);
        stored[k] = v !== null && typeof v === 'object' ? { error: (v as { code: string }).code } : (v as JsonValue);
      }
      saveScenario(file, name, stored);
      if (!ctx.json) out(ctx, `saved scenario "${name}" (${Object.keys(stored).length} inputs) in ${file}`);
      return 0;
    }
    if (action === 'list') {
      const file = rest[0];
      if (!file) throw new SheetcError('E_INVALID_OPTION', 'scenario list needs FILE.json');
      const data = loadScenarios(file);
      if (ctx.json) return out(ctx, JSON.stringify(data)), 0;
      for (const [name, inputs] of Object.entries(data.scenarios)) out(ctx, `${name}\t${Object.entries(inputs).map(([k, v]) => `${k}=${display(v)}`).join(', ')}`);
      return 0;
    }
    if (action === 'run' || action === 'diff') {
      const [dir, file, ...names] = rest;
      if (!dir || !file) throw new SheetcError('E_INVALID_OPTION', `scenario ${action} needs ENGINE FILE.json`);
      const model = await openModel(dir);
      const data = loadScenarios(file);
      if (action === 'run') {
        const runs = await runScenarios(model, data, names, outputs);
        if (ctx.json) return out(ctx, JSON.stringify(runs)), 0;
        out(ctx, ['output', ...runs.map((r) => r.name)].join('\t'));
        for (const o of outputs) out(ctx, [o, ...runs.map((r) => display(r.values[o] ?? null))].join('\t'));
        return 0;
      }
      if (names.length !== 2) throw new SheetcError('E_INVALID_OPTION', 'scenario diff needs two scenario names');
      const d = await diffScenarios(model, data, names[0]!, names[1]!, outputs);
      // Differences of runs carry float noise (31.3700000000003): shown to 12 digits (--json is exact).
      const delta = (x: number) => `${x >= 0 ? '+' : ''}${display(Number(x.toPrecision(12)))}`;
      if (ctx.json) return out(ctx, JSON.stringify(d)), 0;
      for (const o of d.outputs) {
        out(ctx, `${o.output}: ${display(o.a)} → ${display(o.b)} (${o.difference === null ? 'not numbers' : delta(o.difference)})`);
        for (const a of o.attributions) out(ctx, `  ${a.input}\t${display(a.from)} → ${display(a.to)}\t${a.effect === null ? '' : delta(a.effect)}`);
        if (o.interaction !== null && o.attributions.length > 1) out(ctx, `  (together)\t${delta(o.interaction)}`);
      }
      return 0;
    }
    throw new SheetcError('E_INVALID_OPTION', `scenario needs save, list, run or diff${action ? `, got "${action}"` : ''}`);
  },
};
