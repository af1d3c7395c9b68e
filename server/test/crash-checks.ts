// The checks of the SIGKILL loop against the server and its file: the file whole (PRAGMA
// integrity_check), no cart half-ordered and seats bought for exactly the orders made, and the final
// verification that every cart and order reads as the model of acknowledged writes says.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { cartPath, ordersPath, PARTNER } from './harness.ts';
import type { ServerProcess } from './server-process.ts';
import { byId, call, customerGuid, groupsOf, isDeepEqual } from './crash-load.ts';
import type { CrashLoop } from './crash-loop.ts';
import type { CartModel } from './crash-model.ts';

/** The final check, through the API and the file: every cart as the model says, orders whole. */
export async function verifyFinalState(loop: CrashLoop): Promise<void> {
  const server = loop.server;
  assert.ok(server);
  const started = performance.now();
  const present = loop.carts.filter((cart) => cart.id !== undefined);
  // Through the API, a few carts at a time.
  let next = 0;
  const check = async (): Promise<void> => {
    while (next < present.length) {
      const cart = present[next++];
      if (cart) await verifyCart(loop, server, cart);
    }
  };
  await Promise.all([check(), check(), check(), check()]);

  // In the file: one cart per customer for every cart the model has, none else; orders per group; seats.
  withDatabase(loop.databasePath, (db) => {
    const integrity = integrityCheck(db);
    if (integrity !== 'ok') loop.problem(`PRAGMA integrity_check: ${integrity}`);
    const rows = db
      .prepare('SELECT customer_id, id FROM carts WHERE partner_id = ? AND customer_id != ?')
      .all(PARTNER, customerGuid(0)) as { customer_id: string; id: string }[];
    const expected = new Map(present.map((cart) => [cart.customerId, cart]));
    for (const row of rows) {
      const cart = expected.get(row.customer_id);
      if (!cart)
        loop.problem(
          `the file holds cart ${row.id} of customer ${row.customer_id}, which no acknowledged or lost create made`,
        );
      else if (cart.id !== row.id)
        loop.problem(`the file holds cart ${row.id} of customer ${row.customer_id}, expected ${cart.id}`);
    }
    if (rows.length !== present.length) loop.problem(`the file holds ${rows.length} carts, expected ${present.length}`);
    for (const problem of wholeOrders(db)) loop.problem(problem);
  });
  loop.figures.verifyMs = Math.round(performance.now() - started);
}

async function verifyCart(loop: CrashLoop, server: ServerProcess, cart: CartModel): Promise<void> {
  const reply = await call(server.baseUrl, loop.bearer, 'GET', cartPath(cart.id ?? '', cart.customerId));
  loop.figures.cartsChecked++;
  const last = cart.writes.at(-1);
  const label = `cart ${cart.id} (customer ${cart.customerId}, last write ${last?.kind} ${last?.outcome} in cycle ${last?.cycle})`;
  if (reply.status !== 200) {
    loop.problem(`${label} answers ${reply.status}: ${JSON.stringify(reply.body)}`, cart.mode);
    return;
  }
  if (!isDeepEqual(reply.body, cart.cart)) {
    loop.problem(
      `${label} is not as last written:\n  server: ${JSON.stringify(reply.body)}\n  model:  ${JSON.stringify(cart.cart)}`,
      cart.mode,
    );
  }
  const orders = await call(server.baseUrl, loop.bearer, 'GET', `${ordersPath(cart.customerId)}?include_price=true`);
  const ordered = reply.body.status === 'Ordered';
  const groups = groupsOf(reply.body);
  if (orders.status !== 200 || orders.body.totalCount !== (ordered ? groups.length : 0)) {
    loop.problem(
      `${label} is ${reply.body.status} with ${groups.length} order group(s), its customer has ${orders.body?.totalCount} order(s)`,
      cart.mode,
    );
    return;
  }
  if (cart.checkoutOrders && !isDeepEqual(byId(orders.body.items), byId(cart.checkoutOrders))) {
    loop.problem(`${label}: the orders listed are not the ones the acknowledged checkout answered`, cart.mode);
  }
  for (const order of orders.body.items as any[]) {
    const one = await call(
      server.baseUrl,
      loop.bearer,
      'GET',
      `${ordersPath(cart.customerId)}/${order.id}?include_price=true`,
    );
    loop.figures.ordersChecked++;
    if (one.status !== 200 || !isDeepEqual(one.body, order))
      loop.problem(`${label}: order ${order.id} reads ${one.status} ${JSON.stringify(one.body)}`, cart.mode);
  }
}

/**
 * Every cart in the file is Active with no order, or Ordered with one order for each of its order
 * groups; and its customer (one cart per customer) has bought the seats of exactly those orders.
 */
export function wholeOrders(db: DatabaseSync): string[] {
  const problems: string[] = [];
  const carts = db
    .prepare('SELECT customer_id, id, body FROM carts WHERE partner_id = ? AND customer_id != ?')
    .all(PARTNER, customerGuid(0)) as { customer_id: string; id: string; body: string }[];
  const groupsByCart = new Map<string, string[]>();
  for (const row of db.prepare('SELECT cart_id, order_group FROM orders WHERE partner_id = ?').all(PARTNER) as {
    cart_id: string;
    order_group: string;
  }[]) {
    groupsByCart.set(row.cart_id, [...(groupsByCart.get(row.cart_id) ?? []), row.order_group]);
  }
  const seats = db
    .prepare('SELECT customer_id, SUM(quantity) AS n FROM purchased_seats WHERE partner_id = ? GROUP BY customer_id')
    .all(PARTNER) as { customer_id: string; n: number }[];
  const seatsOf = new Map(seats.map((row) => [row.customer_id, Number(row.n)]));
  for (const row of carts) {
    const cart = JSON.parse(row.body);
    const ordered = cart.status === 'Ordered';
    const groups = (groupsByCart.get(row.id) ?? []).sort();
    const want = ordered ? groupsOf(cart) : [];
    if (!isDeepEqual(groups, want))
      problems.push(
        `cart ${row.id} is ${cart.status} with orders for groups [${groups}] in the file, expected [${want}]: half-ordered`,
      );
    const bought = ordered ? (cart.lineItems as any[]).reduce((sum, line) => sum + Number(line.quantity), 0) : 0;
    if ((seatsOf.get(row.customer_id) ?? 0) !== bought)
      problems.push(
        `cart ${row.id} is ${cart.status}, its customer has ${seatsOf.get(row.customer_id) ?? 0} purchased seats in the file, expected ${bought}`,
      );
  }
  return problems;
}

/** 'ok', or every line PRAGMA integrity_check reports. */
export function integrityCheck(db: DatabaseSync): string {
  return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
    .map((row) => row.integrity_check)
    .join('\n');
}

/** A second connection to the server's file, for reads only, closed at once. */
export function withDatabase<T>(path: string, work: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return work(db);
  } finally {
    db.close();
  }
}
