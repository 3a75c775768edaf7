// Builds the TypeScript layer: tsc for the API/CLI (with declarations), and esbuild
// for the single-file runtime bundle copied into every engine (dist/runtime.js).
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Type-check first so a type error never leaves a half-built (or deleted) dist/.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
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
chmodSync('dist/cli.js', 0o755);
