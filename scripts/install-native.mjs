// Moves the freshly built addon from target/napi-out into the package root by rename,
// so a process that has the previous binary loaded keeps its (unlinked) file intact, and
// writes the binding's generated declarations (napi build --dts) to ts/generated/, where
// the TypeScript layer imports them (a test fails when the committed copy drifts).
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const from = join('target', 'napi-out');
for (const f of readdirSync(from)) {
  if (f.endsWith('.node')) renameSync(join(from, f), f);
  else if (f === 'native.d.ts') {
    const target = join('ts', 'generated', 'native.d.ts');
    const text = readFileSync(join(from, f), 'utf8');
    let old = '';
    try {
      old = readFileSync(target, 'utf8');
    } catch {
      /* first build */
    }
    if (text !== old) writeFileSync(target, text);
  }
}
