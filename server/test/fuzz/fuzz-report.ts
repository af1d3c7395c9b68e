// The fuzz's figures: counts by operation, status, mutation and verdict, and the violations found
// (the first of each signature kept whole), as the runner gathers them and as they are printed by
// fuzz.test.ts (compact) and run.ts (in full).
export interface Violation {
  /** What kind of failure, where: groups repeats of one bug. */
  signature: string;
  message: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  /** Read-backs, liveness checks and set-up requests. */
  oracleRequests: number;
  durationMs: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  byMutation: Record<string, number>;
  byVerdict: Record<string, number>;
  /** `operation status` and `verdict status` pairs. */
  byOperationStatus: Record<string, number>;
  byVerdictStatus: Record<string, number>;
  serverErrors: number;
  specViolations: number;
  /** All violations (5xx, contract, state, oracle), the first of each signature kept in `violations`. */
  violationCount: number;
  violations: Violation[];
  violationsBySignature: Record<string, number>;
  skippedKnownBugs: Record<string, number>;
}

/** The figures as the runner counts them (a FuzzReport without seed and duration). */
export class Figures {
  requests = 0;
  oracleRequests = 0;
  byOperation: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  byMutation: Record<string, number> = {};
  byVerdict: Record<string, number> = {};
  byOperationStatus: Record<string, number> = {};
  byVerdictStatus: Record<string, number> = {};
  serverErrors = 0;
  specViolations = 0;
  violationCount = 0;
  violations: Violation[] = [];
  violationsBySignature: Record<string, number> = {};
  skippedKnownBugs: Record<string, number> = {};
}

export const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** The figures as lines of text. */
export function formatReport(report: FuzzReport, options: { compact?: boolean } = {}): string {
  const sorted = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key} ${count}`)
      .join(', ');
  const lines = [
    `fuzz: seed ${report.seed}, ${report.requests} requests (+${report.oracleRequests} oracle and set-up requests) in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  by operation: ${sorted(report.byOperation)}`,
    `  by status: ${sorted(report.byStatus)}`,
    `  by mutation: ${sorted(report.byMutation)}`,
    `  by verdict of the spec: ${sorted(report.byVerdict)}`,
    ...(options.compact
      ? []
      : [
          `  by operation and status: ${sorted(report.byOperationStatus)}`,
          `  by verdict and status: ${sorted(report.byVerdictStatus)}`,
        ]),
    `  5xx: ${report.serverErrors}, spec violations: ${report.specViolations}, all violations: ${report.violationCount}`,
  ];
  if (Object.keys(report.skippedKnownBugs).length > 0)
    lines.push(`  left out (known bugs): ${sorted(report.skippedKnownBugs)}`);
  for (const violation of report.violations)
    lines.push(
      `\n[${report.violationsBySignature[violation.signature]}×] ${violation.signature}\n${violation.message}`,
    );
  return lines.join('\n');
}
