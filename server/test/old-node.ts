// Two ways to meet the sandbox on a Node too old for it (server/node-support.ts), for the tests that
// check what such a Node says:
// - a real binary: OLD_NODE when set, else the system's `node` when it is older than 22.15 (the
//   development and CI machines have Node 20 there; the project's own Node 24 is node_modules/.bin's);
// - an emulated one, on any machine: the project's Node with a preload that reports Node 20.19.2 and
//   refuses node:sqlite exactly as Node 20 does (ERR_UNKNOWN_BUILTIN_MODULE), so that an entry point
//   that loads node:sqlite before its check fails as it would there.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import { unsupportedNode } from '../node-support.ts';

export const EMULATED_VERSION = '20.19.2';

/** The version a Node binary reports, or undefined when it does not run. */
function versionOf(binary: string): string | undefined {
  const run = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/**
 * A Node binary the sandbox does not support, or why there is none. OLD_NODE, when set, must be
 * one (anything else throws: it was asked for); otherwise the `node` binaries on PATH outside
 * node_modules, then /usr/local/bin/node and /usr/bin/node, are tried.
 */
export function findOldNode(): { path: string; version: string } | { reason: string } {
  const asked = process.env['OLD_NODE'];
  if (asked) {
    const version = versionOf(asked);
    if (version === undefined) throw new Error(`OLD_NODE=${asked} does not run`);
    if (!unsupportedNode(version))
      throw new Error(`OLD_NODE=${asked} is Node ${version}, which the sandbox supports: it must be older than 22.15`);
    return { path: asked, version };
  }
  const onPath = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((folder) => folder && !folder.split(sep).includes('node_modules'))
    .map((folder) => join(folder, 'node'));
  const seen: string[] = [];
  for (const candidate of [...new Set([...onPath, '/usr/local/bin/node', '/usr/bin/node'])]) {
    if (!existsSync(candidate)) continue;
    const version = versionOf(candidate);
    if (version === undefined) continue;
    if (unsupportedNode(version)) return { path: candidate, version };
    seen.push(`${candidate} is ${version}`);
  }
  return {
    reason: `no Node older than 22.15 on this machine (${seen.join(', ') || 'no other node found'}); set OLD_NODE to one (such as a Node 20 binary) to run this test`,
  };
}

/**
 * Arguments for the project's Node that make it behave, for the sandbox, as Node 20 does (the preload is written into
 * `folder`).
 */
export function emulatedOldNodeArgs(folder: string): string[] {
  const preload = join(folder, 'node20.mjs');
  writeFileSync(
    preload,
    `// Node ${EMULATED_VERSION}, as far as the sandbox can tell: its version, and no node:sqlite.
import { registerHooks } from 'node:module';
Object.defineProperty(process.versions, 'node', { value: '${EMULATED_VERSION}', enumerable: true, configurable: true });
Object.defineProperty(process, 'version', { value: 'v${EMULATED_VERSION}', enumerable: true, configurable: true });
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'node:sqlite') {
      const error = new Error('No such built-in module: node:sqlite');
      error.code = 'ERR_UNKNOWN_BUILTIN_MODULE';
      throw error;
    }
    return next(specifier, context);
  },
});
`,
  );
  return ['--disable-warning=ExperimentalWarning', '--import', preload];
}
