// The wire types the server works with, taken from the generated types (never written again here).
// `Readable` drops the read/write markers: these are the shapes as the server sends them.
import type { components, Readable } from '../generated/api-types.ts';

type Schemas = components['schemas'];
export type Cart = Readable<Schemas['Cart']>;
export type CartLineItem = Readable<Schemas['CartLineItem']>;
export type CartCheckoutResult = Readable<Schemas['CartCheckoutResult']>;
export type Order = Readable<Schemas['Order']>;
export type OrderLineItem = Readable<Schemas['OrderLineItem']>;
export type OrderError = Readable<Schemas['OrderError']>;
export type OrderCollection = Readable<Schemas['OrderCollection']>;
export type ErrorBody = Readable<Schemas['Error']>;
export type ErrorDetail = Readable<Schemas['ErrorDetail']>;
export type ThrottlingBody = Readable<Schemas['Throttling']>;
export type ErrorCode = Schemas['ErrorCode'];
export type OrderErrorCode = Schemas['OrderErrorCode'];
export type Link = Readable<Schemas['Link']>;
