#!/usr/bin/env node
/**
 * Prepares (and optionally publishes) a release of sheetc's npm packages.
 *
 * sheetc ships as one root package (`sheetc`: the TypeScript API, CLI and runtime) plus one
 * package per platform holding the native compiler (`@sheetc/<platform>`, in `npm/<platform>/`).
 * The root package lists the platform packages in `optionalDependencies`, so npm installs only
 * the one whose `os`/`cpu`/`libc` match. Those optionalDependencies are written HERE, at
 * release time, and never committed: the development package.json must not list them, since
 * unpublished versions would break `npm ci`.
 *
 * This does what `napi pre-publish -t npm` does, but for our package names (`@sheetc/<platform>`,
 * which ts/native.ts requires; napi would name them `sheetc-<platform>`):
 *
 *   1. checks the version: the root package.json's, and the git tag's (`--tag v0.1.0`, or
 *      GITHUB_REF_NAME when it is a `v*` tag) must agree;
 *   2. writes that version into every npm/<platform>/package.json;
 *   3. with `--artifacts DIR`, copies each `sheetc.<platform>.node` found anywhere under DIR
 *      (the CI's downloaded build artifacts) into npm/<platform>/;
 *   4. checks that every platform package has its binary and that the root package will not
 *      ship a binary of its own nor miss dist/;
 *   5. writes `optionalDependencies: { "@sheetc/<platform>": "<version>" }` into package.json;
 *   6. with `--publish-platforms`, runs `npm publish` in each npm/<platform>/ (versions already
 *      on the registry are skipped, so a failed release can be re-run). Pass `--dry-run` to
 *      hand `--dry-run` to npm and leave package.json untouched.
 *
 * The root package is then published by the caller: `npm publish --access public`.
 *
 * Usage:
 *   node scripts/prepublish.mjs [--artifacts DIR] [--tag vX.Y.Z] [--publish-platforms]
 *                               [--npm-tag TAG] [--allow-missing] [--dry-run]
 *   node scripts/prepublish.mjs --check     # only validate npm/ (names, os/cpu/libc, version)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every platform with a prebuilt binary: npm/<key>, its Rust triple and npm's os/cpu/libc. */
const TARGETS = [
  { key: 'linux-x64-gnu', triple: 'x86_64-unknown-linux-gnu', os: 'linux', cpu: 'x64', libc: 'glibc' },
  { key: 'linux-x64-musl', triple: 'x86_64-unknown-linux-musl', os: 'linux', cpu: 'x64', libc: 'musl' },
  { key: 'linux-arm64-gnu', triple: 'aarch64-unknown-linux-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  { key: 'linux-arm64-musl', triple: 'aarch64-unknown-linux-musl', os: 'linux', cpu: 'arm64', libc: 'musl' },
  { key: 'darwin-x64', triple: 'x86_64-apple-darwin', os: 'darwin', cpu: 'x64' },
  { key: 'darwin-arm64', triple: 'aarch64-apple-darwin', os: 'darwin', cpu: 'arm64' },
  { key: 'win32-x64-msvc', triple: 'x86_64-pc-windows-msvc', os: 'win32', cpu: 'x64' },
  { key: 'win32-arm64-msvc', triple: 'aarch64-pc-windows-msvc', os: 'win32', cpu: 'arm64' },
];

const SCOPE = '@sheetc';

const USAGE = `Usage:
  node scripts/prepublish.mjs [--artifacts DIR] [--tag vX.Y.Z] [--publish-platforms]
                              [--npm-tag TAG] [--allow-missing] [--dry-run]
  node scripts/prepublish.mjs --check

  --artifacts DIR       copy each sheetc.<platform>.node found under DIR into npm/<platform>/
  --tag vX.Y.Z          the git tag being released (default: GITHUB_REF_NAME when it is a tag)
  --publish-platforms   npm publish every npm/<platform> package not yet on the registry
  --npm-tag TAG         dist-tag for those packages (default: latest)
  --allow-missing       do not fail when some platform binaries are absent
  --dry-run             change no file; pass --dry-run to npm publish
  --check               only validate npm/<platform>/package.json against the target list

Then publish the root package: npm publish --access public`;

function parseArgs(argv) {
  const opts = { artifacts: undefined, tag: undefined, publishPlatforms: false, npmTag: undefined, allowMissing: false, dryRun: false, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--artifacts': opts.artifacts = value(); break;
      case '--tag': opts.tag = value(); break;
      case '--npm-tag': opts.npmTag = value(); break;
      case '--publish-platforms': opts.publishPlatforms = true; break;
      case '--allow-missing': opts.allowMissing = true; break;
      case '--dry-run': opts.dryRun = true; break;
      case '--check': opts.check = true; break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default: fail(`unknown option ${a} (see --help)`);
    }
  }
  return opts;
}

