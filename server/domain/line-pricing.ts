/**
 * Pricing of a line: list price, promotion, proration to a custom term end date, and the total for
 * the term. Part of the evaluation of line items (line-items.ts).
 */
import {
  CYCLE_MONTHS,
  TERM_MONTHS,
  offersFor,
  type BillingCycle,
  type CatalogItem,
  type MarketInfo,
  type TermDuration,
} from './catalog.ts';
import type { AnyLineInput, Pricing } from './line-items.ts';

const DAY_MS = 86_400_000;

/** The item's promotion of that id (compared ignoring case). */
export function findPromotion(item: CatalogItem, promotionId: string) {
  return item.promotions.find((p) => p.promotionId.toLowerCase() === promotionId.toLowerCase());
}

/** Rounds half away from zero to 2 decimals, on the decimal representation (so 364.79999... is 364.8). */
export function round2(value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e15) return value;
  const sign = value < 0 ? -1 : 1;
  return sign * Number(`${Math.round(Number(`${Math.abs(value)}e2`))}e-2`);
}

/**
 * `months` calendar months after `date`, in UTC; the day is clamped to the last of the month (Jan 31 + 1 = Feb 29 or
 * 28).
 */
export function addMonthsUtc(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      y,
      m,
      Math.min(date.getUTCDate(), lastDay),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}

/**
 * Number of billing periods in the term: term months / cycle months for periodic cycles
 * (monthly on P1Y = 12, annual on P3Y = 3), 1 for one_time and for an item bought without a term
 * (one period), 0 for none (never charged).
 */
export function billingPeriods(termDuration: TermDuration | undefined, cycle: BillingCycle): number {
  if (cycle === 'none' || cycle === 'unknown') return 0;
  if (cycle === 'one_time' || termDuration === undefined) return 1;
  return TERM_MONTHS[termDuration] / CYCLE_MONTHS[cycle];
}

/**
 * Pricing of an error-free line whose item has a list price for (term, billingCycle, market):
 * listPrice = the catalog's price per billing period; discountedPrice = after the applied
 * promotion's percentage; proratedPrice = discountedPrice × (days from now to customTermEndDate ÷
 * days of the full first term) when a customTermEndDate is given, else discountedPrice;
 * price = proratedPrice; extendedPrice = price × quantity × billingPeriods. Each figure is rounded
 * to 2 decimals before the next is computed from it.
 */
export function priceLine(
  line: AnyLineInput,
  item: CatalogItem,
  market: MarketInfo,
  discountPercent: number,
  now: Date,
): Pricing | undefined {
  const list = offersFor(item, line.termDuration)?.[line.billingCycle]?.[market.country];
  if (list === undefined) return undefined;
  const listPrice = round2(list);
  const discountedPrice = round2(listPrice * (1 - discountPercent / 100));
  let fraction = 1;
  if (line.customTermEndDate !== undefined && line.termDuration !== undefined) {
    const start = now.getTime();
    const termDays = Math.round((addMonthsUtc(now, TERM_MONTHS[line.termDuration]).getTime() - start) / DAY_MS);
    const days = Math.ceil((Date.parse(line.customTermEndDate) - start) / DAY_MS);
    fraction = Math.min(1, days / termDays);
  }
  const proratedPrice = round2(discountedPrice * fraction);
  const extendedPrice = round2(proratedPrice * line.quantity * billingPeriods(line.termDuration, line.billingCycle));
  return { listPrice, discountedPrice, proratedPrice, price: proratedPrice, extendedPrice };
}
