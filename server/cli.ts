#!/usr/bin/env node
/**
 * `partner-center-cart-sandbox [options]`: the reference server as a command, the `bin` of the
 * `@partner-center-cart-kit/sandbox` package (`npx node server/cli.ts` in the repository).
 *
 * Its options are derived from the configuration table (`VARIABLES`, server/config.ts), read when
 * the command runs, so a variable added to the table has its option without a change here: each
 * variable `FOO_BAR` is `--foo-bar VALUE` (or `--foo-bar=VALUE`), and a variable `FOO_PATH` is also
 * `--foo` (`--database`, `--catalog`). An option wins over its environment variable. `--help` lists
 * them with the table's defaults and meanings.
 *
 * The options become environment variables, checked here with the server's own parsing (a bad one
 * is reported under the option's name), and then the server runs as `npm start` runs it
 * (server/run.ts): the same signals and exit codes, and messages that name the options instead of the
 * variables (`pass another port with --port`). Exit codes: 0 after a graceful stop or
 * --help/--version, 1 when the server cannot start (a Node older than 22.15 among the reasons), 2 for
 * a bad option or value (one line each, on stderr, no stack).
 *
 * This module imports nothing that needs node:sqlite (the server is imported dynamically, once
 * server/node-support.ts has found this Node able to run it), so that an older Node gets that one line.
 *
 * One default differs from `npm start`: without DATABASE_PATH (and DATABASE_URL), the SQLite file
 * is `data/partner-center-sandbox.db` under the working directory (made if needed) rather than in
 * the folder the command is installed in, which a reinstall would wipe.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Variable } from './config.ts';
import { unsupportedNode } from './node-support.ts';
import { OPTION_NAMES, optionOf } from './setting-names.ts';

const COMMAND = 'partner-center-cart-sandbox';
const PACKAGE_NAME = '@partner-center-cart-kit/sandbox';
const DEFAULT_DATABASE = join('data', 'partner-center-sandbox.db');

/** Wrong usage: one line for stderr, exit code 2. */
class UsageError extends Error {}

/** An option of the command and the variable it sets. */
interface Flag {
  names: string[];
  variable: Variable;
}

/** The options of the table, in its order: `--foo-bar` for FOO_BAR, plus `--foo` for FOO_PATH when free. */
function flagsOf(variables: readonly Variable[]): Flag[] {
  const taken = new Set(['--help', '-h', '--version']);
  const flags = variables.map((variable) => {
    const name = optionOf(variable.name);
    taken.add(name);
    return { names: [name], variable };
  });
  for (const flag of flags) {
    if (!flag.variable.name.endsWith('_PATH')) continue;
    const alias = `--${flag.variable.name.slice(0, -'_PATH'.length).toLowerCase().replaceAll('_', '-')}`;
    if (alias === '--' || taken.has(alias)) continue;
    taken.add(alias);
    flag.names.push(alias);
  }
  return flags;
}

type Parsed =
  { kind: 'help' } | { kind: 'version' } | { kind: 'run'; values: Map<Variable, { flag: string; value: string }> };

