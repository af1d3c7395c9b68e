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
