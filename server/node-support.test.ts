// A Node too old for the sandbox (node:sqlite) is told so in one line by every entry point, before
// anything loads node:sqlite: the check itself on the versions that matter, then the entry points of
// the repository (the command, `npm start`'s main.ts, startSandbox) on an emulated Node 20
// (server/test/old-node.ts). The installed package on a real Node 20 binary: server/test/packages.test.ts.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { unsupportedNode } from './node-support.ts';
import { runNode } from './test/harness.ts';
import { useTemporaryDirectory } from './test/hooks.ts';
import { EMULATED_VERSION, emulatedOldNodeArgs } from './test/old-node.ts';

const root = resolve(import.meta.dirname, '..');

describe('the Node version check', () => {
  it('refuses Node 20 and 22 before 22.15, and 23 before 23.11, naming the version in one line', () => {
    for (const version of ['20.19.2', 'v20.3.0', '18.20.4', '22.5.1', '22.14.0', '23.0.0', '23.10.0']) {
      const problem = unsupportedNode(version);
      assert.ok(problem, `${version} is refused`);
      assert.match(problem, /^the sandbox needs Node\.js >= 22\.15 .*\(node:sqlite\); this is Node\.js /);
      assert.ok(
        problem.endsWith(version.replace(/^v/, '')) ||
          problem.includes(`this is Node.js ${version.replace(/^v/, '')}:`),
        problem,
      );
      assert.doesNotMatch(problem, /\n/);
    }
    assert.match(unsupportedNode('23.5.0') ?? '', /on the 23 line, >= 23\.11/);
  });

  it('accepts 22.15 and later, 23.11 and later, and every later line', () => {
    for (const version of ['22.15.0', '22.21.1', '23.11.0', '24.0.0', '24.21.0', '26.1.0'])
      assert.equal(unsupportedNode(version), undefined, version);
  });

  it("the running Node (the project's) is accepted", () => {
    assert.equal(unsupportedNode(), undefined);
  });
});

describe(`the entry points on Node ${EMULATED_VERSION} (emulated: its version, and no node:sqlite)`, function () {
  this.timeout(30_000);
  const temporary = useTemporaryDirectory('cart-kit-old-node');
  const env = { ...process.env, JWT_SECRET: 'a-secret-of-at-least-32-characters-0123', LOG_LEVEL: 'silent' };
  const emulated = (args: string[]) => runNode([...emulatedOldNodeArgs(temporary.path), ...args], { cwd: root, env });
  const NEEDS = new RegExp(
    `the sandbox needs Node\\.js >= 22\\.15 \\(node:sqlite\\); this is Node\\.js ${EMULATED_VERSION.replaceAll('.', '\\.')}`,
  );

  function assertOneLine(stderr: string, prefix: string): void {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line expected:\n${stderr}`);
    assert.ok(lines[0]!.startsWith(prefix), lines[0]);
    assert.match(lines[0]!, NEEDS);
    assert.doesNotMatch(stderr, /ERR_UNKNOWN_BUILTIN_MODULE|^\s+at /m, 'no stack trace');
  }

  it('the emulation is Node 20 for the sandbox: loading the store fails as it does there', async () => {
    const run = await emulated(['--input-type=module', '-e', "await import('./server/store/sqlite.ts')"]);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /ERR_UNKNOWN_BUILTIN_MODULE/);
  });

  it('partner-center-cart-sandbox (server/cli.ts): one line, exit code 1', async () => {
    const run = await emulated(['server/cli.ts', '--port', '0', '--database', ':memory:']);
    assert.equal(run.status, 1, run.stderr);
    assertOneLine(run.stderr, 'partner-center-cart-sandbox: ');
    assert.equal(run.stdout, '');
  });

  it('partner-center-cart-sandbox --help still prints the help, and says that this Node cannot run it', async () => {
    const run = await emulated(['server/cli.ts', '--help']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: partner-center-cart-sandbox/);
    assertOneLine(run.stderr, 'partner-center-cart-sandbox: ');
  });

  it('npm start (server/main.ts): one line, exit code 1', async () => {
    const run = await emulated(['server/main.ts']);
    assert.equal(run.status, 1, run.stderr);
    assertOneLine(run.stderr, 'The server cannot start: ');
  });

  it('startSandbox(): the module loads, and the call rejects with a StartupError whose message and stack are that one line', async () => {
    const script = `
      const { startSandbox, StartupError } = await import('./server/sandbox.ts');
      try {
        await startSandbox();
        console.log(JSON.stringify({ started: true }));
      } catch (error) {
        console.log(JSON.stringify({ startupError: error instanceof StartupError, name: error.name, message: error.message, stack: error.stack }));
      }`;
    const run = await emulated(['--input-type=module', '-e', script]);
    assert.equal(run.status, 0, run.stderr);
    const outcome = JSON.parse(run.stdout) as { startupError: boolean; name: string; message: string; stack: string };
    assert.equal(outcome.startupError, true, run.stdout);
    assert.match(outcome.message, new RegExp(`^${NEEDS.source}`));
    assert.doesNotMatch(outcome.message, /\n/);
    assert.equal(outcome.stack, `StartupError: ${outcome.message}`);
  });

  it("left uncaught, startSandbox()'s rejection prints the line without a stack into the package", async () => {
    const run = await emulated([
      '--input-type=module',
      '-e',
      "const { startSandbox } = await import('./server/sandbox.ts'); await startSandbox();",
    ]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`StartupError: ${NEEDS.source}`));
    assert.doesNotMatch(run.stderr, /^\s+at .*server\//m);
  });

  it(`the same entry points on the project's Node start as before (the emulation is what refuses)`, async () => {
    const run = await runNode(['--disable-warning=ExperimentalWarning', join(root, 'server', 'cli.ts'), '--version'], {
      cwd: root,
      env,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
  });
});
