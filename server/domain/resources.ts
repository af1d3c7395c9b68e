// What the cart and order modules share: who calls, who owns a resource, and links as Partner Center
// writes them (relative to the API's base, without `/v1`).
import type { Link } from '../wire-types.ts';
import type { Owner } from '../store/store.ts';

/** The caller, from the verified token. */
export interface Caller {
  partnerId: string;
  userId: string;
}

/** The owner of a customer's resources: customer ids are compared without regard to case. */
export function ownerOf(caller: Caller, customerId: string): Owner {
  return { partnerId: caller.partnerId, customerId: customerId.toLowerCase() };
}

export function link(uri: string, method: Link['method'] = 'GET'): Link {
  return { uri, method, headers: [] };
}
