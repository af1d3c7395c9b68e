// Fails when openapi/openapi.yaml breaks the last released contract without saying so.
//
//   node scripts/check-breaking.ts [--spec FILE] [--baseline FILE] [--changelog FILE] [--verbose]
//
// The baseline is the highest version in openapi/released/ (openapi-X.Y.Z.yaml), unless --baseline
// names a file. api-smart-diff compares the two and classifies every change; this script then
//   - fails when info.version is not semver, or is lower than the baseline's;
//   - fails when a change is breaking and info.version is not a major bump over the baseline's;
//   - fails when info.version is a major bump and CHANGELOG.md has no `## [X.0.0]` section for it,
//     or when that section does not name a breaking change in backticks (`changelogName`: the
//     operationId, or the property, parameter or header changed), so that an unreleased major
//     section does not let later breaking changes through unsaid;
//   - lists the breaking changes, reports unclassified and deprecated ones, and counts the rest.
// Exit codes: 0 passed, 1 failed (the reasons are printed), 2 bad usage or unreadable files.
//
// The library's judgement is used as is, except where this project's policy differs (POLICY below)
// and where the library applies request rules to responses (see `inlineResponseRefs`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { apiDiff } from 'api-smart-diff';
import type { Diff } from 'api-smart-diff';
import { parse } from 'yaml';
import { HTTP_METHODS, SpecIndex } from '../openapi/spec-index.ts';

const root = resolve(import.meta.dirname, '..');
export const DEFAULT_SPEC = join(root, 'openapi', 'openapi.yaml');
export const RELEASED_DIR = join(root, 'openapi', 'released');
export const DEFAULT_CHANGELOG = join(root, 'CHANGELOG.md');

type JsonPath = ReadonlyArray<string | number>;
type Json = Record<string, unknown>;
export type ChangeType = Diff['type'];

// ---------------------------------------------------------------------------------------------
// Semantic versions

export interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string[];
  text: string;
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/** The version in `text`, or undefined when it is not semver 2.0.0. */
export function parseVersion(text: unknown): Version | undefined {
  if (typeof text !== 'string') return undefined;
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ? match[4].split('.') : [],
    text,
  };
}

/** Semver precedence: negative when a < b. Build metadata does not count; a pre-release is lower. */
export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (!a.prerelease.length || !b.prerelease.length) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const [x, y] = [a.prerelease[i], b.prerelease[i]];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Whether `next` may break `base`. Below 1.0.0 semver promises nothing, and the usual reading (npm's
 * caret) is that 0.y → 0.(y+1) is the breaking step.
 */
export function isMajorBump(base: Version, next: Version): boolean {
  if (base.major === 0 && next.major === 0) return next.minor > base.minor;
  return next.major > base.major;
}

function nextMajor(base: Version): string {
  return base.major === 0 ? `0.${base.minor + 1}.0` : `${base.major + 1}.0.0`;
}

// ---------------------------------------------------------------------------------------------
// The baseline and the changelog

/** The highest `openapi-X.Y.Z.yaml` in `dir`, or undefined when there is none. */
export function findBaseline(dir: string = RELEASED_DIR): { file: string; version: Version } | undefined {
  if (!existsSync(dir)) return undefined;
  let best: { file: string; version: Version } | undefined;
  for (const name of readdirSync(dir)) {
    const version = parseVersion(/^openapi-(.+)\.ya?ml$/.exec(name)?.[1]);
    if (version && (!best || compareVersions(version, best.version) > 0)) best = { file: join(dir, name), version };
  }
  return best;
}

/** Whether the changelog has a `## [X.Y.Z]` heading (Keep a Changelog's form, date optional). */
export function hasChangelogSection(changelog: string, version: string): boolean {
  return changelogSection(changelog, version) !== undefined;
}

