// Reads a V8 CPU profile (.cpuprofile, written by `node --cpu-prof`) and says where the time went:
// self time by package or file, inclusive time by package or file (a sample counts once for every
// package on its stack), and the functions with the most self time. Percentages are of busy time
// (every sample except the idle ones).
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Of busy time. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  gcMs: number;
  selfByGroup: Share[];
  inclusiveByGroup: Share[];
  topFunctions: Share[];
  /** Inclusive time of functions of the project itself (server/...), the middleware chain as it runs. */
  inclusiveOurs: Share[];
}

/** Which package, Node module or file of ours a frame belongs to. */
export function groupOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle), (root)
    return '(V8 built-ins and native)';
  }
  if (url.startsWith('node:')) {
    const [first = '', second] = url.slice(5).split('/');
    return `node:${first === 'internal' && second ? `internal/${second.replace(/\.js$/, '')}` : first.replace(/\.js$/, '')}`;
  }
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const marker = `${sep}node_modules${sep}`;
  const at = path.lastIndexOf(marker);
  if (at >= 0) {
    const [scope = '', name = ''] = path.slice(at + marker.length).split(sep);
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const inside = relative(root, path);
  return inside.startsWith('..') ? path : inside;
}

function frameName(frame: CallFrame, root: string): string {
  const group = groupOf(frame, root);
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name}  ${group}${group.includes('/') || group.includes('.') ? `:${frame.lineNumber + 1}` : ''}`;
}

function shares(map: Map<string, number>, busyMs: number, limit: number): Share[] {
  return [...map]
    .map(([name, us]) => ({ name, ms: us / 1000, percent: busyMs > 0 ? (100 * us) / 1000 / busyMs : 0 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit);
}

/**
 * Summarises the profile at `path`; with `window` (monotonic clock, µs, the clock V8 stamps its
 * samples with, as process.hrtime does), only the samples taken in it: the measured load, without the
 * start-up and the warm-up.
 */
export function analyseProfile(
  path: string,
  root: string,
  window?: { startUs: number; endUs: number },
  limit = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Per node: its group, function key, and the groups and project functions on its stack (memoised).
  const groupOfNode = new Map<number, string>();
  const stackGroups = new Map<number, Set<string>>();
  const stackOurs = new Map<number, Set<string>>();
  const groupFor = (id: number): string => {
    let group = groupOfNode.get(id);
    if (group === undefined) {
      group = groupOf(byId.get(id)!.callFrame, root);
      groupOfNode.set(id, group);
    }
    return group;
  };
  const stackOf = (id: number): { groups: Set<string>; ours: Set<string> } => {
    const cached = stackGroups.get(id);
    if (cached) return { groups: cached, ours: stackOurs.get(id)! };
    const up = parent.get(id);
    const above = up === undefined ? { groups: new Set<string>(), ours: new Set<string>() } : stackOf(up);
    const groups = new Set(above.groups);
    const ours = new Set(above.ours);
    const group = groupFor(id);
    if (!group.startsWith('(')) groups.add(group);
    if (group.startsWith(`server${sep}`) || group.startsWith('server/'))
      ours.add(frameName(byId.get(id)!.callFrame, root));
    stackGroups.set(id, groups);
    stackOurs.set(id, ours);
    return { groups, ours };
  };

  const selfByGroup = new Map<string, number>();
  const inclusiveByGroup = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusiveOurs = new Map<string, number>();
  let idleUs = 0;
  let gcUs = 0;
  let totalUs = 0;
  const { samples, timeDeltas } = profile;
  const mean = samples.length > 0 ? (profile.endTime - profile.startTime) / samples.length : 0;
  let at = profile.startTime;
  for (let index = 0; index < samples.length; index++) {
    at += timeDeltas[index] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) continue;
    const id = samples[index]!;
    const us = Math.max(0, timeDeltas[index + 1] ?? mean); // the interval until the next sample
    totalUs += us;
    const frame = byId.get(id)!.callFrame;
    const group = groupFor(id);
    if (group === '(idle)') {
      idleUs += us;
      continue;
    }
    if (group === '(garbage collector)') gcUs += us;
    selfByGroup.set(group, (selfByGroup.get(group) ?? 0) + us);
    const fn = frameName(frame, root);
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + us);
    const { groups, ours } = stackOf(id);
    for (const name of groups) inclusiveByGroup.set(name, (inclusiveByGroup.get(name) ?? 0) + us);
    for (const name of ours) inclusiveOurs.set(name, (inclusiveOurs.get(name) ?? 0) + us);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs,
    gcMs: gcUs / 1000,
    selfByGroup: shares(selfByGroup, busyMs, limit),
    inclusiveByGroup: shares(inclusiveByGroup, busyMs, limit),
    topFunctions: shares(selfByFunction, busyMs, limit + 10),
    inclusiveOurs: shares(inclusiveOurs, busyMs, limit),
  };
}

export function formatProfile(title: string, summary: ProfileSummary, requests: number): string {
  const perRequest = (ms: number): string =>
    requests > 0 ? `${((ms * 1000) / requests).toFixed(1).padStart(7)} µs/req` : '';
  const list = (heading: string, items: Share[]): string[] => [
    `  ${heading}`,
    ...items.map((item) => `    ${item.percent.toFixed(1).padStart(5)}%  ${perRequest(item.ms)}  ${item.name}`),
  ];
  return [
    `${title}: ${(summary.busyMs / 1000).toFixed(2)} s busy of ${(summary.totalMs / 1000).toFixed(2)} s profiled, ${requests} requests` +
      ` (${requests > 0 ? ((summary.busyMs * 1000) / requests).toFixed(1) : '?'} µs of CPU per request; GC ${((100 * summary.gcMs) / summary.busyMs).toFixed(1)}%)`,
    ...list('self time by package / file:', summary.selfByGroup),
    ...list('inclusive time by package / file (once per sample):', summary.inclusiveByGroup),
    ...list("inclusive time of the project's own functions:", summary.inclusiveOurs),
    ...list('top functions by self time:', summary.topFunctions),
  ].join('\n');
}
