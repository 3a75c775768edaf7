/**
 * The shared Excel corpora (`shared/corpus`, `shared/corpus-formats`) sit beside the
 * repository (`../shared` from its root). A git worktree or a CI checkout may be nested
 * deeper, so the folder is looked for in the repository's parent and each ancestor above it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The absolute path of `shared/NAME` (e.g. `corpus-formats`), or null when there is none. */
export function sharedFolder(name: string): string | null {
  for (let dir = dirname(repoRoot); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}
