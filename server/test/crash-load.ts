// What the crash tests' load is made of: the settings from the environment (CRASH_CYCLES, ...), the
// seeded PRNG behind every choice, the cart lines and customers written, how a cart state is told
// apart (its signature), and one HTTP call that tells a lost answer (NoAnswer) from a real one.
// Shared by the SIGKILL loop (crash-loop.ts), its checks (crash-checks.ts) and the SIGTERM test.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { e5Line } from './harness.ts';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
};
export const CYCLES = positive('CRASH_CYCLES', 5);
/** Every other worker sends MS-RequestId (crash-loop.ts): 8 keeps 4 writes of each kind in flight at each kill. */
export const WORKERS = positive('CRASH_WORKERS', 8);
export const MIN_LOAD_MS = positive('CRASH_MIN_LOAD_MS', 150);
export const MAX_LOAD_MS = Math.max(MIN_LOAD_MS, positive('CRASH_MAX_LOAD_MS', 900));
const FIXED_SEED = process.env['CRASH_SEED'] === undefined ? undefined : Number(process.env['CRASH_SEED']) >>> 0;
/** The seed of one test: CRASH_SEED when set, else a new one (printed with the figures and on failure). */
export const newSeed = (): number => FIXED_SEED ?? randomInt(0, 2 ** 32);

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const between = (rand: () => number, low: number, high: number): number =>
  low + Math.floor(rand() * (high - low + 1));

/** Three lines in three order groups: "0" (monthly), "1" (annual), "OMS-0" (a legacy offer). */
export const LINES = [
  (quantity: number) => e5Line(quantity),
  (quantity: number) => ({
    catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ',
    quantity,
    billingCycle: 'annual',
    termDuration: 'P1Y',
  }),
  (quantity: number) => ({ catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity, billingCycle: 'monthly' }),
];

/** What identifies a cart state in this test: its status and the quantity of each line. */
export const signature = (cart: any): string =>
  `${cart.status}|${(cart.lineItems as any[]).map((line) => line.quantity).join(',')}`;
export const groupsOf = (cart: any): string[] =>
  [...new Set((cart.lineItems as any[]).map((line) => String(line.orderGroup)))].sort();
export const byId = (orders: any[]): any[] => [...orders].sort((a, b) => String(a.id).localeCompare(String(b.id)));

/** One customer per cart, so that a customer's orders are exactly its cart's. Customer 0 is never written. */
export function customerGuid(n: number): string {
  return `c2a5e000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function isDeepEqual(actual: unknown, expected: unknown): boolean {
  try {
    assert.deepStrictEqual(actual, expected);
    return true;
  } catch {
    return false;
  }
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** The request never got a whole answer: refused, reset, or cut off mid-body. */
export class NoAnswer extends Error {}

export async function call(
  baseUrl: string,
  bearer: string,
  method: string,
  path: string,
  body?: string,
  requestId?: string,
): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (requestId !== undefined) headers['ms-requestid'] = requestId;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(20_000),
    });
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new NoAnswer(
      `${method} ${path}: ${String(error)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`,
    );
  }
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}
