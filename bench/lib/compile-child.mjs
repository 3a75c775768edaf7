/**
 * sheetc's compile(file, { outDir, verify: false }) in a child process, for the bench
 * scripts that time engines: the build's memory stays out of the measuring process's
 * RSS (which then holds the engines and the baselines only). Needs `dist/` (npm run
 * build:ts).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function compileInChild(file, outDir) {
  const code = `const { compile } = await import(process.argv[1]); await compile(process.argv[2], { outDir: process.argv[3], verify: false });`;
  const index = pathToFileURL(join(root, 'dist', 'index.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, index, file, outDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`compiling ${file} failed (exit ${r.status ?? r.signal})`);
}
