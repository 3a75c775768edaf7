/**
 * The published package as a user gets it: `npm pack`, then an offline install of the tarball
 * into an empty project, then the CLI (`npx sheetc build`), the API (`import('sheetc')`) and the
 * built engine, all from that project.
 *
 * No network: the install runs with a fresh npm cache against a registry on 127.0.0.1 that
 * serves only sheetc's runtime dependencies (tinypool; bullmq and ioredis for sheetc/cluster)
 * and their own, packed from this checkout's node_modules: the install proves the tarball
 * needs nothing else.
 *
 * Needs `npm run build` first (dist/ and the native addon); fails, never skips, without them.
 */
import test from 'ava';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformKey, SUPPORTED_PLATFORMS } from '../ts/native.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const isWin = process.platform === 'win32';
const EXPECTED_PAYMENT = 1498.88; // Loan!B8 = ROUND(-PMT(0.005, 360, 250000), 2), as Excel computes it

const work = mkdtempSync(join(tmpdir(), 'sheetc-pack-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

/** The environment for npm in the temp project: no user config, a private cache, no network. */
const cache = join(work, 'npm-cache');
const userconfig = join(work, 'npmrc');
writeFileSync(userconfig, '');
function npmEnv(registry: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(npm_|SHEETC_)/i.test(k) || k === 'NODE_OPTIONS') delete env[k];
  }
  return {
    ...env,
    npm_config_cache: cache,
    npm_config_userconfig: userconfig,
    npm_config_registry: registry,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_fetch_retries: '0',
  };
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, shell: isWin, ...opts });
  const out = `${String(r.stdout ?? '')}${String(r.stderr ?? '')}`;
  return { status: r.status, stdout: String(r.stdout ?? ''), out, error: r.error };
}

