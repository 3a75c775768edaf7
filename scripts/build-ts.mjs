// Builds the TypeScript layer: tsc for the API/CLI (with declarations), and esbuild
// for the single-file runtime bundle copied into every engine (dist/runtime.js) and for
// the HTML report's in-page script (dist/report-page.js, inlined into every report).
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Type-check first so a type error never leaves a half-built (or deleted) dist/.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'ts/report/page/tsconfig.json'], { stdio: 'inherit' });
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
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
  // Every engine carries this file: minified it is 40% smaller and imports faster;
  // names are kept so stack traces still say which function failed.
  minify: true,
  keepNames: true,
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
