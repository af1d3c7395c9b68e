// What every Store implementation must do, as one mocha suite: `describeStoreContract(name, open)`
// runs it against a store that `open` makes (fresh and empty for each test). store.test.ts runs it on
// SQLite; a second implementation (PostgreSQL) runs the same suite.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Cart, Order } from '../wire-types.ts';
import type { JournalEntry, Owner, Store, StoredOrder, StoredRule } from './store.ts';

/** The owner, cart and order the suite stores (also for the implementations' own tests). */
export const owner: Owner = {
  partnerId: '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b',
  customerId: 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d',
};
const otherPartner: Owner = { ...owner, partnerId: '0b6a7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d' };

export function cart(quantity = 1, id = randomUUID()): Cart {
  return {
    id,
    creationTimestamp: '2026-11-21T09:00:00.000Z',
    lastModifiedTimestamp: '2026-11-21T09:00:00.000Z',
    lastModifiedUser: 'user',
    status: 'Active',
    lineItems: [
      { id: 0, catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity, billingCycle: 'monthly', orderGroup: '0' },
    ],
    links: { self: { uri: `/customers/${owner.customerId}/carts/${id}`, method: 'GET', headers: [] } },
    attributes: { objectType: 'Cart' },
  };
}

export function order(id = randomUUID().slice(0, 12)): Order {
  return {
    id,
    referenceCustomerId: owner.customerId,
    billingCycle: 'monthly',
    currencyCode: 'USD',
    lineItems: [{ lineItemNumber: 0, offerId: 'X', quantity: 1 }],
    creationDate: '2026-11-21T09:00:00.000Z',
    status: 'completed',
  };
}

