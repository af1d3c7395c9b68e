// The fuzz's settings from the environment, shared by fuzz.test.ts and run.ts:
// - FUZZ_SEED: an integer; a new random one when unset (always printed, so any run can be replayed);
// - FUZZ_RUNS: how many fuzzed requests to send;
// - FUZZ_KNOWN_BUGS: `skip` or `include` the requests of known, reported server bugs (KNOWN_BUGS in
//   fuzzer.ts); `npm test` skips them, `npm run fuzz` includes them.
export interface FuzzSettings {
  seed: number;
  requests: number;
  skipKnownBugs: boolean;
}

export function fuzzSettings(
  defaults: { requests: number; knownBugs: 'skip' | 'include' },
  env: NodeJS.ProcessEnv = process.env,
): FuzzSettings {
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min)
      throw new Error(`${name} must be an integer of at least ${min}, not ${JSON.stringify(raw)}`);
    return value;
  };
  const knownBugs = env['FUZZ_KNOWN_BUGS'] ?? defaults.knownBugs;
  if (knownBugs !== 'skip' && knownBugs !== 'include')
    throw new Error(`FUZZ_KNOWN_BUGS must be "skip" or "include", not ${JSON.stringify(knownBugs)}`);
  return {
    seed: integer('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31), -(2 ** 31)),
    requests: integer('FUZZ_RUNS', defaults.requests, 1),
    skipKnownBugs: knownBugs === 'skip',
  };
}
