// The two packages as another project gets them: `npm pack` in client/ and sandbox/ (each builds
// itself on prepack), both tarballs installed with npm into a scratch project in a temporary folder,
// and then, from that project alone:
// - the README's client example ("Using the client"), importing the installed client, type-checked
//   against the installed declarations and run against a sandbox started by the installed package's
//   in-process API (startSandbox);
// - the installed command, `npx partner-center-cart-sandbox`, as a child process: it serves /docs and
//   the API, lists its options (one per variable of the configuration table), reports a bad value in
//   one line with exit code 2, and stops on SIGTERM.
// A project that misuses the client's helpers fails to compile against the installed declarations.
// The README examples and the misuse are type-checked by one run of tsc over the scratch project (the
// installed declarations are checked once, not once per file), each file's errors told apart.
// Every step is bounded in time; the durations are printed at the end. Only what this file starts is
// stopped, by its process group (made for it with `detached`).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { VARIABLES } from '../config.ts';
import { findOldNode } from './old-node.ts';

const root = resolve(import.meta.dirname, '..', '..');
const COMMAND = 'partner-center-cart-sandbox';
const CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';

/** npm and npx as JavaScript files run by this Node, when the test runs under npm or npx; else the commands. */
function npmCommand(tool: 'npm' | 'npx'): [string, ...string[]] {
  const execPath = process.env['npm_execpath'];
  if (execPath && /np[mx]-cli\.js$/.test(execPath))
    return [process.execPath, join(dirname(execPath), `${tool}-cli.js`)];
  return [tool];
}

/** The environment of the children: npm's settings for this run, and the sandbox's variables, left out. */
function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const variables = new Set(VARIABLES.map((variable) => variable.name));
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (variables.has(name) || name === 'INIT_CWD' || (/^npm_/i.test(name) && !keep.has(name.toLowerCase()))) continue;
    env[name] = value;
  }
  // This Node first, so that `#!/usr/bin/env node` and npm's scripts run the Node the kit runs on.
  env['PATH'] = [dirname(process.execPath), process.env['PATH'] ?? ''].join(delimiter);
  // swagger-ui-dist's dependency @scarf/scarf reports installs from an install script: not from a test.
  env['SCARF_ANALYTICS'] = 'false';
  // npx runs the installed command, never one it would fetch (what `npx --no` says, which would take the command's
  // options for its own).
  env['npm_config_yes'] = 'false';
  return { ...env, ...extra };
}

interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const timings: [string, number][] = [];