/** The text of the `## [version]` section of a changelog, up to the next `## [` heading. */
export function changelogSection(changelog: string, version: string): string | undefined {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = new RegExp(`^##\\s+\\[${escaped}\\]`, 'm').exec(changelog);
  if (!start) return undefined;
  const rest = changelog.slice(start.index + start[0].length);
  const next = /^##\s+\[/m.exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/**
 * The name a changelog section must give a breaking change, in backticks: the operationId of an
 * operation, else the property, parameter or header changed (the last name of its path).
 */
export function changelogName(change: Change): string {
  const operation = /^operation \S+ \S+ \((\w+)\)/.exec(change.what);
  if (operation) return operation[1]!;
  const parameter = /parameter `([^`]+)`/.exec(change.what);
  if (parameter) return parameter[1]!;
  const quoted = [...change.what.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
  const subject = change.what.startsWith('header ')
    ? quoted[0]!.split('/')[0]!
    : (/^property `([^`]+)`/.exec(change.what)?.[1] ?? quoted.at(-1) ?? change.what);
  return (
    subject
      .replace(/\([^)]*\)/g, '')
      .replace(/\[\]/g, '')
      .split('.')
      .filter(Boolean)
      .at(-1) ?? subject
  );
}

// ---------------------------------------------------------------------------------------------
// Preparing the documents

const METHODS = new Set<string>(HTTP_METHODS);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The object a local `$ref` (`#/components/...`) names, following chains; undefined when dangling.
 * A fresh index: the documents compared may be changed between comparisons (the tests do).
 */
function followRef(doc: unknown, value: unknown): unknown {
  if (!isObject(doc)) return isObject(value) && typeof value.$ref === 'string' ? undefined : value;
  return new SpecIndex(doc).tryDeref(value)?.node;
}

/**
 * A copy of `doc` whose operations hold their response objects instead of `$ref`s to
 * `#/components/responses/...`. api-smart-diff picks its response rules by the path of the schema
 * (`paths/…/responses/<status>/content/<type>/schema`); reached through such a `$ref`, a schema is
 * judged with the request rules, so that removing a required property of an error body passed as
 * non-breaking (the library's 1.0.6; the test "judges error responses as responses" shows it).
 */
