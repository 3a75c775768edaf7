/**
 * Where helper processes and worker threads start: always built JavaScript from dist/,
 * never TypeScript through a loader (tsx is a development dependency; nothing that ships
 * loads it). From dist/ the entry is this module's sibling; when this module itself runs
 * from source (ts/, as the tests do under tsx) it is the built file in ../dist/, so
 * `npm run build:ts` must have run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SheetcError } from './errors.js';

/** The built entry `NAME.js` (`pool-worker`, `compile-many-child`, `cli`). */
export function builtEntry(name: string): { file: string; url: string } {
  const self = new URL(import.meta.url);
  const fromSource = /\.[cm]?ts$/.test(self.pathname);
  const url = new URL(fromSource ? `../dist/${name}.js` : `./${name}.js`, self);
  const file = fileURLToPath(url);
  if (!existsSync(file)) {
    throw new SheetcError('E_IO', `${file} is missing${fromSource ? ' (workers run built JavaScript: run `npm run build:ts`)' : ''}`);
  }
  return { file, url: url.href };
}
