/**
 * Temporary directories of builds (a profile build's full model, verify's engine, the
 * CLI's throwaway engines). Each is named `sheetc-<kind>-<pid>-XXXXXX` in the system's
 * temporary directory: a process killed before it removes its own leaves one behind, and
 * the next one made by any process removes those whose process is gone.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRATCH = /^sheetc-([a-z]+)-(\d+)-[A-Za-z0-9]{6}$/;

/** A fresh temporary directory for `kind` (lower-case letters), after sweeping leftovers. */
export function scratchDir(kind: string): string {
  sweepScratch();
  return mkdtempSync(join(tmpdir(), `sheetc-${kind}-${process.pid}-`));
}

/** Removes the temporary directories of sheetc processes that are no longer running. */
export function sweepScratch(dir: string = tmpdir()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = SCRATCH.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || isRunning(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Whether process `pid` exists (signal 0 only checks; EPERM: it exists, owned by another user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
