// What one fuzz run shares between its parts (the runner in fuzzer.ts, the request drawer, the
// executor and the oracle): the spec model and its validators, the tokens, the limits the classifier
// assumes, the figures, and where violations go. Made once by runFuzz, passed to each part.
import type { SpecValidator } from '../../../openapi/test/spec.ts';
import type { ClassifyLimits, WireRequest } from './classify.ts';
import type { Figures } from './fuzz-report.ts';
import type { SpecModel } from './spec-model.ts';
import type { RequestPlan } from './valid-requests.ts';

/** A server bug found by the fuzz, reported and not yet fixed (see KNOWN_BUGS in fuzzer.ts). */
export interface KnownBug {
  id: string;
  description: string;
  matches: (plan: RequestPlan, wire: WireRequest) => boolean;
}

export interface FuzzSession {
  readonly model: SpecModel;
  /** Validates request parts (classification); a validator of its own, apart from the answers'. */
  readonly requestValidator: SpecValidator;
  readonly responseValidator: SpecValidator;
  readonly figures: Figures;
  readonly tokens: { readonly partner: string; readonly other: string };
  readonly limits: ClassifyLimits;
  /** For each status, the schema the operations' responses use for it (see errorSchemas in oracle.ts). */
  readonly errorSchemaPointers: Map<string, string>;
  /** Leave out the requests of known bugs. */
  readonly skipKnownBugs: boolean;
  readonly knownBugs: readonly KnownBug[];
  /** Records a violation (and throws at once when the run fails fast). */
  violate(signature: string, message: string): void;
}
