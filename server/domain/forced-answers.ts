// Forced answers and faults (the test controls' rules): the next calls of an operation, for one
// partner (and optionally one customer), get an effect instead of their answer. Kept by this instance,
// in memory: a rule is a test's instruction to the sandbox it talks to, and lives until its calls are
// spent, it is removed, or the partner is reset.
import { randomUUID } from 'node:crypto';
import type { components } from '../../generated/sandbox-controls-types.ts';
import { DomainError } from './errors.ts';

type Schemas = components['schemas'];
export type ForcedRule = Schemas['ForcedRule'];
export type ForcedEffect = Schemas['ForcedEffect'];
export type ForcedRuleRequest = Schemas['ForcedRuleRequest'];

/** The most rules a partner has at once. */
export const MAX_RULES_PER_PARTNER = 100;

/** A rule, with the state of its seeded draws (mulberry32). */
type HeldRule = ForcedRule & { draws?: number };

export class ForcedAnswers {
  readonly #rules = new Map<string, HeldRule[]>();
  readonly #operationIds: ReadonlySet<string>;

  /** `operationIds`: the Partner Center API's operations, the only ones a rule may name. */
  constructor(operationIds: Iterable<string>) {
    this.#operationIds = new Set(operationIds);
  }

  add(partnerId: string, request: ForcedRuleRequest): ForcedRule {
    const problems = problemsOf(request, this.#operationIds);
    if (problems.length > 0) throw new DomainError('invalid-input', `Invalid request input: ${problems.length} field${problems.length === 1 ? ' is' : 's are'} not valid.`, problems);
    const rules = this.#rules.get(partnerId) ?? [];
    if (rules.length >= MAX_RULES_PER_PARTNER) {
      throw new DomainError('invalid-input', `Invalid request input: a partner has at most ${MAX_RULES_PER_PARTNER} rules; remove some first.`, [
        `body: at most ${MAX_RULES_PER_PARTNER} rules in force`,
      ]);
    }
    const rule: HeldRule = {
      id: randomUUID(),
      operationId: request.operationId,
      ...(request.customerId ? { customerId: request.customerId.toLowerCase() } : {}),
      remaining: request.times ?? 1,
      ...(request.probability !== undefined ? { probability: request.probability, seed: request.seed ?? 1, draws: request.seed ?? 1 } : {}),
      effect: { ...request.effect },
    };
    this.#rules.set(partnerId, [...rules, rule]);
    return publicRule(rule);
  }

  list(partnerId: string): ForcedRule[] {
    return (this.#rules.get(partnerId) ?? []).map(publicRule);
  }

  clear(partnerId: string): void {
    this.#rules.delete(partnerId);
  }

  /** The effect for this call, if a rule matches it; that rule has one call fewer left. */
  take(partnerId: string, operationId: string, customerId: string | undefined): { rule: ForcedRule; effect: ForcedEffect } | undefined {
    const rules = this.#rules.get(partnerId);
    const rule = rules?.find((candidate) => candidate.operationId === operationId && (!candidate.customerId || candidate.customerId === customerId?.toLowerCase()) && applies(candidate));
    if (!rules || !rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.#rules.set(partnerId, rules.filter((candidate) => candidate !== rule));
    return { rule: { ...publicRule(rule), remaining: Math.max(rule.remaining, 0) }, effect: structuredClone(rule.effect) };
  }
}

/** Whether a rule applies to this matching call: always, or by its next seeded draw. */
function applies(rule: HeldRule): boolean {
  if (rule.probability === undefined || rule.draws === undefined) return true;
  // mulberry32: a small generator whose sequence a seed fixes, so that a run can be repeated.
  rule.draws = (rule.draws + 0x6d2b79f5) | 0;
  let t = Math.imul(rule.draws ^ (rule.draws >>> 15), 1 | rule.draws);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < rule.probability;
}

function publicRule(rule: HeldRule): ForcedRule {
  const { draws: _draws, ...shown } = rule;
  return structuredClone(shown);
}

/** What the schema cannot say: an operation that exists, and the fields each effect needs. */
function problemsOf(request: ForcedRuleRequest, operationIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (!operationIds.has(request.operationId)) problems.push(`body.operationId: ${request.operationId} is not an operation of the Partner Center API (${[...operationIds].join(', ')})`);
  const { type, status, ms, retryAfterSeconds } = request.effect;
  if (type === 'status' && status === undefined) problems.push('body.effect.status: required with type status');
  if (type !== 'status' && status !== undefined) problems.push('body.effect.status: only with type status');
  if (type === 'latency' && ms === undefined) problems.push('body.effect.ms: required with type latency');
  if (type !== 'latency' && ms !== undefined) problems.push('body.effect.ms: only with type latency');
  if (request.seed !== undefined && request.probability === undefined) problems.push('body.seed: only with probability');
  if (retryAfterSeconds !== undefined && !(type === 'status' && (status === 429 || status === 503))) problems.push('body.effect.retryAfterSeconds: only with status 429 or 503');
  return problems;
}
