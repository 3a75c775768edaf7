/**
 * Conformance runner: does the compiled engine reproduce Excel's own results?
 *
 *   npm run conformance [-- [PATH...] [options]]
 *
 * For every .xlsx/.xlsm under PATH (default ../shared/corpus from the repo root): reads
 * the results Excel stored for formula cells (and array-formula ranges), writes a copy
 * with those results removed, compiles the copy and runs the engine with no inputs in a
 * child process, and compares cell by cell (numbers to 1e-9 relative).
 *
 * Options:
 *   --filter SUBSTR   only files whose path (relative to PATH) contains SUBSTR
 *   --jobs N          workbooks run at once (default 2)
 *   --timeout SEC     per workbook (default 60)
 *   --out FILE        full per-cell report (default conformance-report.json)
 *   --json            print the JSON summary on stdout instead of the text summary
 *   --compiler MOD    module exporting compile() (default: the repo's ts/index)
 *   --dry-run         only extract expected values and strip (no compile); counts cells
 *   --keep            keep the work folder (stripped copies, engines); --work DIR sets it
 *   --quiet           no per-file progress on stderr
 *
 * Exit status 0 whatever the match rate; 1 when the runner itself fails; 2 on bad usage.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listWorkbooks, runConformance, type RunOptions } from './conformance/runner.js';
import { formatSummary, lastLine, summarize } from './conformance/report.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  paths: string[];
  filter?: string;
  jobs: number;
  timeout: number;
  out: string;
  json: boolean;
  compiler?: string;
  dryRun: boolean;
  keep: boolean;
  work?: string;
  quiet: boolean;
}

function usage(msg?: string): never {
  if (msg) console.error(`conformance: ${msg}`);
  console.error(
    'usage: npm run conformance -- [PATH...] [--filter SUBSTR] [--jobs N] [--timeout SEC] [--out FILE] [--json] [--compiler MOD] [--dry-run] [--keep] [--work DIR] [--quiet]',
  );
  process.exit(msg ? 2 : 0);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { paths: [], jobs: 2, timeout: 60, out: 'conformance-report.json', json: false, dryRun: false, keep: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) usage(`${flag} needs a positive number`);
      return v;
    };
    switch (flag) {
      case '--filter':
        a.filter = value();
        break;
      case '--jobs':
      case '-j':
        a.jobs = Math.floor(num());
        break;
      case '--timeout':
        a.timeout = num();
        break;
      case '--out':
        a.out = value();
        break;
      case '--json':
        a.json = true;
        break;
      case '--compiler':
        a.compiler = resolve(value());
        break;
      case '--dry-run':
        a.dryRun = true;
        break;
      case '--keep':
        a.keep = true;
        break;
      case '--work':
        a.work = value();
        a.keep = true;
        break;
      case '--quiet':
      case '-q':
        a.quiet = true;
        break;
      case '--help':
      case '-h':
        usage();
      default:
        if (flag.startsWith('-')) usage(`unknown option ${flag}`);
        a.paths.push(arg);
    }
  }
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const paths = args.paths.length ? args.paths.map((p) => resolve(p)) : [resolve(REPO, '..', 'shared', 'corpus')];
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) {
    const note = `conformance: no corpus at ${missing.join(', ')}; nothing to check`;
    if (args.json) console.log(JSON.stringify({ note, files: 0 }));
    else console.log(note);
    return 0;
  }
  const corpus = listWorkbooks(paths, args.filter);
  if (!args.quiet) console.error(`conformance: ${corpus.files.length} workbooks, ${args.jobs} at a time${args.dryRun ? ' (dry run)' : ''}`);
  const t0 = performance.now();
  const opts: RunOptions = {
    paths,
    ...(args.filter !== undefined ? { filter: args.filter } : {}),
    timeoutMs: args.timeout * 1000,
    jobs: args.jobs,
    ...(args.compiler ? { compiler: args.compiler } : {}),
    ...(args.work ? { workDir: args.work } : {}),
    keep: args.keep,
    dryRun: args.dryRun,
    onProgress: args.quiet
      ? undefined
      : (done, total, r) => {
          const extra = r.status === 'ok' || r.status === 'skipped' ? '' : `  [${r.status}] ${(r.error ?? '').replace(/\s+/g, ' ').slice(0, 120)}`;
          console.error(`[${done}/${total}] ${r.file}  ${r.matched}/${r.total}  ${(r.durationMs / 1000).toFixed(1)}s${extra}`);
        },
  };
  const run = await runConformance(corpus, opts);
  const summary = summarize(run.results, run.cells, paths, performance.now() - t0);
  if (args.keep && !args.quiet) console.error(`conformance: work files kept in ${run.workDir}`);

  if (args.dryRun) {
    const unreadable = run.results.filter((r) => r.status === 'unreadable');
    const kinds: Record<string, number> = {};
    for (const cs of run.cells) for (const c of cs ?? []) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    const info = { dryRun: true, files: summary.files, unreadable: unreadable.map((r) => ({ file: r.file, error: r.error })), expectedCells: summary.cells.total, noValue: summary.cells.noValue, byKind: kinds };
    if (args.json) console.log(JSON.stringify(info, null, 2));
    else {
      for (const u of unreadable) console.log(`unreadable: ${u.file}: ${u.error}`);
      console.log(`dry run: ${summary.files} files, ${summary.cells.total} expected cells (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}), ${summary.cells.noValue} formula cells without a stored value`);
    }
    return 0;
  }

  const report = { summary, files: run.results };
  const outPath = resolve(args.out);
  writeFileSync(outPath, JSON.stringify(report, null, 1));
  if (args.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(formatSummary(summary).replace(/\n(?=conformance: [^\n]*$)/, `\nfull report: ${outPath}\n`));
  }
  // The last line of stdout is always the one-line result (also in --json mode, on stderr).
  if (args.json) console.error(lastLine(summary));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`conformance: runner failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