/** `run`, without blocking the event loop (the mini registry answers from this process). */
function runAsync(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ status: number | null; out: string }>((ok) => {
    const child = spawn(cmd, args, { ...opts, shell: isWin, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on('error', (e) => (out += String(e)));
    child.on('close', (status) => {
      clearTimeout(timer);
      ok({ status, out });
    });
  });
}

interface RegistryPackage {
  /** The package.json the tarball was packed from. */
  manifest: { name: string; version: string } & Record<string, unknown>;
  tarball: Buffer;
}

/** A throwaway npm registry on 127.0.0.1 serving `packages` (packuments + tarballs). */
async function miniRegistry(packages: RegistryPackage[]) {
  const byName = new Map<string, RegistryPackage[]>();
  for (const p of packages) byName.set(p.manifest.name, [...(byName.get(p.manifest.name) ?? []), p]);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const path = decodeURIComponent(new URL(req.url ?? '/', base).pathname).slice(1);
    requests.push(path);
    const tgz = /^(.+)\/-\/(.+)\.tgz$/.exec(path);
    if (tgz) {
      const hit = (byName.get(tgz[1]!) ?? []).find((p) => `${p.manifest.name.split('/').pop()}-${p.manifest.version}` === tgz[2]);
      if (hit) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(hit.tarball);
        return;
      }
    } else if (byName.has(path)) {
      const versions: Record<string, unknown> = {};
      for (const p of byName.get(path)!) {
        const { scripts: _scripts, devDependencies: _dev, ...manifest } = p.manifest;
        versions[p.manifest.version] = {
          ...manifest,
          dist: {
            tarball: `${base}/${p.manifest.name}/-/${p.manifest.name.split('/').pop()}-${p.manifest.version}.tgz`,
            integrity: `sha512-${createHash('sha512').update(p.tarball).digest('base64')}`,
            shasum: createHash('sha1').update(p.tarball).digest('hex'),
          },
        };
      }
      const latest = byName.get(path)!.at(-1)!.manifest.version;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: path, 'dist-tags': { latest }, versions }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not found"}');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, requests, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

const readJson = <T = Record<string, unknown>>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

/** `npm pack` of `dirs` into `dest`: the tarballs' paths and file lists, in order. */
function npmPack(dirs: string[], dest: string, cwd: string) {
  const r = run('npm', ['pack', '--json', '--pack-destination', dest, ...dirs], { cwd, env: npmEnv('http://127.0.0.1:9/') });
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.out}`);
  const infos = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  return infos.map((i) => ({ file: join(dest, i.filename), files: i.files.map((f) => f.path) }));
}

/**
 * sheetc's runtime dependencies and theirs (installed optional ones included), packed from
 * this checkout's node_modules, for the registry on 127.0.0.1.
 */
function dependencyPackages(dest: string): { packages: RegistryPackage[]; optional: Set<string> } {
  const seen = new Map<string, string>(); // name@version → directory
  const optional = new Set<string>();
  const find = (name: string, from: string): string | null => {
    for (let dir = from; ; dir = resolve(dir, '..')) {
      const p = join(dir, 'node_modules', name);
      if (existsSync(join(p, 'package.json'))) return p;
      if (dir === root || resolve(dir, '..') === dir) return null;
    }
  };
  const walk = (dir: string) => {
    const m = readJson<{ name: string; version: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> }>(join(dir, 'package.json'));
    const deps = { ...(m.dependencies ?? {}) };
    for (const [name] of Object.entries(m.peerDependencies ?? {})) {
      if (m.peerDependenciesMeta?.[name]?.optional) optional.add(name);
      else deps[name] = '*';
    }
    for (const name of Object.keys(m.optionalDependencies ?? {})) optional.add(name);
    for (const name of [...Object.keys(deps), ...Object.keys(m.optionalDependencies ?? {})]) {
      const at = find(name, dir);
      if (!at) {
        if (optional.has(name)) continue;
        throw new Error(`${name} (a dependency of ${m.name}) is not installed`);
      }
      const d = readJson<{ name: string; version: string }>(join(at, 'package.json'));
      const key = `${d.name}@${d.version}`;
      if (seen.has(key)) continue;
      seen.set(key, at);
      walk(at);
    }
  };
  walk(root);
  const dirs = [...seen.values()];
  const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, ...dirs], { cwd: dest, env: npmEnv('http://127.0.0.1:9/') });
  if (r.status !== 0) throw new Error(`npm pack of the dependencies failed:\n${r.out}`);
  const infos = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string }[];
  const packages = dirs.map((d, i) => ({ manifest: readJson(join(d, 'package.json')) as RegistryPackage['manifest'], tarball: readFileSync(join(dest, infos[i]!.filename)) }));
  return { packages, optional };
}

test.serial('npm pack → install from a registry holding only the dependencies → npx sheetc build, the API and the engine work from the installed package', async (t) => {
  const key = platformKey();
  const required = ['dist/index.js', 'dist/cli.js', 'dist/runtime.js', `sheetc.${key}.node`, 'examples/loan.xlsx'];
  const missing = required.filter((f) => !existsSync(join(root, f)));
  if (missing.length) {
    t.fail(`missing ${missing.join(', ')}: run \`npm run build\` (build:native + build:ts) before this test`);
    return;
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };

  // 1. npm pack: the file list is what we mean to publish.
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  const [packed] = npmPack([root], packDir, root);
  const files = packed!.files;
  for (const f of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/runtime.js', `sheetc.${key}.node`]) {
    t.true(files.includes(f), `the tarball lacks ${f}`);
  }
  const stray = files.filter((f) => /^(ts|crates|__test__|scripts|npm|target|examples|bench|node_modules)\//.test(f));
  t.deepEqual(stray, [], 'sources, tests and build trees stay out of the tarball');
  const tarball = packed!.file;

  // 3. Install into an empty project from a registry on 127.0.0.1 holding only the
  // runtime dependencies (nothing else is reachable).
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sheetc-pack-test', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const depDir = join(work, 'deps');
  mkdirSync(depDir);
  const deps = dependencyPackages(depDir);
  const registry = await miniRegistry(deps.packages);
  let install: { status: number | null; out: string };
  try {
    install = await runAsync('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: project, env: npmEnv(registry.url) });
  } finally {
    await registry.close();
  }
  t.is(install.status, 0, `install failed:\n${install.out}`);
  const served = new Set(deps.packages.map((p) => p.manifest.name));
  const asked = registry.requests.map((r) => r.replace(/\/-\/.*$/, ''));
  t.deepEqual(asked.filter((n) => !served.has(n) && !deps.optional.has(n)), [], 'nothing but the declared dependencies (and absent optional ones) was asked for');
  for (const name of Object.keys(pkg.dependencies ?? {})) t.true(existsSync(join(project, 'node_modules', name, 'package.json')), `${name} is installed`);
  const env = npmEnv('http://127.0.0.1:9/');
  const installed = join(project, 'node_modules', 'sheetc');
  t.true(existsSync(join(installed, `sheetc.${key}.node`)), 'the native addon is installed with the package');
  t.is((JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }).version, pkg.version);

  // 4. The CLI, through npx, from the project.
  const xlsx = join(root, 'examples', 'loan.xlsx');
  const build = run('npx', ['--no-install', 'sheetc', 'build', xlsx, '-o', 'engine'], { cwd: project, env: { ...env, npm_config_offline: 'true' } });
  t.is(build.status, 0, `npx sheetc build failed:\n${build.out}`);
  t.true(existsSync(join(project, 'engine', 'engine.js')));

  // 5. The API and the engines, from a module in the project.
  writeFileSync(
    join(project, 'check.mjs'),
    `import { compile, loadEngine, platformKey } from 'sheetc';
import { supportedFunctions } from 'sheetc/runtime';
import { run } from './engine/engine.js';
const report = await compile(${JSON.stringify(xlsx)}, { outDir: 'engine-api' });
const api = await loadEngine('engine-api');
console.log(JSON.stringify({
  cli: run().get('Loan!B8'),
  api: api.run().get('Loan!B8'),
  cliInput: run({ 'Loan!B2': 100000 }).get('Loan!B8'),
  formulaCells: report.formulaCells,
  platform: platformKey(),
  hasPmt: supportedFunctions().includes('PMT'),
}));
`,
  );
  const check = run(process.execPath, ['check.mjs'], { cwd: project, env, shell: false });
  t.is(check.status, 0, check.out);
  const result = JSON.parse(check.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  t.is(result['cli'], EXPECTED_PAYMENT);
  t.is(result['api'], EXPECTED_PAYMENT);
  t.is(result['cliInput'], 599.55); // PMT(0.005, 360, 100000)
  t.true((result['formulaCells'] as number) > 0);
  t.is(result['platform'], key);
  t.true(result['hasPmt']);
});

