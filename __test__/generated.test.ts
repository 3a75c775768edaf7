/**
 * Files generated from one source and committed: they must match what that source
 * generates today.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionFacts } from '../ts/runtime/index.js';
import { EXCEL_FUNCTIONS } from '../ts/runtime/catalog.js';
import { renderFunctionsMd, statsFromMarkdown } from '../scripts/lib/functions-md.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

test('fuzz/corpus/functions.json is the registry dump the Rust tests and fuzzer read', (t) => {
  const committed = JSON.parse(readFileSync(join(root, 'fuzz', 'corpus', 'functions.json'), 'utf8')) as unknown;
  const current = { facts: functionFacts(), known: EXCEL_FUNCTIONS.map((f) => f.name) };
  t.deepEqual(committed, current, 'regenerate it: npx tsx scripts/dump-functions.ts fuzz/corpus/functions.json');
});

test('FUNCTIONS.md is generated from the registry and the catalogue', (t) => {
  // The corpus figures come from a conformance run; everything else from the registry.
  const committed = readFileSync(join(root, 'FUNCTIONS.md'), 'utf8');
  t.is(committed, renderFunctionsMd(statsFromMarkdown(committed)), 'regenerate it: npx tsx scripts/functions-md.ts conformance-report.json FUNCTIONS.md');
});
