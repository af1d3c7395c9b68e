// The table of variables (VARIABLES in server/config.ts): its entries, the defaults loadConfig
// applies and the table shows, and its copy in docs/configuration.md, which must stay identical.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { configurationTable, DEFAULTS, loadConfig, VARIABLES } from './config.ts';
import { Problem } from './config-values.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REPO = resolve(import.meta.dirname, '..');
/** Where the table is documented, and the heading it is under. */
const DOCUMENT = 'docs/configuration.md';
const HEADING = '## Environment variables';

/** Every variable the server reads, in the documented order. */
const NAMES = [
  'PORT',
  'HOST',
  'DATABASE_PATH',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'CATALOG_PATH',
  'CART_TTL',
  'JWT_SECRET',
  'JWKS_URL',
  'LOG_LEVEL',
  'NODE_ENV',
  'BODY_LIMIT',
  'REQUEST_TIMEOUT',
  'IDEMPOTENCY_TTL',
  'RATE_LIMIT_PER_MINUTE',
  'UNKNOWN_PROPERTIES',
  'CORS_ORIGINS',
  'PROVISIONING_DELAY',
  'SANDBOX_PROFILE',
  'SANDBOX_CONTROLS',
];

describe('config: loadConfig defaults', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.deepEqual(config, {
      port: 3000,
      host: 'localhost',
      databasePath: DEFAULTS.databasePath,
      databaseUrl: undefined,
      databasePoolSize: 10,
      catalogPath: DEFAULTS.catalogPath,
      cartTtlMs: 7 * DAY,
      jwtSecret: undefined,
      jwksUrl: undefined,
      logLevel: 'info',
      production: false,
      bodyLimitBytes: 1048576,
      requestTimeoutMs: 30 * SECOND,
      idempotencyTtlMs: 24 * HOUR,
      rateLimitPerMinute: 6000,
      unknownProperties: 'ignore',
      corsOrigins: 'loopback',
      provisioningDelayMs: 2 * SECOND,
      sandboxProfile: 'production',
      sandboxControls: true,
    });
  });

  it('resolves the default paths absolutely, from the module location', () => {
    const { databasePath, catalogPath } = loadConfig({});
    const repo = resolve(import.meta.dirname, '..');
    assert.ok(isAbsolute(databasePath) && isAbsolute(catalogPath));
    assert.equal(databasePath, join(repo, 'data', 'partner-center-sandbox.db'));
    assert.equal(catalogPath, join(repo, 'server', 'catalog', 'catalog.json'));
  });

  it('treats empty and whitespace-only values as unset', () => {
    assert.deepEqual(loadConfig(Object.fromEntries(NAMES.map((name) => [name, '']))), loadConfig({}));
    assert.deepEqual(loadConfig(Object.fromEntries(NAMES.map((name) => [name, '  ']))), loadConfig({}));
    assert.deepEqual(loadConfig({ PORT: undefined }), loadConfig({}));
  });

  it('reads process.env when called without an argument', () => {
    assert.doesNotThrow(() => loadConfig());
  });
});