test.serial('release layout: prepublish.mjs + the @sheetc/<platform> packages; npm installs only the matching one and compile() loads it', async (t) => {
  const key = platformKey();
  const missing = ['dist/index.js', 'dist/runtime.js', `sheetc.${key}.node`].filter((f) => !existsSync(join(root, f)));
  if (missing.length) {
    t.fail(`missing ${missing.join(', ')}: run \`npm run build\` (build:native + build:ts) before this test`);
    return;
  }
  // A scratch copy of what the release job has: the root package (no local binary), npm/,
  // scripts/prepublish.mjs and ts/native.ts (whose platform list it checks), plus the CI
  // artifacts: this machine's real binary, placeholders for the others.
  const scratch = join(work, 'release');
  for (const f of ['package.json', 'dist', 'npm', 'scripts/prepublish.mjs', 'ts/native.ts']) {
    cpSync(join(root, f), join(scratch, f), { recursive: true, filter: (src) => !src.endsWith('.node') });
  }
  const targets = readdirSync(join(scratch, 'npm'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  t.deepEqual(targets, [...SUPPORTED_PLATFORMS].sort(), 'npm/ has one package per supported platform');
  for (const k of targets) {
    mkdirSync(join(scratch, 'art', `bindings-${k}`), { recursive: true });
    const dest = join(scratch, 'art', `bindings-${k}`, `sheetc.${k}.node`);
    if (k === key) cpSync(join(root, `sheetc.${k}.node`), dest);
    else writeFileSync(dest, `placeholder for ${k}`);
  }
  const version = readJson<{ version: string }>(join(scratch, 'package.json')).version;
  const prep = run(process.execPath, ['scripts/prepublish.mjs', '--artifacts', 'art', '--tag', `v${version}`], { cwd: scratch, env: npmEnv('http://127.0.0.1:9/'), shell: false });
  t.is(prep.status, 0, prep.out);
  const rootPkg = readJson<{ optionalDependencies?: Record<string, string> }>(join(scratch, 'package.json'));
  t.deepEqual(rootPkg.optionalDependencies, Object.fromEntries(SUPPORTED_PLATFORMS.map((k) => [`@sheetc/${k}`, version])));

  // Pack all nine packages and serve them from a registry on 127.0.0.1.
  const packDir = join(work, 'release-pack');
  mkdirSync(packDir);
  const dirs = [scratch, ...targets.map((k) => join(scratch, 'npm', k))];
  const packed = npmPack(dirs, packDir, scratch);
  t.false(packed[0]!.files.some((f) => f.endsWith('.node')), 'the root package ships no binary');
  packed.slice(1).forEach((p, i) => t.deepEqual([...p.files].sort(), ['README.md', `sheetc.${targets[i]}.node`, 'package.json'].sort()));
  const releaseDeps = join(work, 'release-deps');
  mkdirSync(releaseDeps);
  const registry = await miniRegistry([
    ...dirs.map((d, i) => ({ manifest: readJson(join(d, 'package.json')) as RegistryPackage['manifest'], tarball: readFileSync(packed[i]!.file) })),
    ...dependencyPackages(releaseDeps).packages,
  ]);
  const project = join(work, 'release-project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sheetc-release-test', version: '1.0.0', private: true, type: 'module' }, null, 2));
  let install: { status: number | null; out: string };
  try {
    install = await runAsync('npm', ['install', '--no-audit', '--no-fund', `sheetc@${version}`], { cwd: project, env: npmEnv(registry.url) });
  } finally {
    await registry.close();
  }
  t.is(install.status, 0, `install from the local registry failed:\n${install.out}`);
  const scoped = readdirSync(join(project, 'node_modules', '@sheetc'));
  t.deepEqual(scoped, [key], `npm installed only this platform's package (os/cpu/libc filtering)`);
  t.false(readdirSync(join(project, 'node_modules', 'sheetc')).some((f) => f.endsWith('.node')));

  writeFileSync(
    join(project, 'check.mjs'),
    `import { compile, loadEngine } from 'sheetc';
const report = await compile(${JSON.stringify(join(root, 'examples', 'loan.xlsx'))}, { outDir: 'engine' });
const engine = await loadEngine('engine');
console.log(JSON.stringify({ payment: engine.run().get('Loan!B8'), cells: report.formulaCells }));
`,
  );
  const check = run(process.execPath, ['check.mjs'], { cwd: project, env: npmEnv(registry.url), shell: false });
  t.is(check.status, 0, `compile() through @sheetc/${key} failed:\n${check.out}`);
  t.is((JSON.parse(check.stdout.trim().split('\n').pop()!) as { payment: number }).payment, EXPECTED_PAYMENT);
});
