// What the SQLite and the PostgreSQL store share in reading the test controls' tables: a rule's row
// and how many old journal entries one trim looks at.
import type { StoredRule } from './store.ts';

/** A row of forced_rules, as both drivers return it. */
export interface RuleRow {
  body: string;
  remaining: number;
  draws: number | null;
}

/** The rule as stored: its JSON, with the calls left and draw state from their columns. */
export function storedRule(row: RuleRow): StoredRule {
  const rule = { ...(JSON.parse(row.body) as StoredRule['rule']), remaining: Number(row.remaining) };
  return row.draws === null ? { rule } : { rule, draws: Number(row.draws) };
}

/** How many of the oldest journal entries (of any partner) one trim looks at for ones past their age. */
export const JOURNAL_SWEEP = 100;
