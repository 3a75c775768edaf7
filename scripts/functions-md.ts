/**
 * Generates FUNCTIONS.md from the function registry and Excel's catalogue: every Excel
 * function, supported or not, with its conformance on the corpus (from a conformance
 * report: `npm run conformance` writes conformance-report.json). Without a report the
 * corpus figures already in the output file are kept, so a registry change can be
 * regenerated without a corpus run (__test__/generated.test.ts fails on drift).
 *
 * usage: npx tsx scripts/functions-md.ts [conformance-report.json] [FUNCTIONS.md]
 *        (no output file: writes to stdout, corpus figures from the report only)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { NO_REPORT, renderFunctionsMd, statsFromMarkdown, statsFromReport, type CorpusStats } from './lib/functions-md.js';

const reportPath = process.argv[2] ?? 'conformance-report.json';
const outPath = process.argv[3];
let stats: CorpusStats = { functions: new Map(), summary: NO_REPORT };
if (existsSync(reportPath)) stats = statsFromReport(JSON.parse(readFileSync(reportPath, 'utf8')));
else if (outPath && existsSync(outPath)) stats = statsFromMarkdown(readFileSync(outPath, 'utf8'));
const out = renderFunctionsMd(stats);
if (outPath) writeFileSync(outPath, out);
else process.stdout.write(out);
