// Which Node.js can run the sandbox. Its store is node:sqlite, built in (without a flag) from Node
// 22.13 and 23.4, and the store uses `DatabaseSync#isOpen`, from 22.15 and 23.11. On an older Node the
// first module that imports node:sqlite fails to load with ERR_UNKNOWN_BUILTIN_MODULE and a stack
// trace, while `--help` still works, so an old Node looks fine until the start. The entry points
// (server/cli.ts, server/main.ts, startSandbox in server/sandbox.ts) call this first and load the
// server only afterwards, with a dynamic import: a static one would be loaded before any check runs.
// So this module imports nothing.

/** The oldest Node.js the sandbox runs on, as `engines` says it in package.json and sandbox/package.json. */
export const MINIMUM_NODE = '22.15';

/**
 * Oldest supported release of each line that has node:sqlite with `isOpen`; every line after 23 has it from its start.
 */
const MINIMUM_OF_LINE: Readonly<Record<number, readonly [number, number]>> = { 22: [22, 15], 23: [23, 11] };

/**
 * Why this Node cannot run the sandbox, as one line, or undefined when it can. `version` is
 * `process.versions.node` (`20.19.2`; a leading `v` is accepted).
 */
export function unsupportedNode(version: string = process.versions.node): string | undefined {
  const [major = Number.NaN, minor = Number.NaN] = version.replace(/^v/, '').split('.').map(Number);
  // not a version we can judge: let the start try
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return undefined;
  if (major > 23) return undefined;
  const oldest = MINIMUM_OF_LINE[major];
  if (oldest && minor >= oldest[1]) return undefined;
  const line = major === 23 ? ` (on the 23 line, >= ${MINIMUM_OF_LINE[23]!.join('.')})` : '';
  return `the sandbox needs Node.js >= ${MINIMUM_NODE}${line} (node:sqlite); this is Node.js ${version.replace(/^v/, '')}: install Node.js 22.15 or later, such as 24 LTS`;
}