function fail(message) {
  console.error(`prepublish: ${message}`);
  process.exit(1);
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** Files named `name` anywhere under `dir`. */
function findFiles(dir, name, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) findFiles(p, name, out);
    else if (entry.name === name) out.push(p);
  }
  return out;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Problems with npm/<key>/package.json: the fields the loader and npm's platform filter rely on. */
function checkPlatformPackage(t, version) {
  const problems = [];
  const file = join(root, 'npm', t.key, 'package.json');
  if (!existsSync(file)) return [`npm/${t.key}/package.json is missing`];
  const pkg = readJson(file);
  const want = {
    name: `${SCOPE}/${t.key}`,
    os: [t.os],
    cpu: [t.cpu],
    main: `sheetc.${t.key}.node`,
    files: [`sheetc.${t.key}.node`],
    license: 'MIT',
  };
  for (const [k, v] of Object.entries(want)) {
    if (!same(pkg[k], v)) problems.push(`npm/${t.key}/package.json: ${k} is ${JSON.stringify(pkg[k])}, expected ${JSON.stringify(v)}`);
  }
  if (t.libc ? !same(pkg.libc, [t.libc]) : pkg.libc !== undefined) {
    problems.push(`npm/${t.key}/package.json: libc is ${JSON.stringify(pkg.libc)}, expected ${JSON.stringify(t.libc ? [t.libc] : undefined)}`);
  }
  if (version !== undefined && pkg.version !== version) problems.push(`npm/${t.key}/package.json: version ${pkg.version} differs from the root's ${version}`);
  return problems;
}