describe('config: the table of variables', () => {
  it('has one entry for every variable read, in order, each setting its own Config field', () => {
    assert.deepEqual(
      VARIABLES.map(({ name }) => name),
      NAMES,
    );
    const fields = VARIABLES.map(({ field }) => field);
    assert.equal(new Set(fields).size, fields.length, 'two variables set the same field');
    assert.deepEqual([...fields].sort(), Object.keys(loadConfig({})).sort());
    for (const { name, description, default: shown } of VARIABLES) {
      assert.ok(description.trim() !== '' && !description.includes('\n'), `${name}: a one-line description`);
      assert.ok(shown.trim() !== '' && !shown.includes('\n'), `${name}: a one-line default`);
    }
  });

  it('shows the defaults loadConfig uses', () => {
    for (const { name, default: shown, unset, parse } of VARIABLES) {
      const code = /^`([^`]+)`$/.exec(shown)?.[1];
      if (code === undefined) {
        // "random per run", "—": nothing is parsed, the field is left unset.
        assert.ok(unset === undefined || unset === false, `${name}: default ${shown} but unset value ${String(unset)}`);
        continue;
      }
      if (typeof unset === 'string' && isAbsolute(unset)) {
        assert.equal(resolve(REPO, code), unset, `${name}: paths are shown relative to the repository`);
      } else {
        const parsed = parse(code);
        assert.ok(!(parsed instanceof Problem), `${name}: its shown default ${shown} does not parse`);
        assert.deepEqual(parsed, unset, `${name}: shown default ${shown}`);
        assert.deepEqual(loadConfig({ [name]: code }), loadConfig({}), `${name}=${code} is not the same as unset`);
      }
    }
  });
});

/** The rows of the first markdown table under the heading starting with `heading` in `markdown`, the text of `file`. */
function markdownTable(markdown: string, heading: string, file: string): string[][] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith(heading));
  assert.notEqual(start, -1, `${file} has no heading starting with "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.trimStart().startsWith('|')) {
      rows.push(
        line
          .trim()
          .replace(/^\|/, '')
          .replace(/(?<!\\)\|$/, '')
          .split(/(?<!\\)\|/)
          .map((cell) => cell.trim().replaceAll('\\|', '|')),
      );
    } else if (rows.length > 0) break;
  }
  assert.ok(rows.length > 0, `${file} has no table under "${heading}"`);
  return rows;
}

describe('config: the documented configuration table (docs/configuration.md)', () => {
  it('is the table of variables: the same variables, in order, with the same defaults and descriptions', () => {
    const [header = [], separator = [], ...rows] = markdownTable(
      readFileSync(join(REPO, DOCUMENT), 'utf8'),
      HEADING,
      DOCUMENT,
    );
    const paste = `\n\nThe table to paste into ${DOCUMENT}, under "${HEADING}" (from configurationTable() in server/config.ts):\n${configurationTable()}`;
    assert.deepEqual(header, ['Variable', 'Default', 'Meaning'], `${DOCUMENT}: the table's columns${paste}`);
    assert.ok(
      separator.every((cell) => /^:?-{3,}:?$/.test(cell)),
      `${DOCUMENT}: the second row must be the separator`,
    );
    const documented = rows.map(([name = '', shown = '', description = '']) => ({
      name: name.replace(/^`(.*)`$/, '$1'),
      shown,
      description,
    }));
    assert.deepEqual(
      documented.map(({ name }) => name),
      VARIABLES.map(({ name }) => name),
      `${DOCUMENT} lists other variables, or in another order, than VARIABLES in server/config.ts${paste}`,
    );
    const differences = VARIABLES.flatMap((entry, index) => {
      const row = documented[index];
      return [
        row?.shown === entry.default
          ? []
          : [
              `${entry.name} default: ${DOCUMENT} ${JSON.stringify(row?.shown)}, VARIABLES ${JSON.stringify(entry.default)}`,
            ],
        row?.description === entry.description
          ? []
          : [
              `${entry.name} meaning: ${DOCUMENT} ${JSON.stringify(row?.description)}, VARIABLES ${JSON.stringify(entry.description)}`,
            ],
      ].flat();
    });
    assert.deepEqual(
      differences,
      [],
      `${DOCUMENT} differs from VARIABLES in server/config.ts:\n${differences.join('\n')}${paste}`,
    );
  });

  it('configurationTable renders every variable, one row each', () => {
    const lines = configurationTable().split('\n');
    assert.equal(lines.length, VARIABLES.length + 2);
    assert.equal(lines[0], '| Variable | Default | Meaning |');
    assert.equal(lines[2], `| \`PORT\` | \`3000\` | ${VARIABLES[0]?.description} |`);
  });
});
