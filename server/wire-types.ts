// The wire types the server works with, taken from the generated types (never written again here).
// Requests and answers have schemas of their own in the spec, so these are the shapes as they travel.
export type {
  SchemaCart as Cart,
  SchemaCartLineItem as CartLineItem,
  SchemaCartAddonLineItem as CartAddonLineItem,
  SchemaCartRequest as CartRequest,
  SchemaCartLineItemRequest as CartLineItemRequest,
  SchemaCartAddonLineItemRequest as CartAddonLineItemRequest,
  SchemaCartCheckoutResult as CartCheckoutResult,
  SchemaOrder as Order,
  SchemaOrderLineItem as OrderLineItem,
  SchemaOrderError as OrderError,
  SchemaOrderCollection as OrderCollection,
  SchemaError as ErrorBody,
  SchemaThrottling as ThrottlingBody,
  SchemaErrorCode as ErrorCode,
  SchemaOrderErrorCode as OrderErrorCode,
  SchemaBillingCycle as BillingCycle,
  SchemaLink as Link,
} from '../generated/api-types.ts';
