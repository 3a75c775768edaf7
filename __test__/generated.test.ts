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

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

test('fuzz/corpus/functions.json is the registry dump the Rust tests and fuzzer read', (t) => {
  const committed = JSON.parse(readFileSync(join(root, 'fuzz', 'corpus', 'functions.json'), 'utf8')) as unknown;
  const current = { facts: functionFacts(), known: EXCEL_FUNCTIONS.map((f) => f.name) };
  t.deepEqual(committed, current, 'regenerate it: npx tsx scripts/dump-functions.ts fuzz/corpus/functions.json');
});
