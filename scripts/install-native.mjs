// Moves the freshly built addon from target/napi-out into the package root by rename,
// so a process that has the previous binary loaded keeps its (unlinked) file intact.
import { copyFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const from = join('target', 'napi-out');
for (const f of readdirSync(from)) {
  if (f.endsWith('.node')) renameSync(join(from, f), f);
  // The binding's generated declarations (napi build --dts) belong at the root too.
  else if (f === 'native.d.ts') copyFileSync(join(from, f), f);
}
