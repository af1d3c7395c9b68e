// Child processes of the benchmark: every server under load runs in its own process (the load generator
// must not share its event loop), is tracked here, and is always killed when the benchmark ends, fails
// or is interrupted. Temporary files and folders are registered here too and removed at exit.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const tempPaths = new Set<string>();

/** Kills every child still running (SIGKILL: the benchmark does not wait for a graceful stop here). */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) signal(child, 'SIGKILL');
  }
  children.clear();
}

/** Children started with `group` lead a process group of their own: the signal goes to the whole group. */
const groups = new WeakSet<ChildProcess>();

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (groups.has(child) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, name);
      return;
    } catch {
      // the group is gone already: signal the child alone
    }
  }
  child.kill(name);
}

export function removeTemp(): void {
  for (const path of tempPaths) rmSync(path, { recursive: true, force: true });
  tempPaths.clear();
}

/** Removes one temporary path now (a cold compile cache after its start), instead of at exit. */
export function removeTempPath(path: string): void {
  rmSync(path, { recursive: true, force: true });
  tempPaths.delete(path);
}

/** A fresh temporary folder, removed when the benchmark exits. */
export function tempDir(prefix = 'cart-bench-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempPaths.add(dir);
  return dir;
}

let cleanupInstalled = false;
/** Installs the exit, SIGINT, SIGTERM and uncaught-error handlers that kill children and remove temp files. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    killAll();
    removeTemp();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the benchmark, killing its servers, removing its temporary files.`);
      killAll();
      removeTemp();
      process.exit(130);
    });
  }
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything the child wrote, for error messages. */
  output(): string;
  /** Resolves when the child has exited (with its code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (so a --cpu-prof child writes its profile), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a tracked child process; its output is kept (bounded) for error messages. `group`: the child
 * leads a process group of its own and is stopped with everything it started (`npm start` runs the
 * server as a grandchild: a signal to npm alone could leave the server listening).
 */
export function startChild(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; group?: boolean },
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  children.add(child);
  if (options.group) groups.add(child);
  // The first 20,000 characters are kept (a start-up failure is at the beginning); the rest is drained.
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`);
  return {
    process: child,
    pid: child.pid,
    output: () => output,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal(child, 'SIGTERM');
      const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      if (groups.has(child)) await groupGone(child.pid!, graceMs);
    },
  };
}

/** Waits until no process of the group `pgid` is left (the leader may exit before the rest), then SIGKILLs what is. */
async function groupGone(pgid: number, graceMs: number): Promise<void> {
  // A member that has exited but is not reaped yet (a zombie: PID 1 of a container may never reap it) counts as gone.
  const alive = (): boolean => {
    if (!existsSync('/proc/self/stat')) {
      try {
        process.kill(-pgid, 0);
        return true;
      } catch {
        return false;
      }
    }
    return readdirSync('/proc').some((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      const fields = statFields(entry); // fields[0]: state (field 3); fields[2]: process group (field 5)
      return fields !== undefined && Number(fields[2]) === pgid && fields[0] !== 'Z';
    });
  };
  const deadline = performance.now() + graceMs;
  while (alive() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  if (alive()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}

/** Memory of a process from /proc/<pid>/status, in KiB: current (VmRSS) and peak (VmHWM). */
export function memoryOf(pid: number): { rssKiB: number; peakKiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // no /proc (not Linux), or the process is gone
  }
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; `stop()` returns the peak seen, taking the
 * kernel's own high-water mark (VmHWM) into account, in KiB (NaN when /proc is not available).
 */
export function sampleMemory(pid: number, intervalMs = 100): { stop(): number } {
  let peak = Number.NaN;
  const sample = (): void => {
    const memory = memoryOf(pid);
    if (!memory) return;
    peak = Math.max(Number.isNaN(peak) ? 0 : peak, memory.rssKiB, memory.peakKiB);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

let ticksPerSecond: number | undefined;
/**
 * The kernel's clock ticks per second (USER_HZ, the unit of /proc/<pid>/stat's times): `getconf CLK_TCK`, read once.
 */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = Number.NaN; // no getconf: the CPU figures are left out
    }
    if (!(ticksPerSecond > 0)) ticksPerSecond = Number.NaN;
  }
  return ticksPerSecond;
}

/**
 * CPU time a process has used so far, user plus system, all its threads (the main thread, libuv's
 * pool, V8's GC and compiler threads), in µs: fields 14 (utime) and 15 (stime) of /proc/<pid>/stat,
 * in clock ticks. NaN when /proc is not available or the process is gone.
 */
export function cpuTimeUs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // Field 2 is the command name in parentheses, which may hold spaces: count the fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return ((utime + stime) / clockTicksPerSecond()) * 1e6;
}

/** Fields 3 onwards of /proc/<pid>/stat (fields[0] is field 3, the state), or undefined. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process and its children so far, in µs: the process's own utime + stime and the
 * cutime + cstime of its children that have ended (fields 16, 17), plus utime + stime of every child
 * still running (ppid, field 4, equal to `pid`). For a PostgreSQL postmaster: itself, its backends
 * (one per client connection) and its background processes. NaN without /proc.
 */
export function processTreeCpuUs(pid: number): number {
  const own = statFields(pid);
  if (!own) return Number.NaN;
  const ticks = (fields: string[], ...numbers: number[]): number =>
    numbers.reduce((sum, field) => sum + Number(fields[field - 3]), 0);
  let total = ticks(own, 14, 15, 16, 17);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || entry === String(pid)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[4 - 3]) === pid) total += ticks(fields, 14, 15);
  }
  return (total / clockTicksPerSecond()) * 1e6;
}

/** The parent process of `pid` (field 4 of /proc/<pid>/stat), or undefined. */
export function parentPid(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[4 - 3]) : undefined;
}
