// What the tests of the README's examples share: a block of README.md found by the HTML comment
// above it, a token minted as the README says (`npm run -s token`), and a script run from the
// repository root as the README says to run it (saved there, `npx node <file>`), so that its
// `./client/index.ts` import resolves as written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runNode } from '../../server/test/harness.ts';

export const root = resolve(import.meta.dirname, '..', '..');

export function readme(): string {
  return readFileSync(join(root, 'README.md'), 'utf8');
}

/** The fenced `language` block that follows the HTML comment of README.md starting with `comment`. */
export function readmeBlock(comment: string, language: string): string {
  const escaped = comment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const block = new RegExp(`<!-- ${escaped}[^>]*-->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readme())?.[1];
  assert.ok(block, `README.md has no ${language} block after a comment starting "<!-- ${comment}"`);
  return block;
}

/** Every fenced block of README.md in `language`, in order. */
export function readmeBlocks(language: string): string[] {
  return [...readme().matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((match) => match[1]!);
}

/** The process environment with `changes` applied (a value of undefined removes the variable). */
function environment(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * `npm run -s token`, as the README says, in the repository root. `changes` give it the secret the
 * server uses: `JWT_SECRET`, or, for a server without one, its `DATABASE_PATH` (the development
 * secret is kept beside the database).
 */
export function tokenAsReadmeSays(changes: Record<string, string | undefined>): string {
  const npm = process.env['npm_execpath'] ? [process.execPath, process.env['npm_execpath']] : ['npm'];
  const minted = spawnSync(npm[0]!, [...npm.slice(1), 'run', '-s', 'token'], {
    cwd: root,
    env: environment(changes),
    encoding: 'utf8',
  });
  assert.equal(minted.status, 0, minted.stderr);
  return minted.stdout.trim();
}

/**
 * Runs `source` with the project's Node as a file saved at the repository root (named
 * `.readme-example-<name>-<pid>.ts`, which .gitignore leaves out), with the environment `changes`,
 * and removes the file again.
 */
export async function runAtRoot(name: string, source: string, changes: Record<string, string | undefined>) {
  const file = join(root, `.readme-example-${name}-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    return await runNode(['--disable-warning=ExperimentalWarning', file], { cwd: root, env: environment(changes) });
  } finally {
    rmSync(file, { force: true });
  }
}
