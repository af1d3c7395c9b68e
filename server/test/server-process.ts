// The reference server as a child process, started the way `npm start` starts it (server/main.ts,
// configuration from the environment), for tests that must kill it: SIGKILL mid-write, SIGTERM
// mid-load. Port 0 on loopback, a given database file, the harness's JWT secret, silent logs,
// no throttling.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { SECRET } from './harness.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = resolve(REPO_ROOT, 'server', 'main.ts');
/** main.ts prints this line once it listens. */
const LISTENING = /cart sandbox on (http:\/\/\S+)/;

export interface ServerProcessOptions {
  /** The SQLite file (kept across restarts by the caller). */
  databasePath: string;
  /** More environment variables, or overrides (a value of undefined removes one). */
  env?: Record<string, string | undefined>;
  /** How long the start may take before it counts as failed (default 15 s: the machine is shared). */
  startTimeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `stop` had to SIGKILL it after its time ran out. */
  forced?: boolean;
}

interface Spawned {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<Exit>;
  /** Resolves with the URL once the server listens; rejects if it exits first. */
  listening: Promise<string>;
}

/** Children still running, killed if the test process leaves without stopping them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function spawnServer(options: ServerProcessOptions): Spawned {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: options.databasePath,
    JWT_SECRET: SECRET,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0', // no throttling: the load is the test's, not a client's abuse
    // orders answered as they will stay: the checks compare acknowledged answers with what is read later
    PROVISIONING_DELAY: '0',
    NODE_ENV: 'test', // not production: responses are validated against the spec
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<Exit>((done) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      done({ code, signal });
    });
  });
  const listening = new Promise<string>((found, failed) => {
    child.on('error', failed);
    void exited.then((exit) => failed(new Error(`it exited (code ${exit.code}, signal ${exit.signal})`)));
    child.stdout?.on('data', (chunk: string) => {
      output.stdout += chunk;
      const match = LISTENING.exec(output.stdout);
      if (match?.[1]) found(match[1]);
    });
  });
  listening.catch(() => {}); // a caller that kills the process early does not wait for it
  return { child, output, exited, listening };
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Resolves when the process has exited (with its code or the signal that ended it). */
  readonly exited: Promise<Exit>;
  readonly #output: { stdout: string; stderr: string };

  private constructor(spawned: Spawned, baseUrl: string) {
    this.child = spawned.child;
    this.baseUrl = baseUrl;
    this.exited = spawned.exited;
    this.#output = spawned.output;
  }

  /**
   * Starts server/main.ts and resolves once it prints its URL; rejects (with its output) if it exits or hangs first.
   */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const spawned = spawnServer(options);
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = await Promise.race([
        spawned.listening,
        new Promise<never>((_, failed) => {
          timer = setTimeout(() => failed(new Error(`no URL printed within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return new ServerProcess(spawned, url);
    } catch (error) {
      spawned.child.kill('SIGKILL');
      throw new Error(
        `server/main.ts did not start: ${(error as Error).message}\nstdout: ${spawned.output.stdout}\nstderr: ${spawned.output.stderr}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts server/main.ts and SIGKILLs it `afterMs` later, listening or not (a crash while it opens
   * the database, migrates, or starts listening). Resolves once it is gone.
   */
  static async startAndKill(
    options: ServerProcessOptions,
    afterMs: number,
  ): Promise<{ listened: boolean; exit: Exit; stderr: string }> {
    const spawned = spawnServer(options);
    let listened = false;
    spawned.listening.then(
      () => (listened = true),
      () => {},
    );
    await new Promise((done) => setTimeout(done, afterMs));
    spawned.child.kill('SIGKILL');
    return { listened, exit: await spawned.exited, stderr: spawned.output.stderr };
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): string {
    return this.#output.stdout;
  }

  get stderr(): string {
    return this.#output.stderr;
  }

  /**
   * Sends `signal` (unless it has exited) and resolves with the exit; SIGKILL after `timeoutMs` if it has not exited by
   * then.
   */
  async stop(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<Exit>((done) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        void this.exited.then((exit) => done({ ...exit, forced: true }));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, forced]);
    } finally {
      clearTimeout(timer);
    }
  }
}
