// Builds the TypeScript layer: tsc for the API/CLI (with declarations), and esbuild
// for the single-file runtime bundle copied into every engine (dist/runtime.js) and for
// the HTML report's in-page script (dist/report-page.js, inlined into every report).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Type-check first so a type error never leaves a half-built (or deleted) dist/.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'ts/report/page/tsconfig.json'], { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
// The binding's declarations are a hand-off .d.ts (napi build --dts) that tsc does not
// emit: dist/native.d.ts imports them, so a user's project without skipLibCheck needs it.
copyFileSync('ts/generated/native.d.ts', 'dist/generated/native.d.ts');
await build({
  entryPoints: ['ts/runtime/index.ts'],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  // Only a lazy engine's readBinary() imports node:fs/promises, and only for file: URLs.
  external: ['node:*'],
  target: 'es2022',
  outfile: 'dist/runtime.js',
  legalComments: 'none',
  // Every engine carries this file: whitespace and syntax minified it is a third
  // smaller and imports faster. Identifiers are not renamed, so stack traces still say
  // which function failed. Not esbuild's keepNames: it wraps every named function and
  // closure in a __name() call that redefines its `name` property, at each creation of
  // a closure too, and that made run() about 20% slower (100k-cell bench model: 12.1 vs
  // 10.1 ms).
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: '// sheetc runtime: Excel semantics for compiled engines. Generated; do not edit.' },
});
// The report page's script, with the layout library (dagre) bundled in: a report opens
// offline, so nothing is fetched at view time.
await build({
  entryPoints: ['ts/report/page/main.ts'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  outfile: 'dist/report-page.js',
  legalComments: 'none',
  minify: true,
  banner: { js: '/* sheetc report page; bundles @dagrejs/dagre (MIT). Generated; do not edit. */' },
});
chmodSync('dist/cli.js', 0o755);