/** Runs a command to its end, at most `timeoutMs` (then its process group is killed and the step fails). */
function run(
  label: string,
  command: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<Result> {
  const started = performance.now();
  return new Promise((done, failed) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? childEnvironment(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      failed(new Error(`${label}: no end within ${options.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      failed(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      timings.push([label, performance.now() - started]);
      done({ status, signal, stdout, stderr });
    });
  });
}

/** Signals the process group this file made for a child (its pid, negated): the child and what it started. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** A port free on loopback at this moment. */
function freePort(): Promise<number> {
  return new Promise((done, failed) => {
    const probe = createServer();
    probe.once('error', failed);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** The JSON report of `npm pack --json` (lifecycle output may come before it). */
function packReport(stdout: string): { filename: string; files: { path: string }[] } {
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  assert.ok(report, `no report in ${stdout}`);
  return report;
}

/** The README's client example, the block client/test/readme-example.test.ts runs, as written. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block =
    /<!-- The block below is run by client\/test\/readme-example\.test\.ts[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
  assert.ok(block, 'the marked ts block of "Using the client" is missing from README.md');
  return block;
}

/** The in-process example of sandbox/README.md (node:test), as written. */
function sandboxReadmeExample(): string {
  const readme = readFileSync(join(root, 'sandbox', 'README.md'), 'utf8');
  const block = /<!-- The block below is run by server\/test\/packages\.test\.ts[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(
    readme,
  )?.[1];
  assert.ok(block, 'the marked ts block is missing from sandbox/README.md');
  return block;
}

/** Bare module names a compiled file imports or requires. */
function bareImports(source: string): string[] {
  const names = [
    ...source.matchAll(
      /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*|createRequire\([^)]*\)\s*\(\s*)["']([^"'.][^"']*)["']/g,
    ),
  ].map((match) => match[1]!);
  return names.map((name) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!));
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the packages people install (client and sandbox, from a scratch project)', function () {
  this.timeout(240_000);
  const started = performance.now();
  let dir: string;
  let project: string;
  const tarballs: Record<'client' | 'sandbox', { filename: string; files: string[] }> = {} as never;

  before(async function () {
    this.timeout(200_000);
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-packages-'));
    // Both at once: each builds into its own dist/ (client/dist, sandbox/dist).
    await Promise.all(
      (['client', 'sandbox'] as const).map(async (name) => {
        const packed = await run(
          `npm pack (${name}/)`,
          [...npmCommand('npm'), 'pack', '--json', '--pack-destination', dir, '--loglevel=error'],
          {
            cwd: join(root, name),
            timeoutMs: 90_000,
          },
        );
        assert.equal(packed.status, 0, `npm pack in ${name}/: ${packed.stdout}\n${packed.stderr}`);
        const report = packReport(packed.stdout);
        tarballs[name] = {
          filename: join(dir, basename(report.filename)),
          files: report.files.map((file) => file.path),
        };
      }),
    );
    project = join(dir, 'project');
    // A project of its own: its folder is under the temporary folder, not under the kit.
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'scratch-consumer', private: true, type: 'module' }, null, 2),
    );
    const installed = await run(
      'npm install (both tarballs)',
      [
        ...npmCommand('npm'),
        'install',
        tarballs.client.filename,
        tarballs.sandbox.filename,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
      ],
      { cwd: project, timeoutMs: 150_000 },
    );
    assert.equal(installed.status, 0, `npm install: ${installed.stdout}\n${installed.stderr}`);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    const total = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `      packages test: ${timings.map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)} s`).join(', ')}; ${total} s in all`,
    );
  });

  it('the sandbox tarball holds the compiled server, its declarations and the files it reads, and no TypeScript source', () => {
    const files = tarballs.sandbox.files;
    for (const expected of [
      'package.json',
      'README.md',
      'dist/server/cli.js',
      'dist/server/sandbox.js',
      'dist/server/sandbox.d.ts',
      'dist/server/run.js',
      'dist/server/node-support.js',
      'dist/generated/openapi.json',
      'dist/generated/openapi.canonical.json',
      'dist/generated/docs/index.html',
      'dist/openapi/openapi.yaml',
      'dist/server/catalog/catalog.json',
      'dist/server/catalog/catalog.schema.json',
    ]) {
      assert.ok(files.includes(expected), `${expected} in the sandbox tarball (${files.length} files)`);
    }
    if (existsSync(join(root, 'server', 'try-it'))) {
      for (const name of readdirSync(join(root, 'server', 'try-it')))
        assert.ok(files.includes(`dist/server/try-it/${name}`), `dist/server/try-it/${name} in the tarball`);
    }
    assert.deepEqual(
      files.filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts')),
      [],
    );
    assert.deepEqual(
      files.filter((file) => /(^|\/)test\/|\.test\./.test(file)),
      [],
    );
    for (const expected of ['package.json', 'README.md', 'dist/client/index.js', 'dist/client/index.d.ts'])
      assert.ok(tarballs.client.files.includes(expected), `${expected} in the client tarball`);
    assert.equal(
      JSON.parse(
        readFileSync(join(project, 'node_modules', '@partner-center-cart-kit', 'client', 'package.json'), 'utf8'),
      ).license,
      'MIT',
    );
  });

  /**
   * The scratch project's TypeScript, written once and type-checked by one run of tsc: the README
   * client example (run by main.ts against the installed startSandbox), sandbox/README.md's node:test
   * example, and misuse/main.ts, a project's misuse of the client's helpers. A Node project's settings,
   * strict, without skipLibCheck: the packages' declarations are checked too. The errors, by file.
   */
  let checked: Promise<{ status: number | null; output: string; errors: Map<string, string[]> }> | undefined;
  function typeCheckProject(): Promise<{ status: number | null; output: string; errors: Map<string, string[]> }> {
    checked ??= (async () => {
      const example = readmeExample();
      const consumerExample = example.replace("from './client/index.ts'", "from '@partner-center-cart-kit/client'");
      assert.notEqual(consumerExample, example, "the README example imports './client/index.ts'");
      writeFileSync(join(project, 'example.ts'), consumerExample);
      writeFileSync(
        join(project, 'main.ts'),
        `// The README example, run against a sandbox of its own, as a test runner would start one.
import { startSandbox, type Sandbox } from '@partner-center-cart-kit/sandbox';

const sandbox: Sandbox = await startSandbox({ provisioningDelayMs: 0, environment: { CART_TTL: '1h' } });
try {
  process.env.BASE_URL = sandbox.url;
  process.env.TOKEN = await sandbox.token();
  await import('./example.ts');
} finally {
  await sandbox.stop();
}
`,
      );
      writeFileSync(join(project, 'sandbox-readme.test.ts'), sandboxReadmeExample());
      const misuse = join(project, 'misuse');
      mkdirSync(misuse);
      writeFileSync(
        join(misuse, 'main.ts'),
        `import { createCartClient } from '@partner-center-cart-kit/client';
const api = createCartClient();
export const wrongBody = api.createCart('d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d', { lineItems: [{ catalogItemId: 'X', quantity: 'three', billingCycle: 'monthly' }] });
export const missingArgument = api.getCart('d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d');
export const misspelt = api.updateCart('c', 'd', { lineItems: [], partnerOnRecordAttestationAcepted: true });
`,
      );
      const tsconfig = {
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          lib: ['es2023'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
          skipLibCheck: false,
        },
        include: ['*.ts', 'misuse/*.ts'],
      };
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
      const compiled = await run(
        'tsc (the examples and the misuse)',
        [process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--pretty', 'false'],
        { cwd: project, timeoutMs: 60_000 },
      );
      const output = compiled.stdout + compiled.stderr;
      // One diagnostic per line that names a file, `file(line,col): error ...`; the indented lines below are its own.
      const errors = new Map<string, string[]>();
      let last: string | undefined;
      for (const line of output.split('\n')) {
        const file = /^(\S[^(]*)\(\d+,\d+\): error /.exec(line)?.[1];
        if (file) {
          errors.set(file, [...(errors.get(file) ?? []), line]);
          last = file;
        } else if (last !== undefined && /^\s/.test(line)) {
          const list = errors.get(last)!;
          list[list.length - 1] += `\n${line}`;
        } else if (line.trim() !== '') {
          // A message that names no file (an option tsc refuses, a crash): counted against the examples.
          errors.set('(no file)', [...(errors.get('(no file)') ?? []), line]);
          last = undefined;
        }
      }
      return { status: compiled.status, output, errors };
    })();
    return checked;
  }

  it("a project that misuses the installed client's helpers fails to compile, naming each mistake", async () => {
    const { status, output, errors } = await typeCheckProject();
    const misuse = (errors.get('misuse/main.ts') ?? []).join('\n');
    assert.notEqual(status, 0, 'the misuse compiled');
    assert.match(misuse, /main\.ts\(3,.*'string' is not assignable to type 'number'/, output);
    assert.match(misuse, /main\.ts\(4,.*Expected 2 arguments, but got 1/, output);
    assert.match(misuse, /main\.ts\(5,.*'partnerOnRecordAttestationAcepted' does not exist/, output);
  });

  it("the sandbox depends on the root package's runtime dependencies, with the same ranges, and on nothing its code does not import", () => {
    const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = join(project, 'node_modules', '@partner-center-cart-kit', 'sandbox');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(manifest.dependencies))
      assert.equal(range, rootManifest.dependencies[name], `${name}: the root's range`);
    const imported = new Set(
      filesUnder(join(installed, 'dist'))
        .filter((file) => file.endsWith('.js'))
        .flatMap((file) => bareImports(readFileSync(file, 'utf8'))),
    );
    imported.forEach((name) => name.startsWith('node:') && imported.delete(name));
    // path-to-regexp is reached through express-openapi-validator (server/http/route-patterns.ts patches
    // the copy the validator loads), so it is that package's dependency, not the sandbox's.
    imported.delete('path-to-regexp');
    assert.deepEqual([...imported].sort(), Object.keys(manifest.dependencies).sort());
  });

  it("runs the README client example against a sandbox started with the installed startSandbox, and sandbox/README.md's node:test example, type-checked against the installed declarations", async () => {
    const { output, errors } = await typeCheckProject();
    // Every error is the misuse's (the test above): none in the examples, none in the packages' declarations.
    assert.deepEqual(
      [...errors.keys()].filter((file) => file !== 'misuse/main.ts'),
      [],
      output,
    );
    // Both at once: each starts a sandbox of its own, on a free port, in memory.
    const [ran, tested] = await Promise.all([
      run('node main.ts (the example)', [process.execPath, '--disable-warning=ExperimentalWarning', 'main.ts'], {
        cwd: project,
        timeoutMs: 30_000,
      }),
      run(
        'node --test (sandbox/README.md)',
        [
          process.execPath,
          '--disable-warning=ExperimentalWarning',
          '--test',
          '--test-reporter=tap',
          'sandbox-readme.test.ts',
        ],
        { cwd: project, timeoutMs: 30_000 },
      ),
    ]);
    assert.equal(ran.status, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /^ordered 1 order\(s\); the customer has 1$/m);
    assert.match(ran.stdout, /^404 800008: Cart 00000000-0000-4000-8000-000000000000 was not found/m);
    assert.equal(tested.status, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /^# pass 2$/m);
    assert.match(tested.stdout, /^# fail 0$/m);
  });

  it('the installed command lists an option for every configuration variable, prints its version, and refuses a bad value in one line with exit code 2', async () => {
    const npx = [...npmCommand('npx'), COMMAND];
    // The four at once (none listens): the answers are checked in turn below.
    const [help, version, bad, unknown] = await Promise.all([
      run('npx --help', [...npx, '--help'], { cwd: project, timeoutMs: 30_000 }),
      run('npx --version', [...npx, '--version'], { cwd: project, timeoutMs: 30_000 }),
      run('npx --port abc', [...npx, '--port', 'abc', '--database', ':memory:'], { cwd: project, timeoutMs: 30_000 }),
      run('npx --prot', [...npx, '--prot', '3000'], { cwd: project, timeoutMs: 30_000 }),
    ]);
    assert.equal(help.status, 0, help.stderr);
    for (const variable of VARIABLES) {
      const flag = `--${variable.name.toLowerCase().replaceAll('_', '-')}`;
      assert.match(
        help.stdout,
        new RegExp(`^  ${flag}\\b.*\\[${variable.name}; `, 'm'),
        `${flag} for ${variable.name} in --help`,
      );
    }
    assert.match(
      help.stdout,
      /^ {2}--database-path, --database PATH +\[DATABASE_PATH; default data\/partner-center-sandbox\.db\]$/m,
    );
    assert.match(help.stdout, /^ {2}--port VALUE +\[PORT; default 3000\]$/m);

    assert.equal(version.status, 0, version.stderr);
    const { version: packageVersion } = JSON.parse(readFileSync(join(root, 'sandbox', 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.match(
      version.stdout,
      new RegExp(`^${COMMAND} ${packageVersion.replaceAll('.', '\\.')} \\(contract \\d+\\.\\d+\\.\\d+\\)\\n$`),
    );

    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /^partner-center-cart-sandbox: --port "abc": expected an integer from 0 to 65535/);

    assert.equal(unknown.status, 2, unknown.stdout + unknown.stderr);
    assert.equal(
      unknown.stderr.trim(),
      'partner-center-cart-sandbox: unknown option --prot (did you mean --port?); see --help for the options',
    );
  });

  it('the installed command serves the documentation and the API on the port it is given, and stops on SIGTERM', async () => {
    const port = await freePort();
    const startedAt = performance.now();
    const child = spawn(
      npmCommand('npx')[0],
      [...npmCommand('npx').slice(1), COMMAND, '--port', String(port), '--database', ':memory:'],
      {
        cwd: project,
        env: childEnvironment(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const closed = new Promise<number | null>((done) => child.on('close', done));
    try {
      const url = await new Promise<string>((done, failed) => {
        const deadline = setTimeout(
          () => failed(new Error(`no "Partner Center cart sandbox on" line within 20 s\n${stdout}\n${stderr}`)),
          20_000,
        );
        const look = (): void => {
          const found = /^Partner Center cart sandbox on (http:\/\/\S+) /m.exec(stdout)?.[1];
          if (found) {
            clearTimeout(deadline);
            done(found);
          }
        };
        child.stdout.on('data', look);
        closed.then((status) =>
          failed(new Error(`the command ended (exit ${status}) before listening\n${stdout}\n${stderr}`)),
        );
      });
      timings.push(['npx start (until listening)', performance.now() - startedAt]);
      assert.equal(new URL(url).port, String(port));

      const docs = await fetch(`${url}/docs`, { signal: AbortSignal.timeout(10_000) });
      assert.equal(docs.status, 200);
      assert.match(docs.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await docs.text(), /^<!DOCTYPE html>/i);
      for (const path of [
        '/openapi.json',
        '/openapi.canonical.json',
        '/openapi.yaml',
        '/health',
        ...(existsSync(join(root, 'server', 'try-it')) ? ['/try'] : []),
      ]) {
        const answer = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(answer.status, 200, path);
        await answer.arrayBuffer();
      }
      // Without JWT_SECRET the command prints a token for the demo partner, which the API accepts.
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(stdout)?.[1];
      assert.ok(token, `a demo token in\n${stdout}`);
      const orders = await fetch(`${url}/v1/customers/${CUSTOMER}/orders`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(orders.status, 200, await orders.clone().text());
      const listed = (await orders.json()) as { totalCount: number; items: unknown[] };
      assert.deepEqual([listed.totalCount, listed.items], [0, []]);
    } finally {
      killGroup(child.pid, 'SIGTERM');
      const stopped = await Promise.race([
        closed.then(() => true),
        new Promise<false>((done) => setTimeout(() => done(false), 15_000).unref()),
      ]);
      if (!stopped) killGroup(child.pid, 'SIGKILL');
      assert.ok(stopped, 'the command stopped within 15 s of SIGTERM');
    }
    assert.match(stdout, /"msg":"stopped"/, `the server stopped gracefully:\n${stdout}\n${stderr}`);
    assert.doesNotMatch(stderr, /ExperimentalWarning/);
  });

  it('on a real Node older than 22.15: the command and startSandbox say which Node is needed in one line; --help still works; the client loads', async function () {
    const old = findOldNode();
    if ('reason' in old) {
      console.log(`      skipped: ${old.reason}`);
      return this.skip();
    }
    const needs = new RegExp(
      `the sandbox needs Node\\.js >= 22\\.15 \\(node:sqlite\\); this is Node\\.js ${old.version.replaceAll('.', '\\.')}: `,
    );
    const bin = join(project, 'node_modules', '@partner-center-cart-kit', 'sandbox', 'dist', 'server', 'cli.js');
    const env = childEnvironment({ PATH: [dirname(old.path), process.env['PATH'] ?? ''].join(delimiter) });
    const oneLine = (stderr: string): string => {
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.doesNotMatch(stderr, /ERR_UNKNOWN_BUILTIN_MODULE|^\s+at /m, 'no stack trace');
      return lines[0]!;
    };

    const started = await run(
      `command on Node ${old.version}`,
      [old.path, bin, '--port', '0', '--database', ':memory:'],
      { cwd: project, timeoutMs: 30_000, env },
    );
    assert.equal(started.status, 1, started.stdout + started.stderr);
    assert.match(oneLine(started.stderr), new RegExp(`^${COMMAND}: ${needs.source}`));

    const help = await run(`--help on Node ${old.version}`, [old.path, bin, '--help'], {
      cwd: project,
      timeoutMs: 30_000,
      env,
    });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^Usage: ${COMMAND}`));
    assert.match(oneLine(help.stderr), needs);

    const script = `import('@partner-center-cart-kit/sandbox').then((m) => m.startSandbox()).then(
      () => console.log('started'),
      (error) => console.log(JSON.stringify({ name: error.name, message: error.message })),
    );`;
    const inProcess = await run(
      `startSandbox on Node ${old.version}`,
      [old.path, '--input-type=module', '-e', script],
      { cwd: project, timeoutMs: 30_000, env },
    );
    assert.equal(inProcess.status, 0, inProcess.stderr);
    const outcome = JSON.parse(inProcess.stdout) as { name: string; message: string };
    assert.equal(outcome.name, 'StartupError');
    assert.match(outcome.message, new RegExp(`^${needs.source}`));

    const client = await run(
      `client on Node ${old.version}`,
      [
        old.path,
        '--input-type=module',
        '-e',
        "const m = await import('@partner-center-cart-kit/client'); console.log(typeof m.createCartClient)",
      ],
      { cwd: project, timeoutMs: 30_000, env },
    );
    assert.equal(client.status, 0, client.stderr);
    assert.equal(client.stdout.trim(), 'function');
  });
});
