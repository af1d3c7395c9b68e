// `npm run fuzz`: the long run of the schema-driven fuzz (10,000 requests unless FUZZ_RUNS says
// otherwise). It goes on past violations to collect them all, prints the figures and each distinct
// violation once, and exits 1 if there was any: a 5xx, an answer the spec does not allow, a state
// changed by an invalid request, ... FUZZ_SEED replays a run. The requests of known, reported server
// bugs (KNOWN_BUGS in fuzzer.ts) are sent too unless FUZZ_KNOWN_BUGS=skip.
import { formatReport } from './fuzz-report.ts';
import { runFuzz } from './fuzzer.ts';
import { fuzzSettings } from './settings.ts';

const { seed, requests, skipKnownBugs } = fuzzSettings({ requests: 10_000, knownBugs: 'include' });
const replay = `FUZZ_SEED=${seed} FUZZ_RUNS=${requests}${skipKnownBugs ? ' FUZZ_KNOWN_BUGS=skip' : ''}`;
console.log(
  `fuzz: seed ${seed}, ${requests} requests, known bugs ${skipKnownBugs ? 'left out' : 'included'} (replay: ${replay} npm run fuzz)`,
);
const report = await runFuzz({
  seed,
  requests,
  failFast: false,
  skipKnownBugs,
  log: (line) => console.log(`  ${line}`),
});
console.log(formatReport(report));
if (report.violationCount > 0) {
  console.log(
    `\nFAILED: ${report.violationCount} violation(s) of ${Object.keys(report.violationsBySignature).length} kind(s); ` +
      `${report.serverErrors} 5xx, ${report.specViolations} answer(s) the spec does not allow. Replay: ${replay} npm run fuzz`,
  );
  process.exitCode = 1;
} else console.log('\nOK: no violations.');