export function inlineResponseRefs(doc: unknown): unknown {
  const copy = structuredClone(doc);
  if (!isObject(copy)) return copy;
  const index = new SpecIndex(copy);
  for (const operation of index.operations()) {
    const responses = operation.node.responses;
    if (!isObject(responses)) continue;
    for (const [status, response] of Object.entries(responses)) {
      const target = index.tryDeref(response)?.node;
      if (target !== response && isObject(target)) responses[status] = structuredClone(target);
    }
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Where a change is

interface Location {
  /** `POST /v1/customers/{customerId}/carts`, when the change is inside an operation. */
  operation?: string;
  kind: 'path' | 'operation' | 'parameter' | 'request' | 'response' | 'response header' | 'other';
  status?: string;
  /** For a schema change, the path inside the schema; for a parameter, from its index on. */
  rest: JsonPath;
}

function locate(path: JsonPath): Location {
  const [top, route, method, area, ...tail] = path;
  if (top !== 'paths' || typeof route !== 'string') return { kind: 'other', rest: path };
  if (method === undefined) return { kind: 'path', rest: [] };
  if (method === 'parameters') return { kind: 'parameter', rest: path.slice(3) };
  if (typeof method !== 'string' || !METHODS.has(method)) return { kind: 'other', rest: path };
  const operation = `${method.toUpperCase()} ${route}`;
  if (area === undefined) return { operation, kind: 'operation', rest: [] };
  if (area === 'parameters') return { operation, kind: 'parameter', rest: tail };
  if (area === 'requestBody' && tail[0] === 'content' && tail[2] === 'schema')
    return { operation, kind: 'request', rest: tail.slice(3) };
  if (area === 'responses' && tail.length > 0) {
    const status = String(tail[0]);
    if (tail[1] === 'content' && tail[3] === 'schema')
      return { operation, kind: 'response', status, rest: tail.slice(4) };
    if (tail[1] === 'headers') return { operation, kind: 'response header', status, rest: tail.slice(2) };
    return { operation, kind: 'other', status, rest: path.slice(3) };
  }
  return { operation, kind: 'other', rest: path.slice(3) };
}

/** Where, in words: `POST /v1/… request body`, `GET /v1/… response 200`. */
function placeOf(location: Location): string {
  const op = location.operation ?? '';
  switch (location.kind) {
    case 'request':
      return `${op} request body`;
    case 'response':
    case 'response header':
      return `${op} response ${location.status}`;
    default:
      return op || 'document';
  }
}

/** The schema path as a client sees the field: `lineItems[].billingCycle`, plus what is left of it. */
function fieldOf(rest: JsonPath): { field: string; keyword: JsonPath } {
  let field = '';
  let i = 0;
  for (; i < rest.length; i++) {
    const segment = rest[i];
    const next = rest[i + 1];
    if (segment === 'properties' && next !== undefined && i + 2 < rest.length) {
      field += field ? `.${next}` : String(next);
      i++;
    } else if (segment === 'items' && i + 1 < rest.length) field += '[]';
    else if (segment === 'additionalProperties' && i + 1 < rest.length) field += '{}';
    else if (
      (segment === 'allOf' || segment === 'oneOf' || segment === 'anyOf') &&
      typeof next === 'number' &&
      i + 2 < rest.length
    ) {
      field += `(${segment} ${next})`;
      i++;
    } else break;
  }
  return { field: field ? `\`${field}\`` : 'the body', keyword: rest.slice(i) };
}

// ---------------------------------------------------------------------------------------------
// Describing a change

const ACTION_WORDS: Record<Diff['action'], string> = {
  add: 'added',
  remove: 'removed',
  replace: 'changed',
  rename: 'renamed',
};

/** A short rendering of a value for `before → after`. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(none)';
  if (isObject(value)) {
    if (typeof value.$ref === 'string') return `$ref ${value.$ref}`;
    if (typeof value.operationId === 'string') return `operation ${value.operationId}`;
  }
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function describeSchemaChange(diff: Diff, rest: JsonPath): string {
  const { field, keyword } = fieldOf(rest);
  const word = ACTION_WORDS[diff.action];
  const value = diff.action === 'remove' ? diff.before : diff.after;
  const [first, second] = keyword;
  if (first === 'enum' && second !== undefined)
    return `enum value ${formatValue(value)} ${word} ${diff.action === 'add' ? 'to' : 'from'} ${field}`;
  if (first === 'required' && second !== undefined)
    return diff.action === 'add'
      ? `property \`${value}\` of ${field} made required`
      : `property \`${value}\` of ${field} no longer required`;
  if (first === 'properties' && second !== undefined && keyword.length === 2)
    return `property \`${second}\` ${word} ${diff.action === 'add' ? 'to' : diff.action === 'remove' ? 'from' : 'in'} ${field}`;
  if (first === 'type' && second !== undefined)
    return `type ${formatValue(value)} ${word} ${diff.action === 'add' ? 'to' : 'from'} ${field}`;
  if (first === undefined) return `schema of ${field} ${word}`;
  return `\`${keyword.join('/')}\` of ${field} ${word}`;
}

/** A parameter's `in` and `name`, found as the library indexes them (operation's, then path's). */
function parameterName(doc: unknown, path: JsonPath, value: unknown): string {
  const direct = followRef(doc, value);
  let parameter: unknown = isObject(direct) && typeof direct.name === 'string' ? direct : undefined;
  if (!parameter && isObject(doc) && isObject(doc.paths)) {
    const [, route, method, , index] = path;
    const pathItem = doc.paths[String(route)];
    if (isObject(pathItem)) {
      const operation = method === 'parameters' ? undefined : pathItem[String(method)];
      const own = isObject(operation) && Array.isArray(operation.parameters) ? operation.parameters : [];
      const shared = Array.isArray(pathItem.parameters) ? pathItem.parameters : [];
      const list = method === 'parameters' ? shared : [...own, ...shared];
      parameter = followRef(doc, list[Number(method === 'parameters' ? path[3] : index)]);
    }
  }
  return isObject(parameter) ? `${parameter.in} parameter \`${parameter.name}\`` : 'a parameter';
}

const isRequired = (doc: unknown, parameter: unknown): boolean => {
  const target = followRef(doc, parameter);
  return isObject(target) && target.required === true;
};

function describe(diff: Diff, location: Location, docs: { before: unknown; after: unknown }): string {
  const word = ACTION_WORDS[diff.action];
  const value = diff.action === 'remove' ? diff.before : diff.after;
  switch (location.kind) {
    case 'path':
      return `path ${String(diff.path[1])} ${word}`;
    case 'operation': {
      const id = isObject(value) && typeof value.operationId === 'string' ? ` (${value.operationId})` : '';
      return `operation ${location.operation}${id} ${word}`;
    }
    case 'parameter': {
      const doc = diff.action === 'remove' ? docs.before : docs.after;
      const whole = location.rest.length === 1;
      const name = parameterName(doc, diff.path, whole ? value : undefined);
      const inner = location.rest.slice(1).join('/');
      if (whole) return `${isRequired(doc, value) && diff.action === 'add' ? 'required ' : ''}${name} ${word}`;
      if (inner === 'required' && diff.after === true) return `${name} made required`;
      return `${name}: \`${inner}\` ${word}`;
    }
    case 'request':
    case 'response':
      return describeSchemaChange(diff, location.rest);
    case 'response header':
      return `header \`${location.rest.join('/')}\` ${word}`;
    default:
      if (location.status !== undefined && location.rest.length === 2) return `response ${location.status} ${word}`;
      return `\`${location.rest.join('/')}\` ${word}`;
  }
}

/** RFC 6901 pointer of a library path. */
export function toPointer(path: JsonPath): string {
  return path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

// ---------------------------------------------------------------------------------------------
// The project's policy where it differs from the library's

interface PolicyRule {
  /** Why the project judges this change differently; printed with the change. */
  reason: string;
  applies(diff: Diff, location: Location): boolean;
  type(diff: Diff, location: Location): ChangeType;
}

const lastTwo = (path: JsonPath) => [path.at(-2), path.at(-1)] as const;

/** JSON Schema types as a set; an integer is a number too. */
function typeSet(value: unknown): Set<string> | undefined {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  return list?.every((t) => typeof t === 'string') ? new Set(list as string[]) : undefined;
}
function isSubtype(narrow: Set<string>, wide: Set<string>): boolean {
  return [...narrow].every((t) => wide.has(t) || (t === 'integer' && wide.has('number')));
}

export const POLICY: readonly PolicyRule[] = [
  {
    reason:
      'an answer that promises a header it always sent breaks no client; the library judges response headers with request rules',
    applies: (diff, location) =>
      location.kind === 'response header' &&
      diff.action === 'add' &&
      location.rest.at(-1) === 'required' &&
      diff.after === true,
    type: () => 'non-breaking',
  },
  {
    reason:
      'a request that gains `null` as an alternative (`anyOf`) accepts more; the library, merging the alternatives, reports a `type` added',
    applies: (diff, location) =>
      location.kind === 'request' &&
      diff.action === 'add' &&
      location.rest.at(-1) === 'type' &&
      diff.after === 'null' &&
      location.rest.includes('anyOf'),
    type: () => 'non-breaking',
  },
  {
    reason:
      'a response may gain enumeration values: clients must accept values they do not know (docs/versions.md); ' +
      'the library counts them as breaking',
    applies: (diff, location) =>
      location.kind === 'response' && diff.action === 'add' && lastTwo(location.rest)[0] === 'enum',
    type: () => 'non-breaking',
  },
  {
    reason:
      'a value clients handle stops existing: code written against the generated types no longer compiles; ' +
      'the library counts it as non-breaking in responses',
    applies: (diff, location) =>
      location.kind === 'response' && diff.action === 'remove' && lastTwo(location.rest)[0] === 'enum',
    type: () => 'breaking',
  },
  {
    reason:
      'a response property clients may read disappears: code reading it no longer compiles; ' +
      'the library counts only required ones as breaking',
    applies: (diff, location) =>
      location.kind === 'response' && diff.action === 'remove' && lastTwo(location.rest)[0] === 'properties',
    type: () => 'breaking',
  },
  {
    reason:
      'a type change is breaking when it narrows a request or widens a response, and only then; the library ' +
      'counts every replaced `type` as breaking in requests and none in responses',
    applies: (diff, location) =>
      (location.kind === 'request' || location.kind === 'response') &&
      diff.action === 'replace' &&
      location.rest.at(-1) === 'type' &&
      location.rest.at(-2) !== 'properties' &&
      typeSet(diff.before) !== undefined &&
      typeSet(diff.after) !== undefined,
    type: (diff, location) => {
      const [before, after] = [typeSet(diff.before)!, typeSet(diff.after)!];
      const fine = location.kind === 'request' ? isSubtype(before, after) : isSubtype(after, before);
      return fine ? 'non-breaking' : 'breaking';
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Comparing

export interface Change {
  type: ChangeType;
  action: Diff['action'];
  what: string;
  before: unknown;
  after: unknown;
  /** Every place the change shows (a shared schema shows at each operation that uses it). */
  places: string[];
  pointers: string[];
  /** Set when the project's policy overrides the library's classification (and says why). */
  policy?: string;
  libraryType?: ChangeType;
}

/**
 * The library only judges components where operations use them (it resolves `$ref`s); the
 * components section itself it compares with request rules whatever a schema is used for, so those
 * entries are left out, except security schemes, which operations name without a `$ref`.
 */
function judgedHere(path: JsonPath): boolean {
  return path[0] !== 'components' || path[1] === 'securitySchemes';
}

/** Every change between the two documents, the same change at several places grouped into one. */
export function compareSpecs(before: unknown, after: unknown): Change[] {
  const diffs = apiDiff(inlineResponseRefs(before), inlineResponseRefs(after));
  const groups = new Map<string, Change>();
  for (const diff of diffs) {
    if (!judgedHere(diff.path)) continue;
    const location = locate(diff.path);
    const rule = POLICY.find((r) => r.applies(diff, location));
    const type = rule ? rule.type(diff, location) : diff.type;
    const what = describe(diff, location, { before, after });
    const key = JSON.stringify([type, what, formatValue(diff.before), formatValue(diff.after)]);
    let change = groups.get(key);
    if (!change) {
      change = { type, action: diff.action, what, before: diff.before, after: diff.after, places: [], pointers: [] };
      if (rule && type !== diff.type) Object.assign(change, { policy: rule.reason, libraryType: diff.type });
      groups.set(key, change);
    }
    const place = placeOf(location);
    if (!change.places.includes(place)) change.places.push(place);
    change.pointers.push(toPointer(diff.path));
  }
  return [...groups.values()];
}

export interface CheckInput {
  spec: unknown;
  baseline: unknown;
  changelog: string;
  /** How to name the files in messages. */
  names?: { spec?: string; baseline?: string; changelog?: string };
}

export interface CheckResult {
  ok: boolean;
  /** Why it failed, one entry a reason. */
  problems: string[];
  changes: Change[];
  specVersion?: string;
  baselineVersion?: string;
}

const versionOf = (doc: unknown): unknown => (isObject(doc) && isObject(doc.info) ? doc.info.version : undefined);

/** The whole check on parsed documents: versions, breaking changes, changelog. */
export function checkBreaking(input: CheckInput): CheckResult {
  const names = { spec: 'the spec', baseline: 'the released spec', changelog: 'CHANGELOG.md', ...input.names };
  const problems: string[] = [];
  const next = parseVersion(versionOf(input.spec));
  const base = parseVersion(versionOf(input.baseline));
  const result = (changes: Change[]): CheckResult => ({
    ok: problems.length === 0,
    problems,
    changes,
    specVersion: next?.text,
    baselineVersion: base?.text,
  });
  if (!base)
    problems.push(
      `${names.baseline}: info.version ${formatValue(versionOf(input.baseline))} is not a semantic version.`,
    );
  if (!next)
    problems.push(
      `${names.spec}: info.version ${formatValue(versionOf(input.spec))} is not a semantic version (MAJOR.MINOR.PATCH).`,
    );
  if (!base || !next) return result([]);

  if (compareVersions(next, base) < 0)
    problems.push(
      `${names.spec}: info.version ${next.text} is lower than the released ${base.text}; versions only go up.`,
    );

  const changes = compareSpecs(input.baseline, input.spec);
  const breaking = changes.filter((c) => c.type === 'breaking');
  const major = isMajorBump(base, next);
  if (breaking.length > 0 && !major) {
    const target = nextMajor(base);
    problems.push(
      [
        `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} since ${base.text}, but info.version ${next.text} is not a major bump:`,
        ...breaking.map(formatChange),
        `Either bump info.version to ${target} and add a \`## [${target}]\` section to ${names.changelog} saying what breaks ` +
          'and what clients must do, or undo the change (make it additive: a new optional property, a new operation, ...).',
      ].join('\n'),
    );
  }
  const section = major ? changelogSection(input.changelog, next.text) : undefined;
  if (major && section === undefined)
    problems.push(
      `info.version ${next.text} is a major bump over ${base.text}, but ${names.changelog} has no \`## [${next.text}]\` section. ` +
        'Add one that names each breaking change and what clients must do.',
    );
  // An unreleased major section is no blanket: every breaking change it ships is named in it.
  const unnamed =
    section === undefined ? [] : breaking.filter((change) => !section.includes(`\`${changelogName(change)}\``));
  if (unnamed.length > 0)
    problems.push(
      [
        `${unnamed.length} breaking change${unnamed.length === 1 ? '' : 's'} not named in the \`## [${next.text}]\` section of ${names.changelog}:`,
        ...unnamed.map(
          (change) =>
            `${formatChange(change)}\n      name it there as \`${changelogName(change)}\`, with what clients must do`,
        ),
      ].join('\n'),
    );
  return result(changes);
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** One change as a few lines: what, before → after, where, the JSON pointer(s). */
export function formatChange(change: Change): string {
  const lines = [`  - ${change.what}: ${formatValue(change.before)} → ${formatValue(change.after)}`];
  const places =
    change.places.length > 4 ? [...change.places.slice(0, 4), `${change.places.length - 4} more`] : change.places;
  if (places.some((p) => p !== 'document')) lines.push(`      in ${places.join('; ')}`);
  const more = change.pointers.length > 1 ? ` (and ${change.pointers.length - 1} more)` : '';
  lines.push(`      at ${change.pointers[0]}${more}`);
  if (change.policy)
    lines.push(`      ${change.type} by this project's policy (the library: ${change.libraryType}): ${change.policy}`);
  return lines.join('\n');
}

function count(changes: Change[], type: ChangeType): number {
  return changes.filter((c) => c.type === type).length;
}

/** The report printed by the command. */
export function formatReport(result: CheckResult, names: { spec: string; baseline: string }, verbose = false): string {
  const { changes } = result;
  const lines = [
    `${names.spec} (${result.specVersion ?? '?'}) against ${names.baseline} (${result.baselineVersion ?? '?'}):`,
  ];
  lines.push(
    `  ${count(changes, 'breaking')} breaking, ${count(changes, 'non-breaking')} non-breaking, ` +
      `${count(changes, 'deprecated')} deprecated, ${count(changes, 'unclassified')} unclassified, ` +
      `${count(changes, 'annotation')} annotation (changes grouped across the operations they reach)`,
  );
  const breaking = changes.filter((c) => c.type === 'breaking');
  if (breaking.length > 0 && !verbose)
    lines.push('Breaking (each named in the changelog section of its major version):', ...breaking.map(formatChange));
  const overridden = changes.filter((c) => c.policy && c.type !== 'breaking');
  if (overridden.length > 0 && !verbose) lines.push(...formatOverrides(overridden));
  const deprecated = changes.filter((c) => c.type === 'deprecated');
  if (deprecated.length > 0)
    lines.push('Deprecated (not breaking; remove them in a major version):', ...deprecated.map(formatChange));
  const unclassified = changes.filter((c) => c.type === 'unclassified');
  if (unclassified.length > 0 && !verbose)
    lines.push(
      `Unclassified, not failing (the library cannot judge them; review them): ${summariseKeys(unclassified)}`,
    );
  if (verbose)
    for (const type of ['breaking', 'non-breaking', 'unclassified', 'annotation'] as const) {
      const some = changes.filter((c) => c.type === type);
      if (some.length > 0) lines.push(`${type}:`, ...some.map(formatChange));
    }
  if (result.ok)
    lines.push("OK: no breaking change without a major version and its name in that version's changelog section.");
  else lines.push('', 'FAILED:', ...result.problems.map((p) => `- ${p}`));
  return lines.join('\n');
}

/** The changes the policy let pass, one line each under the reason (where: --verbose). */
function formatOverrides(changes: Change[]): string[] {
  const lines = ["Passed by this project's policy, not by the library (--verbose shows where):"];
  for (const reason of new Set(changes.map((c) => c.policy))) {
    const some = changes.filter((c) => c.policy === reason);
    lines.push(`  ${some[0]?.type} (the library: ${some[0]?.libraryType}): ${reason}`);
    for (const change of some.slice(0, 12))
      lines.push(`    - ${change.what} (${change.places.length} place${change.places.length === 1 ? '' : 's'})`);
    if (some.length > 12) lines.push(`    - and ${some.length - 12} more`);
  }
  return lines;
}

/** `x-enumDescriptions (612), …`: what the unclassified changes touch, by the key changed. */
function summariseKeys(changes: Change[]): string {
  const keys = new Map<string, number>();
  for (const change of changes)
    for (const pointer of change.pointers) {
      const segments = pointer.split('/');
      const key = segments.findLast((s) => !/^\d+$/.test(s) && !s.includes('~1')) ?? pointer;
      const named = segments.find((s) => s.startsWith('x-')) ?? key;
      keys.set(named, (keys.get(named) ?? 0) + 1);
    }
  return (
    [...keys]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} (${n})`)
      .join(', ') + '; --verbose lists them'
  );
}

// ---------------------------------------------------------------------------------------------
// Files and the command line

export interface FileOptions {
  spec?: string;
  baseline?: string;
  changelog?: string;
  releasedDir?: string;
}

/** The check on files: the spec, the baseline (or the highest released version), the changelog. */
export function checkFiles(options: FileOptions = {}): CheckResult & { names: { spec: string; baseline: string } } {
  const specFile = options.spec ?? DEFAULT_SPEC;
  const changelogFile = options.changelog ?? DEFAULT_CHANGELOG;
  const released = options.baseline ? undefined : findBaseline(options.releasedDir ?? RELEASED_DIR);
  const baselineFile = options.baseline ?? released?.file;
  if (!baselineFile)
    throw new UsageError(
      `No released spec in ${options.releasedDir ?? RELEASED_DIR} (openapi-X.Y.Z.yaml); see openapi/released/README.md.`,
    );
  const names = {
    spec: relativeName(specFile),
    baseline: relativeName(baselineFile),
    changelog: relativeName(changelogFile),
  };
  const baseline = readYaml(baselineFile);
  const result = checkBreaking({ spec: readYaml(specFile), baseline, changelog: readText(changelogFile), names });
  // A released file must hold the version its name says, or "the highest release" means nothing.
  if (released && result.baselineVersion !== released.version.text)
    result.problems.unshift(
      `${names.baseline}: its info.version ${formatValue(versionOf(baseline))} is not the ${released.version.text} its name says.`,
    );
  return { ...result, ok: result.problems.length === 0, names };
}

export class UsageError extends Error {}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
  }
}

function readYaml(file: string): unknown {
  try {
    return parse(readText(file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
}

function relativeName(file: string): string {
  const absolute = resolve(file);
  return absolute.startsWith(`${root}/`) ? absolute.slice(root.length + 1) : absolute;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        spec: { type: 'string' },
        baseline: { type: 'string' },
        changelog: { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(
      `${(error as Error).message}\nUsage: node scripts/check-breaking.ts [--spec FILE] [--baseline FILE] [--changelog FILE] [--verbose]`,
    );
    process.exit(2);
  }
  if (values.help) {
    console.log('Usage: node scripts/check-breaking.ts [--spec FILE] [--baseline FILE] [--changelog FILE] [--verbose]');
    return;
  }
  try {
    const resolved = (file: string | undefined) => (file ? resolve(file) : undefined);
    const result = checkFiles({
      spec: resolved(values.spec),
      baseline: resolved(values.baseline),
      changelog: resolved(values.changelog),
    });
    const report = formatReport(result, result.names, values.verbose);
    if (result.ok) console.log(report);
    else console.error(report);
    process.exitCode = result.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  }
}

// Run as a script (`npm run check:breaking`); imported (by its test), it only exports.
if (import.meta.main) main();
