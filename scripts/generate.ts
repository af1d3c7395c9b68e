// Derives everything in generated/ from openapi/openapi.yaml.
//
//   node scripts/generate.ts           regenerate generated/
//   node scripts/generate.ts --check   regenerate into a temporary folder and fail, naming the files,
//                                      when generated/ differs from what the spec produces (CI runs this)
//   --spec FILE, --generated DIR       another spec or output folder than openapi/openapi.yaml, generated/
//
// The tools run as their own CLIs (the ones a person would run by hand), with the project's Node.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
/** `--spec FILE` and `--generated DIR` point the script elsewhere (the tests check a changed copy). */
function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  return value ? resolve(value) : fallback;
}
const spec = option('--spec', join(root, 'openapi', 'openapi.yaml'));
const generatedDir = option('--generated', join(root, 'generated'));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** The derived artifacts, each written by one command into `outDir`. */
const artifacts: { file: string; command: (outFile: string) => [string, string[]] }[] = [
  {
    // TypeScript types of every path, operation and schema; `$Read`/`$Write` markers keep read-only
    // properties out of request bodies in openapi-fetch.
    file: 'api-types.ts',
    command: (out) => [
      bin('openapi-typescript'),
      [spec, '--output', out, '--read-write-markers', '--redocly', join(root, 'scripts', 'openapi-typescript.redocly.yaml')],
    ],
  },
  {
    // The bundled spec as JSON: what a consumer or a tool downloads (served at /openapi.json).
    file: 'openapi.json',
    command: (out) => [bin('redocly'), ['bundle', spec, '--output', out, '--ext', 'json']],
  },
  {
    // The documentation page, with Redoc inlined so it works with no network (served at /docs).
    file: 'docs/index.html',
    command: (out) => [
      bin('redocly'),
      ['build-docs', spec, '--output', out, '--inlineBundle', '--title', 'Partner Center Cart API'],
    ],
  },
];

function generateInto(outDir: string): void {
  for (const artifact of artifacts) {
    const outFile = join(outDir, artifact.file);
    mkdirSync(join(outFile, '..'), { recursive: true });
    const [command, args] = artifact.command(outFile);
    try {
      execFileSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`generating ${artifact.file} failed:\n${stderr}`);
    }
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Files that differ between the committed folder and a fresh generation, with the reason. */
function compare(committedDir: string, freshDir: string): string[] {
  const problems: string[] = [];
  const committed = new Set(listFiles(committedDir));
  for (const file of listFiles(freshDir)) {
    if (!committed.has(file)) problems.push(`generated/${file}: missing (run npm run generate)`);
    else if (!readFileSync(join(committedDir, file)).equals(readFileSync(join(freshDir, file))))
      problems.push(`generated/${file}: differs from what openapi/openapi.yaml produces (run npm run generate)`);
    committed.delete(file);
  }
  for (const file of committed) problems.push(`generated/${file}: not produced by the spec any more (delete it)`);
  return problems;
}

const check = process.argv.includes('--check');
const fresh = mkdtempSync(join(tmpdir(), 'cart-kit-generated-'));
try {
  generateInto(fresh);
  if (check) {
    const problems = compare(generatedDir, fresh);
    if (problems.length > 0) {
      console.error(`generated/ does not match the spec:\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log(`generated/ matches openapi/openapi.yaml (${artifacts.length} files).`);
    }
  } else {
    rmSync(generatedDir, { recursive: true, force: true });
    cpSync(fresh, generatedDir, { recursive: true });
    console.log(`generated/: ${listFiles(generatedDir).join(', ')}`);
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
