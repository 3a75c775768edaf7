#!/usr/bin/env node
/**
 * The bench workbook as Excel saves it: every formula cell with its stored value.
 *
 * `generate.mjs` writes formulas only (no cached values), which no Excel save does; a
 * build then has nothing to verify, and its verification costs a count. This script
 * writes the same workbook with values, so the build's verification (the engine run and
 * the comparison of every formula cell) is measured at its real cost. The values are
 * sheetc's own (the workbook without values is compiled and run once, in a child
 * process): they measure what verifying costs, and are no oracle (every cell matches).
 *
 * CLI: node bench/stored.mjs --cells 1M [--months 120] [--shared] [-o FILE]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileInChild } from './lib/compile-child.mjs';
import { GENERATOR_VERSION, parseSize, plan, sizeLabel, writeWorkbook } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The cache path of a workload with stored values. */
export function storedCachePath(cacheDir, target, { months = 120, shared = false } = {}) {
  return resolve(cacheDir, `pe-${sizeLabel(target)}-m${months}${shared ? '-shared' : ''}-stored-v${GENERATOR_VERSION}.xlsx`);
}

/** Writes `out`: the workbook at `plain` (generate.mjs's, same plan) with every formula's value. */
export async function writeStored(plain, out, p, { shared = false } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'sheetc-stored-'));
  try {
    compileInChild(plain, join(scratch, 'engine'));
    const engine = await import(pathToFileURL(join(scratch, 'engine', 'engine.js')).href);
    const sheets = engine.run({}).formulaValues().sheets;
    // Per sheet: (0-based row, col) → encoded value.
    const values = sheets.map((flat) => {
      const m = new Map();
      for (let i = 0; i + 2 < flat.length; i += 3) m.set(flat[i] * 16384 + flat[i + 1], flat[i + 2]);
      return m;
    });
    return writeWorkbook(out, p, { shared, storedValue: (s, row, col) => values[s]?.get((row - 1) * 16384 + (col - 1)) });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(argv) {
  const args = { cells: '10k', months: 120, shared: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cells') args.cells = argv[++i];
    else if (a === '--months') args.months = Number(argv[++i]);
    else if (a === '--shared') args.shared = true;
    else if (a === '-o' || a === '--out') args.out = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/stored.mjs --cells 1M [--months 120] [--shared] [-o FILE]');
      return;
    } else throw new Error(`unknown argument ${a}`);
  }
  const target = parseSize(args.cells);
  const cacheDir = resolve(here, '.cache');
  const p = plan(target, args.months);
  const plain = join(mkdtempSync(join(tmpdir(), 'sheetc-plain-')), 'plain.xlsx');
  try {
    writeWorkbook(plain, p, { shared: args.shared });
    const out = args.out ?? storedCachePath(cacheDir, target, args);
    const t0 = performance.now();
    const stats = await writeStored(plain, out, p, args);
    console.log(JSON.stringify({ ...stats, stored: true, ms: Math.round(performance.now() - t0), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  } finally {
    rmSync(dirname(plain), { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