function isPublished(name, version) {
  try {
    const out = execFileSync('npm', ['view', `${name}@${version}`, 'version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], shell: process.platform === 'win32' });
    return out.trim() === version;
  } catch {
    return false; // E404: not published yet
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const pkgFile = join(root, 'package.json');
  const pkg = readJson(pkgFile);
  const version = pkg.version;

  // The platform list must match the loader's and napi's.
  const loader = readFileSync(join(root, 'ts', 'native.ts'), 'utf8');
  for (const t of TARGETS) {
    if (!loader.includes(`'${t.key}'`)) fail(`ts/native.ts does not list ${t.key} in SUPPORTED_PLATFORMS`);
    if (!pkg.napi?.targets?.includes(t.triple)) fail(`package.json napi.targets does not list ${t.triple}`);
  }
  if (opts.check) {
    const problems = TARGETS.flatMap((t) => checkPlatformPackage(t, version));
    if (problems.length) fail(`\n  ${problems.join('\n  ')}`);
    console.log(`prepublish: npm/ holds ${TARGETS.length} consistent platform packages at ${version}`);
    return;
  }

  // 1. The version agrees with the tag being released.
  const tag = opts.tag ?? (process.env.GITHUB_REF_TYPE === 'tag' || /^v\d/.test(process.env.GITHUB_REF_NAME ?? '') ? process.env.GITHUB_REF_NAME : undefined);
  if (tag !== undefined && tag !== `v${version}`) fail(`the tag ${tag} does not match package.json's version ${version} (expected v${version})`);

  // 2. Every platform package carries the root's version.
  for (const t of TARGETS) {
    const file = join(root, 'npm', t.key, 'package.json');
    if (!existsSync(file)) fail(`npm/${t.key}/package.json is missing`);
    const p = readJson(file);
    if (p.version !== version && !opts.dryRun) {
      p.version = version;
      writeJson(file, p);
    }
  }
  const problems = TARGETS.flatMap((t) => checkPlatformPackage(t, opts.dryRun ? undefined : version));
  if (problems.length) fail(`\n  ${problems.join('\n  ')}`);

  // 3. Binaries from the CI artifacts into their packages.
  const provided = new Set();
  if (opts.artifacts !== undefined) {
    if (!existsSync(opts.artifacts) || !statSync(opts.artifacts).isDirectory()) fail(`--artifacts ${opts.artifacts} is not a directory`);
    for (const t of TARGETS) {
      const name = `sheetc.${t.key}.node`;
      const found = findFiles(opts.artifacts, name);
      if (found.length > 1) fail(`${name} found more than once under ${opts.artifacts}: ${found.join(', ')}`);
      if (found.length === 1) {
        const dest = join(root, 'npm', t.key, name);
        if (!opts.dryRun) copyFileSync(found[0], dest);
        provided.add(t.key);
        console.log(`prepublish: ${found[0]} -> ${relative(root, dest)}`);
      }
    }
  }

  // 4. Every binary present; the root package ships none, and has its build output.
  const missing = TARGETS.filter((t) => !provided.has(t.key) && !existsSync(join(root, 'npm', t.key, `sheetc.${t.key}.node`)));
  if (missing.length && !opts.allowMissing) {
    fail(`no binary for ${missing.map((t) => t.key).join(', ')} (expected npm/<platform>/sheetc.<platform>.node; pass --artifacts DIR, or --allow-missing for a partial dry run)`);
  }
  const rootBinaries = readdirSync(root).filter((f) => /^sheetc\..+\.node$/.test(f));
  if (rootBinaries.length && opts.dryRun) {
    console.warn(`prepublish: (dry run) warning: the root package would ship ${rootBinaries.join(', ')}; a release must not`);
  } else if (rootBinaries.length) {
    fail(`the root package would ship ${rootBinaries.join(', ')} (package.json "files" includes sheetc.*.node for local builds); remove them: released binaries live in the @sheetc/<platform> packages`);
  }
  for (const f of ['dist/index.js', 'dist/cli.js', 'dist/runtime.js']) {
    if (!existsSync(join(root, f))) fail(`${f} is missing; run \`npm run build:ts\` first`);
  }

  // 5. optionalDependencies, written for this release only.
  const optionalDependencies = { ...(pkg.optionalDependencies ?? {}) };
  for (const t of TARGETS) optionalDependencies[`${SCOPE}/${t.key}`] = version;
  if (opts.dryRun) {
    console.log(`prepublish: (dry run) would write optionalDependencies:\n${JSON.stringify(optionalDependencies, null, 2)}`);
  } else {
    pkg.optionalDependencies = optionalDependencies;
    writeJson(pkgFile, pkg);
    console.log(`prepublish: package.json optionalDependencies -> ${TARGETS.length} platform packages at ${version}`);
  }

  // 6. The platform packages go to the registry before the root that depends on them.
  if (opts.publishPlatforms) {
    for (const t of TARGETS) {
      if (missing.includes(t)) continue;
      const name = `${SCOPE}/${t.key}`;
      if (isPublished(name, version)) {
        console.log(`prepublish: ${name}@${version} is already published; skipped`);
        continue;
      }
      const args = ['publish', '--access', 'public'];
      if (opts.npmTag) args.push('--tag', opts.npmTag);
      if (opts.dryRun) args.push('--dry-run');
      console.log(`prepublish: npm ${args.join(' ')}  (in npm/${t.key})`);
      execFileSync('npm', args, { cwd: join(root, 'npm', t.key), stdio: 'inherit', shell: process.platform === 'win32' });
    }
  }
}

main();
