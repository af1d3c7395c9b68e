// Cancelling orders by PATCH, through HTTP, under both profiles: what each partner may cancel and
// until when (Microsoft's table, in the spec's updateOrder), the partial cancellation of lines, the
// .NET SDK's whole-order body, idempotency, and refusals that change nothing.
import assert from 'node:assert/strict';
import type { SandboxProfile } from '../domain/sandbox-profile.ts';
import { cartsPath, checkoutPath, CUSTOMER, e5Line, fieldsOf, orderPath, PARTNER } from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

const DAY = 24 * 60 * 60 * 1000;
const START = Date.parse('2026-11-21T09:00:00Z');
const software = (quantity = 1) => ({
  catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM',
  quantity,
  billingCycle: 'one_time',
});
const otherSoftware = (quantity = 1) => ({
  catalogItemId: 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M',
  quantity,
  billingCycle: 'one_time',
});
const reservation = {
  catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S',
  quantity: 1,
  billingCycle: 'one_time',
  termDuration: 'P1Y',
  provisioningContext: { scope: 'shared', subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', duration: '1Year' },
};
/** The one reservation an integration-sandbox partner may buy (Standard_B1s, 1 year). */
const sandboxReservation = { ...reservation, catalogItemId: 'DZH318Z0BQ3Q:0001:DZH318Z0SBX3' };
const saas = {
  catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV',
  quantity: 1,
  billingCycle: 'monthly',
  termDuration: 'P1M',
};

function suite(
  profile: SandboxProfile,
  checks: (context: {
    server: ReturnType<typeof useTestServer>;
    order: (lines: unknown[]) => Promise<any>;
    advance: (ms: number) => void;
  }) => void,
) {
  describe(`cancelling orders, ${profile} profile`, () => {
    let now = START;
    beforeEach(() => {
      now = START;
    });
    const server = useTestServer({ sandboxProfile: profile, provisioningDelayMs: 1000, now: () => new Date(now) });
    /** One order of the lines (they must share an order group), provisioned. */
    const order = async (lines: unknown[]) => {
      const cart = await server.call('POST', cartsPath(), { body: { lineItems: lines } });
      assert.deepEqual(
        cart.body.lineItems.flatMap((line: any) => line.error ?? []),
        [],
        'the lines can be bought',
      );
      const result = await server.call('POST', checkoutPath(cart.body.id));
      assert.equal(result.body.orders.length, 1, JSON.stringify(result.body));
      now += 1000;
      return result.body.orders[0];
    };
    checks({ server, order, advance: (ms) => (now += ms) });
  });
}

const cancel = { status: 'cancelled' };

suite('production', ({ server, order, advance }) => {
  it('perpetual software within 30 days: cancelled, quantities kept, seats given back; a retry is replayed; a second cancel is refused', async () => {
    const placed = await order([software(3)]);
    const seatsBefore = (
      await server.store.purchasedSeats({ partnerId: PARTNER, customerId: CUSTOMER }, ['dg7gmgf0dwtl:0001'])
    ).get('dg7gmgf0dwtl:0001');
    assert.equal(seatsBefore, 3);
    advance(29 * DAY);
    const headers = { 'MS-RequestId': 'cancel-software-1' };
    const reply = await server.call('PATCH', orderPath(placed.id), {
      body: { id: placed.id, status: 'Cancelled' },
      headers,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.status, 'cancelled');
    assert.deepEqual(
      reply.body.lineItems.map((line: any) => line.quantity),
      [3],
      "as in Microsoft's example of a cancelled order",
    );
    assert.equal(reply.body.links.patchOperation, undefined, 'nothing left to patch');
    const seatsAfter = (
      await server.store.purchasedSeats({ partnerId: PARTNER, customerId: CUSTOMER }, ['dg7gmgf0dwtl:0001'])
    ).get('dg7gmgf0dwtl:0001');
    assert.equal(seatsAfter, 0);
    const status = await server.call('GET', `${orderPath(placed.id)}/provisioningstatus`);
    assert.deepEqual(status.body.items, [
      { lineItemNumber: 0, status: 'Unfulfilled', quantityProvisioningInformation: [] },
    ]);

    const replayed = await server.call('PATCH', orderPath(placed.id), {
      body: { id: placed.id, status: 'Cancelled' },
      headers,
    });
    assert.equal(replayed.status, 200);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    const again = await server.call('PATCH', orderPath(placed.id), { body: cancel });
    assert.equal(again.status, 400);
    assertErrorBody(again.body, 800061);
  });

  it('perpetual software after 30 days: 900117, nothing changed', async () => {
    const placed = await order([software(1)]);
    advance(31 * DAY);
    const reply = await server.call('PATCH', orderPath(placed.id), { body: cancel });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 900117);
    assert.match(reply.body.description, /30-day cancellation window/);
    assert.equal((await server.call('GET', orderPath(placed.id))).body.status, 'completed');
  });

  it('a reservation: only sandbox partners cancel it by order (403, 800019)', async () => {
    const placed = await order([reservation]);
    const reply = await server.call('PATCH', orderPath(placed.id), { body: cancel });
    assert.equal(reply.status, 403);
    assertErrorBody(reply.body, 800019);
  });

  it('new commerce is cancelled per subscription (400, 800063); marketplace SaaS too (403, 800077)', async () => {
    const licence = await order([e5Line(1)]);
    const refused = await server.call('PATCH', orderPath(licence.id), { body: cancel });
    assert.equal(refused.status, 400);
    assertErrorBody(refused.body, 800063);
    assert.match(refused.body.description, new RegExp(`/customers/${CUSTOMER}/subscriptions/`));
    const marketplace = await order([saas]);
    const saasRefused = await server.call('PATCH', orderPath(marketplace.id), { body: cancel });
    assert.equal(saasRefused.status, 403);
    assertErrorBody(saasRefused.body, 800077);
  });

  it('an order still being provisioned: 409, 800060; once provisioned it can be cancelled', async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [software(1)] } });
    const [pending] = (await server.call('POST', checkoutPath(cart.body.id))).body.orders;
    assert.equal(pending.status, 'pending');
    const early = await server.call('PATCH', orderPath(pending.id), { body: cancel });
    assert.equal(early.status, 409);
    assertErrorBody(early.body, 800060);
    advance(1000);
    assert.equal((await server.call('PATCH', orderPath(pending.id), { body: cancel })).status, 200);
  });

  it('some lines only: they get quantity 0 and Unfulfilled, the order stays completed until the last', async () => {
    const placed = await order([software(2), otherSoftware(1)]);
    assert.equal(placed.lineItems.length, 2);
    const first = await server.call('PATCH', orderPath(placed.id), {
      body: { ...cancel, lineItems: [{ lineItemNumber: 1, offerId: otherSoftware().catalogItemId.toLowerCase() }] },
    });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, 'completed');
    assert.deepEqual(
      first.body.lineItems.map((line: any) => line.quantity),
      [2, 0],
    );
    assert.ok(first.body.links.patchOperation);
    const status = await server.call('GET', `${orderPath(placed.id)}/provisioningstatus`);
    assert.deepEqual(
      status.body.items.map((item: any) => item.status),
      ['Fulfilled', 'Unfulfilled'],
    );
    const twice = await server.call('PATCH', orderPath(placed.id), {
      body: { ...cancel, lineItems: [{ lineItemNumber: 1 }] },
    });
    assert.equal(twice.status, 400);
    assertErrorBody(twice.body, 800061);
    const last = await server.call('PATCH', orderPath(placed.id), {
      body: { ...cancel, lineItems: [{ lineItemNumber: 0 }] },
    });
    assert.equal(last.body.status, 'cancelled');
    assert.deepEqual(
      last.body.lineItems.map((line: any) => line.quantity),
      [2, 0],
      'the last line cancelled keeps its quantity',
    );
    const seats = await server.store.purchasedSeats({ partnerId: PARTNER, customerId: CUSTOMER }, [
      'dg7gmgf0dwtl:0001',
      'dg7gmgf0dwm3:0002',
    ]);
    assert.deepEqual([...seats.values()], [0, 0], 'every seat given back');
  });

  it('the .NET SDK way: the whole order as read, status changed, is accepted without ignored properties', async () => {
    const placed = await order([software(1)]);
    const read = (await server.call('GET', `${orderPath(placed.id)}?include_price=true`)).body;
    const reply = await server.call('PATCH', orderPath(placed.id), { body: { ...read, status: 'cancelled' } });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(
      reply.headers.get('sandbox-ignored-properties'),
      null,
      'every property of an order is declared in the request schema',
    );
    assert.equal(reply.body.status, 'cancelled');
  });

  it('bad input is refused naming the field, and changes nothing', async () => {
    const placed = await order([software(1), otherSoftware(1)]);
    const cases: [unknown, string[]][] = [
      [{ status: 'active' }, ['body.status']],
      [{ id: 'someotherorder', status: 'cancelled' }, ['body.id']],
      [
        { status: 'cancelled', lineItems: [{ lineItemNumber: 0 }, { lineItemNumber: 9 }] },
        ['body.lineItems[1].lineItemNumber'],
      ],
      [
        { status: 'cancelled', lineItems: [{ lineItemNumber: 0, offerId: otherSoftware().catalogItemId }] },
        ['body.lineItems[0].offerId'],
      ],
      [{}, ['body.status']],
    ];
    for (const [body, fields] of cases) {
      const reply = await server.call('PATCH', orderPath(placed.id), { body });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assertErrorBody(reply.body, 800002);
      assert.deepEqual(fieldsOf(reply.body.data), fields, JSON.stringify(reply.body));
    }
    const unchanged = (await server.call('GET', orderPath(placed.id))).body;
    assert.equal(unchanged.status, 'completed');
    assert.deepEqual(
      unchanged.lineItems.map((line: any) => line.quantity),
      [1, 1],
    );
    const unknown = await server.call('PATCH', orderPath('a1b2c3d4e5f6'), { body: cancel });
    assert.equal(unknown.status, 404);
    assertErrorBody(unknown.body, 20000);
  });
});

suite('integration', ({ server, order, advance }) => {
  it('a reservation and software can be cancelled by order up to 60 days; older: 800061', async () => {
    const ri = await order([sandboxReservation]);
    assert.equal((await server.call('PATCH', orderPath(ri.id), { body: cancel })).body.status, 'cancelled');
    const early = await order([software(1)]);
    const late = await order([otherSoftware(1)]);
    advance(45 * DAY);
    assert.equal(
      (await server.call('PATCH', orderPath(early.id), { body: cancel })).body.status,
      'cancelled',
      'beyond the production window, within the sandbox one',
    );
    advance(16 * DAY);
    const tooOld = await server.call('PATCH', orderPath(late.id), { body: cancel });
    assert.equal(tooOld.status, 400);
    assertErrorBody(tooOld.body, 800061);
    assert.match(tooOld.body.description, /60 days/);
  });

  it('new commerce is still cancelled per subscription (800063)', async () => {
    const licence = await order([e5Line(1)]);
    const reply = await server.call('PATCH', orderPath(licence.id), { body: cancel });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800063);
  });
});