/** An order as stored, provisioned at `provisionedAt` (ms). */
export function storedOrder(id?: string, provisionedAt = 1_795_000_000_000): StoredOrder {
  return { order: order(id), provisionedAt };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A forced-answer rule as the domain stores it; with a seed, the draw state starts at the seed. */
export function storedRule(operationId = 'getCart', extra: Partial<StoredRule['rule']> = {}): StoredRule {
  const rule: StoredRule['rule'] = {
    id: randomUUID(),
    operationId,
    remaining: 2,
    ...extra,
    effect: { type: 'status', status: 503, retryAfterSeconds: 2 },
  };
  return rule.seed === undefined ? { rule } : { rule, draws: rule.seed };
}

/** A journal entry at `atMs`, with request id `requestId`. */
export function journalEntry(
  requestId: string,
  atMs = 1_795_000_000_000,
  extra: Partial<JournalEntry> = {},
): JournalEntry {
  return {
    at: new Date(atMs).toISOString(),
    method: 'GET',
    // The store keeps the path as given; a catalog path keeps route templates out of server/ (stubs.test.ts).
    path: '/v1/products?country=US&targetView=OnlineServices',
    operationId: 'listProducts',
    status: 200,
    requestId,
    correlationId: `flow-of-${requestId}`,
    replayed: false,
    ignoredProperties: [],
    errorDetails: [],
    instance: 'host:1',
    ...extra,
  };
}

/** The journal query that finds everything of the last `window` entries since the epoch. */
const everything = { window: 1000, since: 0, limit: 1000 };

export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    it('keeps a cart with its entity tag, for its owner only', async () => {
      const stored = { cart: cart(), etag: '"v1"' };
      await store.insertCart(owner, stored);
      assert.deepEqual(await store.findCart(owner, stored.cart.id), stored);
      assert.deepEqual(
        await store.findCart(owner, stored.cart.id.toUpperCase()),
        stored,
        'cart ids are matched without regard to case',
      );
      assert.equal(await store.findCart(otherPartner, stored.cart.id), undefined);
      assert.equal(await store.findCart(owner, randomUUID()), undefined);
      const changed = { cart: { ...stored.cart, status: 'Ordered' as const }, etag: '"v2"' };
      await store.updateCart(owner, changed);
      assert.deepEqual(await store.findCart(owner, stored.cart.id), changed);
    });

    it('a transaction commits everything or nothing', async () => {
      const kept = cart();
      const lost = cart();
      await store.transaction(async () => {
        await store.insertCart(owner, { cart: kept, etag: '"a"' });
      });
      await assert.rejects(
        store.transaction(async () => {
          await store.insertCart(owner, { cart: lost, etag: '"b"' });
          await store.insertOrder(owner, lost.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 3 }]);
          throw new Error('fails after writing');
        }),
        /fails after writing/,
      );
      assert.ok(await store.findCart(owner, kept.id));
      assert.equal(await store.findCart(owner, lost.id), undefined);
      assert.equal((await store.ordersOfCart(owner, lost.id)).size, 0);
      assert.equal((await store.purchasedSeats(owner, ['p:s'])).get('p:s'), 0);
    });

    it('transactions never interleave: concurrent read-change-writes of one cart lose no change', async () => {
      const first = cart(0);
      await store.insertCart(owner, { cart: first, etag: '"0"' });
      const increment = () =>
        store.transaction(async () => {
          const stored = await store.findCart(owner, first.id);
          assert.ok(stored);
          await tick(); // another request would run here if transactions interleaved
          const line = stored.cart.lineItems[0]!;
          await store.updateCart(owner, {
            cart: { ...stored.cart, lineItems: [{ ...line, quantity: line.quantity + 1 }] },
            etag: '"n"',
          });
        });
      await Promise.all(Array.from({ length: 20 }, increment));
      assert.equal((await store.findCart(owner, first.id))?.cart.lineItems[0]?.quantity, 20);
    });

    it('a read from outside never sees the writes of a transaction still open', async () => {
      const pending = cart();
      let seenDuring: unknown = 'not read';
      let release!: () => void;
      const open = new Promise<void>((resolve) => (release = resolve));
      const transaction = store.transaction(async () => {
        await store.insertCart(owner, { cart: pending, etag: '"p"' });
        await open;
        throw new Error('rolled back');
      });
      const read = store.findCart(owner, pending.id).then((found) => (seenDuring = found));
      await tick();
      release();
      await assert.rejects(transaction, /rolled back/);
      await read;
      assert.equal(seenDuring, undefined);
    });

    it('a transaction started inside another joins it', async () => {
      const inner = cart();
      await store.transaction(async () => {
        await store.transaction(async () => store.insertCart(owner, { cart: inner, etag: '"i"' }));
        assert.ok(await store.findCart(owner, inner.id), 'the outer transaction sees what the inner one wrote');
      });
      assert.ok(await store.findCart(owner, inner.id));
    });

    it("keeps a cart's orders by order group, lists the owner's newest first, and counts their seats", async () => {
      const a = cart();
      const [first, second, third] = [storedOrder(), storedOrder(undefined, 0), storedOrder()];
      await store.insertOrder(owner, a.id, '0', first, [{ productSku: 'p:s', quantity: 2 }]);
      await store.insertOrder(owner, a.id, '1', second, [
        { productSku: 'p:s', quantity: 3 },
        { productSku: 'q:t', quantity: 1 },
      ]);
      await store.insertOrder(owner, randomUUID(), '0', third, []);
      assert.deepEqual(
        [...(await store.ordersOfCart(owner, a.id)).entries()],
        [
          ['0', first],
          ['1', second],
        ],
      );
      assert.deepEqual(
        (await store.listOrders(owner)).map((o) => o.order.id),
        [third.order.id, second.order.id, first.order.id],
      );
      assert.deepEqual(await store.findOrder(owner, second.order.id), second);
      assert.equal(await store.findOrder(otherPartner, second.order.id), undefined);
      assert.deepEqual(await store.listOrders(otherPartner), []);
      assert.deepEqual(
        [...(await store.purchasedSeats(owner, ['p:s', 'q:t', 'none:0'])).entries()],
        [
          ['p:s', 5],
          ['q:t', 1],
          ['none:0', 0],
        ],
      );
      assert.equal((await store.purchasedSeats(otherPartner, ['p:s'])).get('p:s'), 0);
    });

    it('refuses a second order for the same order group of a cart, and writes none of it', async () => {
      const a = cart();
      await store.insertOrder(owner, a.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 1 }]);
      await assert.rejects(store.insertOrder(owner, a.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 5 }]));
      assert.equal((await store.ordersOfCart(owner, a.id)).size, 1);
      assert.equal((await store.purchasedSeats(owner, ['p:s'])).get('p:s'), 1);
    });

    it('replaces an order and gives back the seats of its cancelled lines, never below zero', async () => {
      const placed = storedOrder();
      await store.insertOrder(owner, randomUUID(), '0', placed, [
        { productSku: 'p:s', quantity: 4 },
        { productSku: 'q:t', quantity: 1 },
      ]);
      const cancelled: StoredOrder = {
        order: { ...placed.order, status: 'cancelled' },
        provisionedAt: placed.provisionedAt,
      };
      await store.updateOrder(owner, cancelled, [
        { productSku: 'p:s', quantity: 3 },
        { productSku: 'q:t', quantity: 2 },
      ]);
      assert.deepEqual(await store.findOrder(owner, placed.order.id), cancelled);
      assert.deepEqual(
        [...(await store.purchasedSeats(owner, ['p:s', 'q:t'])).entries()],
        [
          ['p:s', 1],
          ['q:t', 0],
        ],
      );
    });

    it("counts a partner's customers that have orders", async () => {
      assert.equal(await store.customersWithOrders(owner.partnerId), 0);
      await store.insertOrder(owner, randomUUID(), '0', storedOrder(), []);
      await store.insertOrder(owner, randomUUID(), '0', storedOrder(), []);
      await store.insertOrder({ ...owner, customerId: randomUUID() }, randomUUID(), '0', storedOrder(), []);
      await store.insertOrder(otherPartner, randomUUID(), '0', storedOrder(), []);
      assert.equal(await store.customersWithOrders(owner.partnerId), 2);
    });

    it("keeps each partner's clock offset, 0 until set", async () => {
      assert.equal(await store.clockOffset(owner.partnerId), 0);
      await store.setClockOffset(owner.partnerId, 8 * 86_400_000);
      await store.setClockOffset(owner.partnerId, 9 * 86_400_000);
      assert.equal(await store.clockOffset(owner.partnerId), 9 * 86_400_000);
      assert.equal(await store.clockOffset(otherPartner.partnerId), 0);
    });

    it('counts every one of concurrent clock advances, and raises an offset only upwards', async () => {
      await Promise.all(Array.from({ length: 20 }, () => store.advanceClockOffset(owner.partnerId, 1000)));
      assert.equal(await store.clockOffset(owner.partnerId), 20_000, 'twenty advances of 1 s');
      const raised: boolean[] = [];
      for (const to of [5_000, 60_000, 30_000]) raised.push(await store.raiseClockOffset(owner.partnerId, to));
      assert.deepEqual(raised, [false, true, false], 'below the offset, above it, below the new one');
      assert.equal(await store.clockOffset(owner.partnerId), 60_000);
      assert.equal(await store.raiseClockOffset(otherPartner.partnerId, 1), true, "another partner's first raise");
      assert.equal(await store.clockOffset(otherPartner.partnerId), 1);
    });

    it("a reset deletes everything of the partner's, and nothing of another's", async () => {
      for (const who of [owner, otherPartner]) {
        const stored = { cart: cart(), etag: '"r"' };
        await store.insertCart(who, stored);
        await store.insertOrder(who, stored.cart.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 2 }]);
        await store.recordRequest(who.partnerId, 'r-reset', {
          fingerprint: 'f',
          status: 201,
          body: '{}',
          recordedAt: 1000,
        });
        await store.setClockOffset(who.partnerId, 5000);
        assert.ok(await store.insertRule(who.partnerId, storedRule(), 100));
        await store.addJournalEntry(who.partnerId, journalEntry('j-reset'));
      }
      assert.deepEqual(await store.resetPartner(owner.partnerId), { carts: 1, orders: 1, recordedRequests: 1 });
      assert.deepEqual(await store.listOrders(owner), []);
      assert.equal((await store.purchasedSeats(owner, ['p:s'])).get('p:s'), 0);
      assert.equal(await store.findRecordedRequest(owner.partnerId, 'r-reset', 0), undefined);
      assert.equal(await store.clockOffset(owner.partnerId), 0);
      assert.equal(await store.customersWithOrders(owner.partnerId), 0);
      assert.equal((await store.listOrders(otherPartner)).length, 1, "the other partner's orders stay");
      assert.equal((await store.purchasedSeats(otherPartner, ['p:s'])).get('p:s'), 2);
      assert.ok(await store.findRecordedRequest(otherPartner.partnerId, 'r-reset', 0));
      assert.equal(await store.clockOffset(otherPartner.partnerId), 5000);
      assert.deepEqual(await store.rules(owner.partnerId), []);
      assert.deepEqual(await store.journalEntries(owner.partnerId, everything), []);
      assert.equal((await store.rules(otherPartner.partnerId)).length, 1, "the other partner's rule stays");
      assert.equal(
        (await store.journalEntries(otherPartner.partnerId, everything)).length,
        1,
        "the other partner's journal stays",
      );
    });

    it("keeps each partner's rules oldest first, by operation when asked, with their draw state, up to a cap", async () => {
      const first = storedRule('getCart', { customerId: owner.customerId });
      const second = storedRule('checkoutCart', { probability: 0.25, seed: 7 });
      const third = storedRule('getCart', { remaining: 1000 });
      for (const rule of [first, second, third]) assert.equal(await store.insertRule(owner.partnerId, rule, 3), true);
      assert.equal(await store.insertRule(owner.partnerId, storedRule(), 3), false, 'the cap: a fourth is refused');
      assert.equal(
        await store.insertRule(otherPartner.partnerId, storedRule(), 3),
        true,
        "another partner's count is its own",
      );
      assert.deepEqual(await store.rules(owner.partnerId), [first, second, third]);
      assert.deepEqual(await store.rules(owner.partnerId, 'getCart'), [first, third]);
      assert.deepEqual(await store.rules(owner.partnerId, 'listOrders'), []);
      assert.equal((await store.rules(otherPartner.partnerId)).length, 1);
    });

    it("saves a rule's calls left and draw state, and deletes it when none are left", async () => {
      const rule = storedRule('getCart', { probability: 0.5, seed: 1 });
      await store.insertRule(owner.partnerId, rule, 100);
      const drawn: StoredRule = { rule: { ...rule.rule, remaining: 1 }, draws: -123456789 };
      await store.updateRule(owner.partnerId, drawn);
      assert.deepEqual(await store.rules(owner.partnerId), [drawn]);
      await store.updateRule(owner.partnerId, { ...drawn, rule: { ...drawn.rule, remaining: 0 } });
      assert.deepEqual(await store.rules(owner.partnerId), []);
    });

    it('deletes the rules of one partner and says how many', async () => {
      await store.insertRule(owner.partnerId, storedRule(), 100);
      await store.insertRule(owner.partnerId, storedRule('listOrders'), 100);
      await store.insertRule(otherPartner.partnerId, storedRule(), 100);
      assert.equal(await store.deleteRules(owner.partnerId), 2);
      assert.deepEqual(await store.rules(owner.partnerId), []);
      assert.equal((await store.rules(otherPartner.partnerId)).length, 1);
    });

    it("a rule's calls are consumed one at a time: concurrent transactions that read and consume take exactly its calls", async () => {
      await store.insertRule(owner.partnerId, storedRule('getCart', { remaining: 5 }), 100);
      const consume = () =>
        store.transaction(async () => {
          const [held] = await store.rules(owner.partnerId, 'getCart');
          await tick(); // another consumer would run here if the rules did not stay as read
          if (!held) return false;
          await store.updateRule(owner.partnerId, {
            ...held,
            rule: { ...held.rule, remaining: held.rule.remaining - 1 },
          });
          return true;
        });
      const taken = await Promise.all(Array.from({ length: 12 }, consume));
      assert.equal(taken.filter(Boolean).length, 5);
      assert.deepEqual(await store.rules(owner.partnerId), []);
    });

    it('the cap on rules holds when many are added at once', async () => {
      const added = await Promise.all(
        Array.from({ length: 12 }, () => store.insertRule(owner.partnerId, storedRule(), 4)),
      );
      assert.equal(added.filter(Boolean).length, 4);
      assert.equal((await store.rules(owner.partnerId)).length, 4);
    });

    it("keeps each partner's journal newest first, found by request or correlation id, within its window and age", async () => {
      const entries = [
        journalEntry('j-1', 1000),
        journalEntry('j-2', 2000, { status: 0, forcedRule: 'r' }),
        journalEntry('j-1', 3000, { replayed: true }),
        journalEntry('j-3', 4000),
      ];
      for (const entry of entries) await store.addJournalEntry(owner.partnerId, entry);
      await store.addJournalEntry(otherPartner.partnerId, journalEntry('j-1', 5000));
      assert.deepEqual(
        await store.journalEntries(owner.partnerId, everything),
        [...entries].reverse(),
        'as added, newest first',
      );
      assert.deepEqual(await store.journalEntries(owner.partnerId, { ...everything, requestId: 'j-1' }), [
        entries[2],
        entries[0],
      ]);
      assert.deepEqual(await store.journalEntries(owner.partnerId, { ...everything, correlationId: 'flow-of-j-2' }), [
        entries[1],
      ]);
      assert.deepEqual(await store.journalEntries(owner.partnerId, { ...everything, limit: 2 }), [
        entries[3],
        entries[2],
      ]);
      assert.deepEqual(
        await store.journalEntries(owner.partnerId, { ...everything, since: 2000 }),
        [entries[3], entries[2], entries[1]],
        'not older than asked',
      );
      assert.deepEqual(
        await store.journalEntries(owner.partnerId, { ...everything, window: 2, requestId: 'j-1' }),
        [entries[2]],
        'only among the newest `window`',
      );
      assert.deepEqual(await store.journalEntries(otherPartner.partnerId, everything), [journalEntry('j-1', 5000)]);
    });

    it('trims the journal to its newest entries and its age, and sweeps old entries of partners no longer calling', async () => {
      for (let i = 1; i <= 8; i++) await store.addJournalEntry(owner.partnerId, journalEntry(`t-${i}`, i * 1000));
      await store.addJournalEntry(otherPartner.partnerId, journalEntry('old', 500));
      await store.addJournalEntry(otherPartner.partnerId, journalEntry('recent', 9000));
      // Keep the newest 5 of the owner's (t-4..t-8) and nothing before 5000 (t-4 goes too); the other
      // partner's entry from 500 goes with the sweep, its recent one stays.
      assert.equal(await store.trimJournal(owner.partnerId, 5, 5000), 5);
      assert.deepEqual(
        (await store.journalEntries(owner.partnerId, everything)).map((entry) => entry.requestId),
        ['t-8', 't-7', 't-6', 't-5'],
      );
      assert.deepEqual(
        (await store.journalEntries(otherPartner.partnerId, everything)).map((entry) => entry.requestId),
        ['recent'],
      );
      assert.equal(await store.trimJournal(owner.partnerId, 5, 5000), 0, 'nothing more to trim');
    });

    it('records answers by partner and request id, finds them while recent, replaces and forgets old ones', async () => {
      const record = { fingerprint: 'f1', status: 201, body: '{"a":1}', etag: '"e"', recordedAt: 1000 };
      await store.recordRequest(owner.partnerId, 'r-1', record);
      await store.recordRequest(owner.partnerId, 'r-2', {
        fingerprint: 'f2',
        status: 201,
        body: '{}',
        recordedAt: 5000,
      });
      assert.deepEqual(await store.findRecordedRequest(owner.partnerId, 'r-1', 0), record);
      assert.equal(await store.findRecordedRequest(owner.partnerId, 'r-1', 1001), undefined, 'older than asked for');
      assert.equal(await store.findRecordedRequest(otherPartner.partnerId, 'r-1', 0), undefined);
      const replacement = { fingerprint: 'f3', status: 200, body: '[]', recordedAt: 9000 };
      await store.recordRequest(owner.partnerId, 'r-1', replacement);
      assert.deepEqual(await store.findRecordedRequest(owner.partnerId, 'r-1', 0), replacement);
      assert.equal(await store.forgetRequestsBefore(6000), 1);
      assert.equal(await store.findRecordedRequest(owner.partnerId, 'r-2', 0), undefined);
      assert.ok(await store.findRecordedRequest(owner.partnerId, 'r-1', 0));
    });

    describe('snapshots', () => {
      const DAY = 86_400_000;
      const savedAt = 1_795_000_000_000;
      const otherCustomer: Owner = { ...owner, customerId: '8e1f0c3a-6b2d-4c5e-9f7a-1b2c3d4e5f60' };
      /** A cart whose body has what a copy could change: quotes, backslashes, escapes, non-ASCII, lone surrogates. */
      const awkwardCart = (): Cart => ({
        ...cart(3),
        lastModifiedUser: 'é "quoted" \\ back\\slash \u0000 nul \u2028 😀 \ud800 lone',
      });
      const record = (fingerprint: string, recordedAt: number, etag?: string) => ({
        fingerprint,
        status: 201,
        body: JSON.stringify({ id: fingerprint, note: 'ä "q" \\' }),
        ...(etag ? { etag } : {}),
        recordedAt,
      });

      /** The partner's state as the store reads it back, for comparing before and after. */
      async function stateOf(who: Owner, cartIds: string[], requestIds: string[]) {
        return {
          carts: await Promise.all(cartIds.map((id) => store.findCart(who, id))),
          orders: await store.listOrders(who),
          seats: [...(await store.purchasedSeats(who, ['p:s', 'q:t'])).entries()],
          recorded: await Promise.all(requestIds.map((id) => store.findRecordedRequest(who.partnerId, id, 0))),
          clock: await store.clockOffset(who.partnerId),
          customersWithOrders: await store.customersWithOrders(who.partnerId),
        };
      }

      it('gives back exactly the carts (bodies and entity tags), orders, seats, recorded answers and clock saved', async () => {
        const kept = { cart: awkwardCart(), etag: '"kept-1"' };
        const untagged = { cart: cart(1) }; // a cart from before entity tags were kept has none
        const elsewhere = { cart: cart(2), etag: '"elsewhere"' };
        await store.insertCart(owner, kept);
        await store.insertCart(owner, untagged);
        await store.insertCart(otherCustomer, elsewhere);
        const pending = storedOrder(undefined, savedAt + 60_000);
        const provisioned = storedOrder(undefined, 0);
        await store.insertOrder(owner, kept.cart.id, '0', pending, [{ productSku: 'p:s', quantity: 3 }]);
        await store.insertOrder(owner, kept.cart.id, '1', provisioned, [{ productSku: 'q:t', quantity: 1 }]);
        await store.insertOrder(otherCustomer, elsewhere.cart.id, '0', storedOrder(), [
          { productSku: 'p:s', quantity: 7 },
        ]);
        await store.recordRequest(owner.partnerId, 'before-save', record('f-before', savedAt - 1000, '"kept-1"'));
        await store.recordRequest(owner.partnerId, 'before-save-2', record('f-before-2', savedAt - 500));
        await store.setClockOffset(owner.partnerId, 8 * DAY);
        const cartIds = [kept.cart.id, untagged.cart.id];
        const requestIds = ['before-save', 'before-save-2', 'after-save'];
        const before = {
          owner: await stateOf(owner, cartIds, requestIds),
          otherCustomer: await stateOf(otherCustomer, [elsewhere.cart.id], []),
        };

        const saved = await store.saveSnapshot(owner.partnerId, 'baseline', savedAt, 20);
        const summary = { name: 'baseline', savedAt, clockOffsetMs: 8 * DAY, carts: 3, orders: 3 };
        assert.deepEqual(saved, { snapshot: summary, replaced: false });

        // Everything changes after the save; rules and the journal are added too.
        const added = cart();
        await store.insertCart(owner, { cart: added, etag: '"added"' });
        await store.updateCart(owner, { cart: { ...kept.cart, status: 'Ordered' }, etag: '"kept-2"' });
        await store.updateOrder(owner, { ...pending, order: { ...pending.order, status: 'cancelled' } }, [
          { productSku: 'p:s', quantity: 3 },
        ]);
        await store.insertOrder(owner, added.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 5 }]);
        await store.insertOrder({ ...owner, customerId: randomUUID() }, randomUUID(), '0', storedOrder(), []);
        await store.recordRequest(owner.partnerId, 'before-save', record('f-replaced', savedAt + 5000));
        await store.recordRequest(owner.partnerId, 'after-save', record('f-after', savedAt + 6000));
        await store.setClockOffset(owner.partnerId, 20 * DAY);
        assert.ok(await store.insertRule(owner.partnerId, storedRule(), 100));
        await store.addJournalEntry(owner.partnerId, journalEntry('after-save'));

        assert.deepEqual(await store.restoreSnapshot(owner.partnerId, 'baseline'), summary);
        assert.deepEqual(await stateOf(owner, cartIds, requestIds), before.owner);
        assert.deepEqual(await stateOf(otherCustomer, [elsewhere.cart.id], []), before.otherCustomer);
        assert.equal(await store.findCart(owner, added.id), undefined, 'the cart made after the save is gone');
        assert.equal((await store.ordersOfCart(owner, added.id)).size, 0);
        assert.deepEqual(
          [...(await store.ordersOfCart(owner, kept.cart.id)).entries()],
          [
            ['0', pending],
            ['1', provisioned],
          ],
          'orders keep their cart and order group',
        );
        assert.equal((await store.rules(owner.partnerId)).length, 1, 'the rules are not part of a snapshot');
        assert.deepEqual(
          (await store.journalEntries(owner.partnerId, everything)).map((entry) => entry.requestId),
          ['after-save'],
          'nor the journal',
        );
        // The owner's orders go on being numbered after the restored ones, newest first.
        const next = storedOrder();
        await store.insertOrder(owner, randomUUID(), '0', next, []);
        assert.deepEqual(
          (await store.listOrders(owner)).map((listed) => listed.order.id),
          [next.order.id, ...before.owner.orders.map((listed) => listed.order.id)],
        );
        assert.deepEqual(
          await store.restoreSnapshot(owner.partnerId, 'baseline'),
          summary,
          'a snapshot stays, to be restored again',
        );
        assert.deepEqual(await stateOf(owner, cartIds, requestIds), before.owner);
      });

      it("belongs to its partner: another partner's state, snapshots and names are its own", async () => {
        await store.insertCart(owner, { cart: cart(), etag: '"mine"' });
        const theirs = { cart: cart(), etag: '"theirs"' };
        await store.insertCart(otherPartner, theirs);
        await store.setClockOffset(otherPartner.partnerId, 3 * DAY);
        await store.saveSnapshot(owner.partnerId, 'baseline', savedAt, 20);
        assert.deepEqual(await store.listSnapshots(otherPartner.partnerId), []);
        assert.equal(await store.restoreSnapshot(otherPartner.partnerId, 'baseline'), undefined);
        assert.equal(await store.deleteSnapshot(otherPartner.partnerId, 'baseline'), false);
        const other = await store.saveSnapshot(otherPartner.partnerId, 'baseline', savedAt + 1, 20);
        assert.deepEqual(
          other,
          {
            snapshot: { name: 'baseline', savedAt: savedAt + 1, clockOffsetMs: 3 * DAY, carts: 1, orders: 0 },
            replaced: false,
          },
          'the same name is another snapshot for another partner',
        );
        await store.insertCart(otherPartner, { cart: cart(), etag: '"later"' });
        await store.restoreSnapshot(owner.partnerId, 'baseline');
        assert.equal((await store.listSnapshots(owner.partnerId))[0]?.savedAt, savedAt);
        assert.deepEqual(await store.findCart(otherPartner, theirs.cart.id), theirs);
        assert.equal(await store.clockOffset(otherPartner.partnerId), 3 * DAY, "a restore leaves another's alone");
        assert.equal((await store.listSnapshots(otherPartner.partnerId)).length, 1);
      });

      it('replaces a snapshot of the same name; lists them by name; deletes one; an unknown name changes nothing', async () => {
        await store.insertCart(owner, { cart: cart(), etag: '"1"' });
        assert.equal((await store.saveSnapshot(owner.partnerId, 'b-one', savedAt, 20))?.replaced, false);
        assert.equal((await store.saveSnapshot(owner.partnerId, 'A.two', savedAt, 20))?.replaced, false);
        await store.insertCart(owner, { cart: cart(), etag: '"2"' });
        await store.setClockOffset(owner.partnerId, DAY);
        assert.deepEqual(await store.saveSnapshot(owner.partnerId, 'b-one', savedAt + 10, 20), {
          snapshot: { name: 'b-one', savedAt: savedAt + 10, clockOffsetMs: DAY, carts: 2, orders: 0 },
          replaced: true,
        });
        assert.deepEqual(
          (await store.listSnapshots(owner.partnerId)).map(({ name, carts }) => [name, carts]),
          [
            ['A.two', 1],
            ['b-one', 2],
          ],
          "by name, in the order of the characters' codes (upper case first)",
        );
        assert.equal(await store.restoreSnapshot(owner.partnerId, 'none'), undefined);
        assert.equal(await store.deleteSnapshot(owner.partnerId, 'none'), false);
        assert.equal(await store.clockOffset(owner.partnerId), DAY, 'an unknown name restores nothing');
        assert.equal(await store.deleteSnapshot(owner.partnerId, 'A.two'), true);
        assert.equal(await store.deleteSnapshot(owner.partnerId, 'A.two'), false);
        assert.equal(await store.restoreSnapshot(owner.partnerId, 'A.two'), undefined);
        assert.deepEqual(
          (await store.listSnapshots(owner.partnerId)).map(({ name }) => name),
          ['b-one'],
        );
      });

      it('a partner keeps at most the cap: a new name beyond it is refused, the same name still replaces', async () => {
        for (const name of ['s1', 's2', 's3']) assert.ok(await store.saveSnapshot(owner.partnerId, name, savedAt, 3));
        assert.equal(await store.saveSnapshot(owner.partnerId, 's4', savedAt, 3), undefined);
        assert.equal((await store.saveSnapshot(owner.partnerId, 's2', savedAt + 1, 3))?.replaced, true);
        assert.ok(await store.saveSnapshot(otherPartner.partnerId, 's4', savedAt, 3), "another partner's count");
        assert.deepEqual(
          (await store.listSnapshots(owner.partnerId)).map(({ name }) => name),
          ['s1', 's2', 's3'],
        );
        await store.deleteSnapshot(owner.partnerId, 's1');
        assert.ok(await store.saveSnapshot(owner.partnerId, 's4', savedAt, 3), 'room again once one is deleted');
      });

      it('the cap holds when many are saved at once', async () => {
        const saved = await Promise.all(
          Array.from({ length: 12 }, (_, index) => store.saveSnapshot(owner.partnerId, `n${index}`, savedAt, 4)),
        );
        assert.equal(saved.filter(Boolean).length, 4);
        assert.equal((await store.listSnapshots(owner.partnerId)).length, 4);
      });

      it('a reset keeps the snapshots, and a restore after it brings the state back', async () => {
        const kept = { cart: awkwardCart(), etag: '"k"' };
        await store.insertCart(owner, kept);
        await store.insertOrder(owner, kept.cart.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 2 }]);
        await store.setClockOffset(owner.partnerId, 2 * DAY);
        await store.saveSnapshot(owner.partnerId, 'baseline', savedAt, 20);
        const before = await stateOf(owner, [kept.cart.id], []);
        await store.resetPartner(owner.partnerId);
        assert.equal((await store.listSnapshots(owner.partnerId)).length, 1);
        await store.restoreSnapshot(owner.partnerId, 'baseline');
        assert.deepEqual(await stateOf(owner, [kept.cart.id], []), before);
      });

      it("restoring a snapshot of an empty state empties the partner's, its clock back to 0", async () => {
        await store.saveSnapshot(owner.partnerId, 'empty', savedAt, 20);
        const made = cart();
        await store.insertCart(owner, { cart: made, etag: '"m"' });
        await store.insertOrder(owner, made.id, '0', storedOrder(), [{ productSku: 'p:s', quantity: 1 }]);
        await store.recordRequest(owner.partnerId, 'r', record('f', savedAt));
        await store.setClockOffset(owner.partnerId, DAY);
        assert.deepEqual(await store.restoreSnapshot(owner.partnerId, 'empty'), {
          name: 'empty',
          savedAt,
          clockOffsetMs: 0,
          carts: 0,
          orders: 0,
        });
        assert.deepEqual(await stateOf(owner, [made.id], ['r']), {
          carts: [undefined],
          orders: [],
          seats: [
            ['p:s', 0],
            ['q:t', 0],
          ],
          recorded: [undefined],
          clock: 0,
          customersWithOrders: 0,
        });
      });
    });

    it('answers a ping while open, and refuses one once closed', async () => {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
    });

    it('close waits for the transactions already queued, and may be called again', async () => {
      let written = false;
      const writing = store.transaction(async () => {
        await tick();
        await store.insertCart(owner, { cart: cart(), etag: '"l"' });
        written = true;
      });
      await store.close();
      assert.equal(written, true);
      await writing;
      await store.close();
    });
  });
}
