// The model the SIGKILL loop keeps of what the server must hold: every write sent (and whether it was
// acknowledged, or lost to a kill and then found applied or not), every cart as last acknowledged,
// each worker's state, and the figures printed after a run.
import type { Reply } from './crash-load.ts';

export type Kind = 'create' | 'update' | 'checkout';

export interface Write {
  seq: number;
  cycle: number;
  worker: number;
  kind: Kind;
  cart: CartModel;
  method: 'POST' | 'PUT';
  path: string;
  body: string | undefined;
  /** Sent by the workers in idempotent mode only: plain mode takes the path of writes without one. */
  requestId: string | undefined;
  /** The signature of the cart once this write has happened. */
  signature: string;
  outcome: 'in-flight' | 'acknowledged' | 'lost';
  reply?: Reply;
  /** Set for a lost write once the restart showed whether it happened. */
  applied?: boolean;
}

export interface CartModel {
  customerId: string;
  /** That of the worker that writes it: whether its writes carry an MS-RequestId. */
  mode: Mode;
  /** Known once the create was acknowledged, or found after a restart. */
  id: string | undefined;
  /** The whole cart as the server must return it now (before `inDoubt`, if any); undefined before the create. */
  cart: any;
  /** 'absent': a lost create that did not happen, or a cart no longer written to after a problem. */
  state: 'new' | 'active' | 'ordered' | 'absent';
  updatesLeft: number;
  writes: Write[];
  /** The last write, answer lost to a kill, not yet resolved. */
  inDoubt: Write | undefined;
  /** The orders an acknowledged checkout returned. */
  checkoutOrders: any[] | undefined;
}

export interface WorkerState {
  index: number;
  /** 'idempotent': every write with a new MS-RequestId (and some acknowledged ones sent again); 'plain': none. */
  mode: Mode;
  rand: () => number;
  current: CartModel | undefined;
  acknowledged: Write[];
}

export interface Figures {
  cycles: number;
  sent: number;
  acknowledged: number;
  lost: number;
  /** Of them, those sent with an MS-RequestId. */
  lostWithRequestId: number;
  lostApplied: number;
  lostNotApplied: number;
  startKills: number;
  retried: number;
  retriedReplayed: number;
  replays: number;
  cartsChecked: number;
  ordersChecked: number;
  firstAnswerMs: number[];
  verifyMs: number;
}

export type Mode = 'plain' | 'idempotent';

export function describeWrite(write: Write): string {
  const id = write.requestId ? `, MS-RequestId ${write.requestId}` : '';
  return `${write.kind} #${write.seq} ${write.method} ${write.path} (worker ${write.worker}, cycle ${write.cycle}${id})`;
}
