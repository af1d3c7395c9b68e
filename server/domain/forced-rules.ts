// Forced answers and faults (the test controls' rules): the next calls of an operation, for one
// partner (and optionally one customer), get an effect instead of their answer. Kept in the store, so
// that every instance on one database applies the same rules: a rule set through one instance forces
// the answer on another, and a rule's calls are consumed one at a time across all of them. A rule lives
// until its calls are spent, it is removed, or the partner is reset.
import { randomUUID } from 'node:crypto';
import type {
  SchemaForcedRule as ForcedRule,
  SchemaForcedEffect as ForcedEffect,
  SchemaForcedRuleRequest as ForcedRuleRequest,
} from '../../generated/sandbox-controls-types.ts';
import type { Store, StoredRule } from '../store/store.ts';
import { DomainError } from './errors.ts';

export type { ForcedRule, ForcedEffect, ForcedRuleRequest };

/** The most rules a partner has at once. */
export const MAX_RULES_PER_PARTNER = 100;

export class ForcedRules {
  readonly #store: Store;
  readonly #operationIds: ReadonlySet<string>;

  /** `operationIds`: the Partner Center API's operations, the only ones a rule may name. */
  constructor(store: Store, operationIds: Iterable<string>) {
    this.#store = store;
    this.#operationIds = new Set(operationIds);
  }

  async add(partnerId: string, request: ForcedRuleRequest): Promise<ForcedRule> {
    const problems = problemsOf(request, this.#operationIds);
    if (problems.length > 0)
      throw new DomainError(
        'invalid-input',
        `Invalid request input: ${problems.length} field${problems.length === 1 ? ' is' : 's are'} not valid.`,
        problems,
      );
    const rule: ForcedRule = {
      id: randomUUID(),
      operationId: request.operationId,
      ...(request.customerId ? { customerId: request.customerId.toLowerCase() } : {}),
      remaining: request.times ?? 1,
      ...(request.probability !== undefined ? { probability: request.probability, seed: request.seed ?? 1 } : {}),
      effect: { ...request.effect },
    };
    const stored: StoredRule = rule.seed === undefined ? { rule } : { rule, draws: rule.seed };
    if (!(await this.#store.insertRule(partnerId, stored, MAX_RULES_PER_PARTNER))) {
      throw new DomainError(
        'invalid-input',
        `Invalid request input: a partner has at most ${MAX_RULES_PER_PARTNER} rules; remove some first.`,
        [`body: at most ${MAX_RULES_PER_PARTNER} rules in force`],
      );
    }
    return rule;
  }

  async list(partnerId: string): Promise<ForcedRule[]> {
    return (await this.#store.rules(partnerId)).map((stored) => stored.rule);
  }

  async clear(partnerId: string): Promise<void> {
    await this.#store.deleteRules(partnerId);
  }

  /**
   * The effect for this call, if a rule matches it; that rule has one call fewer left. Rules are tried
   * oldest first; a rule with `probability` draws for every matching call that reaches it, applied or
   * not, so its sequence is the seed's whichever instance serves the calls.
   */
  async take(
    partnerId: string,
    operationId: string,
    customerId: string | undefined,
  ): Promise<{ rule: ForcedRule; effect: ForcedEffect } | undefined> {
    const customer = customerId?.toLowerCase();
    const matches = ({ rule }: StoredRule) => !rule.customerId || rule.customerId === customer;
    // Nearly every call has no rule: one read, outside a transaction, says so.
    if (!(await this.#store.rules(partnerId, operationId)).some(matches)) return undefined;
    return this.#store.transaction(async () => {
      // Read again inside the transaction: the rules stay as read until it commits (store.rules).
      for (const stored of (await this.#store.rules(partnerId, operationId)).filter(matches)) {
        const applied = draw(stored);
        if (applied) stored.rule.remaining -= 1;
        if (applied || stored.draws !== undefined) await this.#store.updateRule(partnerId, stored);
        if (applied) return { rule: structuredClone(stored.rule), effect: structuredClone(stored.rule.effect) };
      }
      return undefined;
    });
  }
}

/** Whether a rule applies to this matching call: always, or by its next seeded draw (which advances `draws`). */
function draw(stored: StoredRule): boolean {
  const { probability } = stored.rule;
  if (probability === undefined || stored.draws === undefined) return true;
  // mulberry32: a small generator whose sequence a seed fixes, so that a run can be repeated.
  const state = (stored.draws + 0x6d2b79f5) | 0;
  stored.draws = state;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296 < probability;
}

/** What the schema cannot say: an operation that exists, and the fields each effect needs. */
function problemsOf(request: ForcedRuleRequest, operationIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (!operationIds.has(request.operationId))
    problems.push(
      `body.operationId: ${request.operationId} is not an operation of the Partner Center API (${[...operationIds].join(', ')})`,
    );
  const { type, status, ms, retryAfterSeconds } = request.effect;
  if (type === 'status' && status === undefined) problems.push('body.effect.status: required with type status');
  if (type !== 'status' && status !== undefined) problems.push('body.effect.status: only with type status');
  if (type === 'latency' && ms === undefined) problems.push('body.effect.ms: required with type latency');
  if (type !== 'latency' && ms !== undefined) problems.push('body.effect.ms: only with type latency');
  if (request.seed !== undefined && request.probability === undefined)
    problems.push('body.seed: only with probability');
  if (retryAfterSeconds !== undefined && !(type === 'status' && (status === 429 || status === 503)))
    problems.push('body.effect.retryAfterSeconds: only with status 429 or 503');
  return problems;
}
