// Builds the sandbox package into sandbox/dist (run by `npm pack` as prepack, and by
// `npm run build:sandbox` at the root): the server compiled to JavaScript with declaration files
// (tsconfig.build.json), then the files the server reads at run time, copied to the same places
// relative to the compiled code as they have in the repository:
// - every file under server/ that is not TypeScript and not a test's (the catalog and its schema,
//   the try-it console's page, script and style, and whatever such file is added later);
// - generated/openapi.json, openapi.canonical.json and docs/index.html (the bundled spec, its canonical
//   form and the Redoc page), and the
//   test controls' generated/sandbox-controls.json and generated/docs/controls.html;
// - openapi/openapi.yaml and openapi/sandbox-controls.yaml (served as they are).
// Plain JavaScript, so that it runs on any Node the package supports. The TypeScript compiler is the
// repository's (a dev dependency of the kit, found from this folder upwards).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const here = import.meta.dirname;
const root = join(here, '..');
const dist = join(here, 'dist');

/** Files of the repository the server reads while it runs, relative to the repository. */
const ASSETS = [
  'generated/openapi.json',
  'generated/openapi.canonical.json',
  'generated/docs/index.html',
  'generated/sandbox-controls.json',
  'generated/docs/controls.html',
  'openapi/openapi.yaml',
  'openapi/sandbox-controls.yaml',
];

function fail(message) {
  console.error(`sandbox build: ${message}`);
  process.exit(1);
}

/** Every file under `folder` (relative to the repository) that the running server may read. */
function serverAssets(folder) {
  const files = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'test' && entry.name !== 'node_modules') files.push(...serverAssets(path));
    } else if (entry.isFile() && !/\.(ts|mts|cts)$/.test(entry.name) && !/\.test\./.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0)
  fail(`tsc -p sandbox/tsconfig.build.json failed (exit ${compiled.status ?? compiled.signal})`);

const assets = [...ASSETS, ...serverAssets('server')];
for (const asset of assets) {
  const from = join(root, asset);
  if (!existsSync(from)) fail(`${asset} is missing (npm run generate writes generated/)`);
  const to = join(dist, asset);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

const bin = join(dist, 'server', 'cli.js');
if (!existsSync(bin)) fail(`${relative(root, bin)} was not emitted`);
chmodSync(bin, 0o755);
console.error(
  `sandbox build: compiled the server into ${relative(root, dist)}/ and copied ${assets.length} files it reads: ${assets.join(', ')}`,
);