/** Reads the arguments; throws a UsageError for an unknown option, a missing value or a stray argument. */
function parseArguments(args: readonly string[], flags: readonly Flag[]): Parsed {
  const byName = new Map(flags.flatMap((flag) => flag.names.map((name) => [name, flag] as const)));
  const values = new Map<Variable, { flag: string; value: string }>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    if (!arg.startsWith('--'))
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}: every option starts with -- (see --help)`);
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const flag = byName.get(name);
    if (!flag) {
      const near = closest(name, [...byName.keys()]);
      throw new UsageError(
        `unknown option ${name}${near ? ` (did you mean ${near}?)` : ''}; see --help for the options`,
      );
    }
    let value: string | undefined;
    if (equals !== -1) value = arg.slice(equals + 1);
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) value = args[++i];
    if (value === undefined || value.trim() === '')
      throw new UsageError(`${name} needs a value (${name} VALUE or ${name}=VALUE; see --help)`);
    values.set(flag.variable, { flag: name, value });
  }
  return { kind: 'run', values };
}

/** The option nearest to a misspelt one (at most two edits away), if any. */
function closest(name: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** The table's markdown as terminal text: code spans lose their backticks. */
function plain(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, '$1');
}

/** Splits text into lines of at most `width` characters, each after `indent`. */
function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function metavariable(variable: Variable): string {
  if (variable.name.endsWith('_PATH')) return 'PATH';
  if (variable.name.endsWith('_URL')) return 'URL';
  return 'VALUE';
}

function usage(flags: readonly Flag[]): string {
  const options = flags.flatMap(({ names, variable }) => {
    const shown = plain(variable.default);
    const fallback = shown === '—' ? 'unset by default' : `default ${shown}`;
    return [
      `  ${names.join(', ')} ${metavariable(variable)}   [${variable.name}; ${fallback}]`,
      ...wrap(plain(variable.description), '      '),
    ];
  });
  const secrets = flags.filter((flag) => flag.variable.secret).map((flag) => flag.names[0]);
  return [
    `Usage: ${COMMAND} [options]`,
    '',
    'Runs the Partner Center cart API sandbox, the reference server of the Partner Center cart API kit:',
    'the API under /v1, its documentation at /docs, the spec at /openapi.json, /health for orchestrators.',
    'Each option is also an environment variable (named in brackets); an option wins over its variable.',
    '',
    'Options:',
    ...options,
    '  -h, --help   show this help and exit',
    '  --version    print the version and exit',
    '',
    ...wrap(
      `Without --database-path (and --database-url), the SQLite file is ${DEFAULT_DATABASE} under the working directory. ` +
        `A value given on a command line is visible to other processes: prefer the environment variable for ${secrets.join(' and ')}. ` +
        'Ctrl-C or SIGTERM stops the sandbox gracefully (requests in flight finish first).',
      '',
    ),
  ].join('\n');
}

/** `partner-center-cart-sandbox 0.1.0 (contract 1.0.0)`: the package's version and the spec's. */
function version(): string {
  const here = import.meta.dirname;
  // Installed: <package>/dist/server/cli.js; in the repository: server/cli.ts, next to sandbox/.
  const candidates = [join(here, '..', '..', 'package.json'), join(here, '..', 'sandbox', 'package.json')];
  let packageVersion = 'unknown';
  for (const candidate of candidates) {
    try {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && manifest.version) {
        packageVersion = manifest.version;
        break;
      }
    } catch {
      // not this one
    }
  }
  let contract = '';
  try {
    const spec = JSON.parse(readFileSync(join(here, '..', 'generated', 'openapi.json'), 'utf8')) as {
      info?: { version?: string };
    };
    if (spec.info?.version) contract = ` (contract ${spec.info.version})`;
  } catch {
    // the version of the package alone
  }
  return `${COMMAND} ${packageVersion}${contract}`;
}

/** A problem `loadConfig` reported about a variable, named as the option the value came from. */
function asOption(problem: string, values: Map<Variable, { flag: string; value: string }>): string {
  for (const [variable, { flag }] of values) {
    if (problem.startsWith(`${variable.name}=`)) return `${flag} ${problem.slice(variable.name.length + 1)}`;
    if (problem.startsWith(`${variable.name} (`)) return `${flag}${problem.slice(variable.name.length)}`;
  }
  return problem;
}

/**
 * Node's ExperimentalWarning (SQLite, JSON modules on older releases) is not for the people running
 * the command, as `npm start` passes --disable-warning=ExperimentalWarning; other warnings are printed
 * by Node's own printer, as before.
 */
function hideExperimentalWarnings(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning') return;
    for (const print of printers) print(warning);
  });
}

async function main(args: readonly string[]): Promise<void> {
  const unsupported = unsupportedNode();
  if (unsupported && !args.some((arg) => arg === '--help' || arg === '-h' || arg === '--version')) {
    console.error(`${COMMAND}: ${unsupported}`);
    process.exit(1);
  }
  // As server/main.ts does: compiled code kept from one start to the next. Looked up on the module,
  // not imported by name, which would fail the import on a Node without it.
  if (!unsupported) nodeModule.enableCompileCache?.();
  hideExperimentalWarnings();
  // Loaded after the line above, so that their warnings are filtered too.
  const { ConfigError, loadConfig, VARIABLES } = await import('./config.ts');
  const flags = flagsOf(VARIABLES);
  let parsed: Parsed;
  try {
    parsed = parseArguments(args, flags);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${COMMAND}: ${error.message}`);
    process.exit(2);
  }
  if (parsed.kind === 'help' || parsed.kind === 'version') {
    console.log(parsed.kind === 'help' ? usage(flags) : version());
    // The help is printed on any Node; that this one cannot run the sandbox must not go unsaid.
    if (unsupported) console.error(`${COMMAND}: ${unsupported}`);
    return;
  }

  const environment: Record<string, string | undefined> = { ...process.env };
  for (const [variable, { value }] of parsed.values) environment[variable.name] = value;
  const unset = (name: string): boolean => (environment[name] ?? '').trim() === '';
  const defaultDatabase = unset('DATABASE_PATH') && unset('DATABASE_URL');
  if (defaultDatabase) environment['DATABASE_PATH'] = resolve(DEFAULT_DATABASE);
  try {
    loadConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`${COMMAND}: ${asOption(problem, parsed.values)}`);
    process.exit(2);
  }
  if (defaultDatabase) mkdirSync(dirname(environment['DATABASE_PATH']!), { recursive: true });
  for (const [name, value] of Object.entries(environment)) if (value !== undefined) process.env[name] = value;
  // From here on it is `npm start`: server/run.ts reads the environment, starts, and handles signals.
  const { runServer } = await import('./run.ts');
  await runServer(OPTION_NAMES);
}

await main(process.argv.slice(2));
