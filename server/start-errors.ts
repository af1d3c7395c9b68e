// The two errors of a start that cannot succeed, in a module of their own with no imports: the
// sandbox package's entry (server/sandbox.ts) exports them and must load on a Node too old to run the
// server, to say so (server/node-support.ts), so they cannot live beside what imports node:sqlite.

/** Thrown by `loadConfig`; `message` holds one line per invalid variable, also in `problems`. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The server cannot start; the message is one line saying why and what to do. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
