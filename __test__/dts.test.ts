/**
 * The public type declarations typecheck as a user's project sees them: without
 * `@types/node` (`types: []`, the default ES and DOM libraries) and without
 * `skipLibCheck`, so an error inside a .d.ts is reported. Covers dist/*.d.ts (what
 * `import 'sheetc'` and `'sheetc/runtime'` load) and a profiled engine's engine.d.ts
 * whose outputs name a cell twice (in a range and by its defined name).
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compile } from '../ts/index.js';
import { fixtureFile, tempDir } from './helpers/build.js';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** tsc's output for `source` in a fresh project without @types (empty when it passes). */
function typecheck(dir: string, source: string): string {
  writeFileSync(join(dir, 'use.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], skipLibCheck: false },
      files: ['use.ts'],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

test("dist's public .d.ts files typecheck without @types/node", (t) => {
  const dist = join(process.cwd(), 'dist');
  t.true(existsSync(join(dist, 'index.d.ts')), 'run npm run build:ts first');
  const out = typecheck(
    tempDir(),
    `import { compile, verify, loadEngine, createPool, compileMany, SheetcError, EngineError, isExcelError } from ${JSON.stringify(join(dist, 'index.js'))};
import * as runtime from ${JSON.stringify(join(dist, 'runtime', 'index.js'))};
export const api = [compile, verify, loadEngine, createPool, compileMany, SheetcError, EngineError, isExcelError, runtime.ERR];
`,
  );
  t.is(out, '');
});

test('engine.d.ts names each key once when a cell is declared twice, and typechecks without @types/node', async (t) => {
  const file = fixtureFile({
    sheets: [
      { name: 'Inputs', cells: { B2: 0.1, B3: 100 } },
      { name: 'Summary', cells: { B7: '=Inputs!B2*2', B8: '=Inputs!B3*Inputs!B2', B9: '=B8+1', B10: '=B9+1', B11: '=B10+1', B12: '=B11+1' } },
    ],
    names: [
      { name: 'NPVResult', formula: 'Summary!$B$8' },
      { name: 'Rate', formula: 'Inputs!$B$2' },
    ],
  });
  const dir = join(tempDir(), 'engine');
  await compile(file, { outDir: dir, inputs: ['Inputs!B2:B3', 'Rate'], outputs: ['Summary!B7:B12', 'NPVResult'] });
  const out = typecheck(
    dir,
    `import { run } from './engine.js';
const r = run({ Rate: 0.2, 'Inputs!B2': 0.3, 'Inputs!B2:B3': [[0.1], [200]] });
const npv = r.get('NPVResult');
const same = r.get('Summary!B8');
const block = r.get('Summary!B7:B12');
const when = r.get('Summary!B8', { as: 'date' });
const shown: string = r.text('Summary!B8');
console.log(npv, same, block.length, when, shown, r.toJSON({ formatted: true }));
`,
  );
  t.is(out, '');
});
