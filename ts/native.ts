/**
 * The lazy loader of the native compiler addon.
 *
 * The addon is loaded on first use, never at import, so `sheetc/runtime`, compiled
 * engines and pools work where no binary exists. The load is memoised; a failed load
 * is retried on the next call. The locally built `.node` (from `npm run build`) is
 * found first, then the per-platform npm package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SheetcError } from './errors.js';

/**
 * The binding's API, as napi-rs generates it from the Rust declarations (`ts/generated/
 * native.d.ts`, written by `npm run build:native`): options, events and errors are typed
 * once, in Rust.
 */
export type NativeAddon = typeof import('./generated/native.js');
export type { BuildEvent, KeptWorkbook, NativeCompileOptions, PendingValues, NativeError, NativeFunctionFacts, ScanResult as NativeScanResult } from './generated/native.js';

/** Platforms with a prebuilt binary (napi-rs triples → npm package suffixes). */
export const SUPPORTED_PLATFORMS = [
  'linux-x64-gnu',
  'linux-x64-musl',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
  'win32-arm64-msvc',
] as const;

function isMusl(): boolean {
  if (process.platform !== 'linux') return false;
  // Cheap first (~1 ms): glibc's ldd is a script that names the GNU C Library; musl's is
  // the musl loader itself. A diagnostic report (below) costs ~8 ms, on every build.
  try {
    const ldd = readFileSync('/usr/bin/ldd', 'utf8');
    if (ldd.includes('musl')) return true;
    if (ldd.includes('GNU C Library') || ldd.includes('glibc')) return false;
  } catch {
    /* no ldd: ask the report */
  }
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return !report?.header?.glibcVersionRuntime;
  } catch {
    return true;
  }
}

/** This machine's platform key, e.g. `linux-x64-gnu`. */
export function platformKey(platform: string = process.platform, arch: string = process.arch): string {
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: `dist/..` or `ts/..`. */
const packageRoot = join(here, '..');

let loaded: NativeAddon | null = null;
let loading: Error | null = null;

/** Override for tests: a directory searched first, or `false` to hide local binaries. */
function candidates(key: string): string[] {
  const out: string[] = [];
  const override = process.env['SHEETC_NATIVE_PATH'];
  if (override) out.push(override);
  if (process.env['SHEETC_HIDE_LOCAL_NATIVE'] !== '1') out.push(join(packageRoot, `sheetc.${key}.node`));
  return out;
}

/** Loads the addon (memoised; retried after a failure). */
export function loadNative(): NativeAddon {
  if (loaded) return loaded;
  const key = platformKey();
  const require = createRequire(import.meta.url);
  const errors: string[] = [];
  for (const file of candidates(key)) {
    if (!existsSync(file)) continue;
    try {
      loaded = require(file) as NativeAddon;
      loading = null;
      return loaded;
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  try {
    loaded = require(`@sheetc/${key}`) as NativeAddon;
    loading = null;
    return loaded;
  } catch (e) {
    errors.push(`@sheetc/${key}: ${(e as Error).message.split('\n')[0]}`);
  }
  const supported = (SUPPORTED_PLATFORMS as readonly string[]).includes(key);
  loading = new SheetcError(
    'E_NATIVE_UNAVAILABLE',
    supported
      ? `the sheetc compiler binary for ${key} could not be loaded (${errors.join('; ')}); reinstall sheetc, or build it from source with \`npm run build\``
      : `sheetc has no prebuilt compiler for this platform (${key}); supported platforms: ${SUPPORTED_PLATFORMS.join(', ')}. Compiled engines still run here.`,
  );
  throw loading;
}
