// The wire types the server works with, taken from the generated types (never written again here).
// Requests and answers have schemas of their own in the spec, so these are the shapes as they travel.
import type { components } from '../generated/api-types.ts';

type Schemas = components['schemas'];
export type Cart = Schemas['Cart'];
export type CartLineItem = Schemas['CartLineItem'];
export type CartAddonLineItem = Schemas['CartAddonLineItem'];
export type CartRequest = Schemas['CartRequest'];
export type CartLineItemRequest = Schemas['CartLineItemRequest'];
export type CartAddonLineItemRequest = Schemas['CartAddonLineItemRequest'];
export type CartCheckoutResult = Schemas['CartCheckoutResult'];
export type Order = Schemas['Order'];
export type OrderLineItem = Schemas['OrderLineItem'];
export type OrderError = Schemas['OrderError'];
export type OrderCollection = Schemas['OrderCollection'];
export type ErrorBody = Schemas['Error'];
export type ThrottlingBody = Schemas['Throttling'];
export type ErrorCode = Schemas['ErrorCode'];
export type OrderErrorCode = Schemas['OrderErrorCode'];
export type BillingCycle = Schemas['BillingCycle'];
export type Link = Schemas['Link'];
