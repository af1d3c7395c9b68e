/**
 * The sandbox catalog: what the reference server can sell, where, at what price, and under which
 * conditions. Pure data and lookups; no HTTP, no storage, no files.
 *
 * The catalog ships as `server/catalog/catalog.json`; its format is `server/catalog/catalog.schema.json`
 * (JSON Schema 2020-12, with a description of every field), and `server/catalog/load-catalog.ts`
 * reads, checks and indexes it into the `Catalog` below. In short:
 *
 * ```jsonc
 * {
 *   "note": "...",                                   // optional, free text
 *   "markets":   { "US": { "currencyCode": "USD", "currencySymbol": "$" }, ... },   // must hold "US"
 *   "customers": { "<customer GUID>": "GB", ... },  // any other customer is in the US market
 *   "products": {                                    // the product catalog: one entry per product id of
 *     "CFQ7TTC0LF8S": {                              // the productId:skuId:availabilityId items, and an
 *       "title": "Office 365 E5 ...",                // item for every entry (legacy ids are not products)
 *       "description": "...",
 *       "productType": { "id": "OnlineServicesNCE", "displayName": "OnlineServicesNCE" },  // subType optional
 *       "publisherName": "Microsoft Corporation", "isMicrosoftProduct": true,
 *       "targetViews": ["OnlineServices"],          // the listProducts views (targetView) that list it
 *       "note": "..."                               // optional; a product invented for the sandbox says so
 *     }
 *   },
 *   "items": [
 *     {
 *       "catalogItemId": "CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5", // productId:skuId:availabilityId, a legacy
 *                                                         // offer GUID, or a legacy Azure id MS-AZR-nnnnP
 *       "title": "Office 365 E5 ...",                    // the friendlyName of the order line
 *       "kind": "license",          // one of ITEM_KINDS
 *       "purchaseSystem": "modern", // OMS (legacy license-based and MS-AZR offers) | modern
 *       "markets": ["US", "GB"],    // optional: countries it is sold in; default every market
 *       "terms": {                  // term-based purchase: term -> billing cycle -> price per billing
 *         "P1Y": {                  // period per market (in that market's currency), or null when
 *           "monthly": { "US": 30.4, "GB": 24.6, "DE": 28.9 },   // the item has no list price (Azure)
 *           "annual":  { "US": 364.8, "GB": 295.2, "DE": 346.8 }
 *         }
 *       },
 *       "termless": { "one_time": { ... } },  // purchase without a termDuration (same shape as one term);
 *                                             // at least one of terms/termless is required
 *       "minQuantity": 1, "maxQuantity": 300,  // per subscription (per line)
 *       "seatLimitPerCustomer": 300,           // optional: pooled per customer and product SKU
 *       "enforceAttestation": true,            // optional (default false)
 *       "trial": true,                         // optional (default false)
 *       "addOnOf": ["CFQ7TTC0LFLX"],           // optional: product ids of the base offers it needs
 *       "provisioningVariables": [ { "name": "scope", "required": true, "allowedValues": ["single", "shared"] } ],
 *       "renewsTo": ["P1Y"],                   // optional: terms renewsTo.termDuration may name
 *       "promotions": [ { "promotionId": "...", "discountPercent": 10, "automatic": true } ],
 *       "purchasable": false,                  // optional (default true)
 *       "integrationSandbox": "refused",       // optional: "refused" (an integration-sandbox partner cannot
 *                                             // buy it) or "purchaseOrder" (its orders wait for a purchase
 *                                             // order upload there); absent: allowed
 *       "note": "..."                          // optional, free text
 *     }
 *   ]
 * }
 * ```
 *
 * The catalog operations (products, SKUs, availabilities: server/domain/products.ts) serve the
 * three-part items grouped by product and SKU: a SKU is the items that share its product and SKU ids
 * (so they agree on title, kind, quantities, trial and attestation), an availability is one item.
 * Legacy ids are for carts only: Partner Center sells them through its offer API, not its catalog.
 */
import type {
  SchemaBillingCycle,
  SchemaItemType,
  SchemaRenewsTo,
  SchemaTargetView,
  SchemaTermDuration,
} from '../../generated/api-types.ts';

// The wire enumerations come from the spec (generated/api-types.ts, with their values as
// billingCycleValues, termDurationValues, renewsToTermDurationValues); only the catalog's own ones
// are declared here.
export type BillingCycle = SchemaBillingCycle;
export type TermDuration = SchemaTermDuration;
export type RenewalTerm = NonNullable<SchemaRenewsTo['termDuration']>;
export type TargetView = SchemaTargetView;
export type ProductType = SchemaItemType;

export const ITEM_KINDS = ['license', 'legacy_license', 'azure', 'azure_reservation', 'software', 'saas'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];
export const PURCHASE_SYSTEMS = ['OMS', 'modern'] as const;
export type PurchaseSystem = (typeof PURCHASE_SYSTEMS)[number];
/**
 * What an integration-sandbox partner (SANDBOX_PROFILE=integration) may do with an item: buy it
 * (`allowed`, the default), not buy it (`refused`), or buy it with orders that wait for a purchase
 * order upload (`purchaseOrder`). The file names only the last two.
 */
export const INTEGRATION_SANDBOX = ['allowed', 'refused', 'purchaseOrder'] as const;
export type IntegrationSandbox = (typeof INTEGRATION_SANDBOX)[number];

/** Length of a term in months. */
export const TERM_MONTHS: Readonly<Record<TermDuration, number>> = { P1M: 1, P1Y: 12, P3Y: 36 };

/**
 * Length of one billing period in months; 0 for the cycles that are not periodic
 * (`one_time` is charged once for the whole term, `none` is never charged, `unknown` is not a cycle).
 */
export const CYCLE_MONTHS: Readonly<Record<BillingCycle, number>> = {
  unknown: 0,
  none: 0,
  one_time: 0,
  monthly: 1,
  annual: 12,
  biennial: 24,
  triennial: 36,
};

/** Price of one billing period, per market country, in that market's currency. */
export type MarketPrices = Readonly<Record<string, number>>;
/** Billing cycles offered for one term (or for a termless purchase); `null` = no list price (consumption). */
export type CycleOffers = Readonly<Partial<Record<BillingCycle, MarketPrices | null>>>;

export interface ProvisioningVariable {
  /** lower-camel name, as line items carry it after normalisation (e.g. `subscriptionId`). */
  readonly name: string;
  readonly required: boolean;
  /** Accepted values (compared case-insensitively); any value when absent. */
  readonly allowedValues?: readonly string[];
}

export interface Promotion {
  readonly promotionId: string;
  /** Percentage taken off the list price, 0 < discountPercent <= 100. */
  readonly discountPercent: number;
  /** Applied to a line that names no promotion. At most one per item. */
  readonly automatic: boolean;
}

export interface CatalogItem {
  readonly catalogItemId: string;
  /** First segment of a three-part id; the whole id for legacy ids. */
  readonly productId: string;
  /** Second segment of a three-part id; '' for legacy ids. */
  readonly skuId: string;
  readonly title: string;
  readonly kind: ItemKind;
  readonly purchaseSystem: PurchaseSystem;
  /** Countries (market keys) the item is sold in. */
  readonly markets: readonly string[];
  readonly terms: Readonly<Partial<Record<TermDuration, CycleOffers>>>;
  /** Offers for a purchase without termDuration; undefined when the item is only sold with a term. */
  readonly termless: CycleOffers | undefined;
  readonly minQuantity: number;
  readonly maxQuantity: number;
  readonly seatLimitPerCustomer: number | undefined;
  readonly enforceAttestation: boolean;
  readonly trial: boolean;
  /** Product ids of the base offers this add-on needs; empty for an item that is not an add-on. */
  readonly addOnOf: readonly string[];
  readonly provisioningVariables: readonly ProvisioningVariable[];
  readonly renewsTo: readonly RenewalTerm[];
  readonly promotions: readonly Promotion[];
  readonly purchasable: boolean;
  readonly integrationSandbox: IntegrationSandbox;
  readonly note: string | undefined;
}

/** A product of the product catalog (the file's `products` entry), with its items. */
export interface CatalogProduct {
  /** As the file's key spells it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly productType: ProductType;
  readonly publisherName: string;
  readonly isMicrosoftProduct: boolean;
  /** The listProducts views that list it. */
  readonly targetViews: readonly TargetView[];
  readonly note: string | undefined;
  /** Its productId:skuId:availabilityId items, in the order of the file (at least one). */
  readonly items: readonly CatalogItem[];
}

export interface MarketInfo {
  readonly country: string;
  readonly currencyCode: string;
  readonly currencySymbol: string;
}

export interface Catalog {
  /** The file it was read from (or the label given to parseCatalog), for messages. */
  readonly source: string;
  readonly markets: ReadonlyMap<string, MarketInfo>;
  /** Lower-cased customer id -> market country. */
  readonly customers: ReadonlyMap<string, string>;
  readonly items: readonly CatalogItem[];
  /** Lower-cased catalogItemId -> item. */
  readonly byId: ReadonlyMap<string, CatalogItem>;
  /** Lower-cased product id -> product, in the order of the file: the product catalog. */
  readonly products: ReadonlyMap<string, CatalogProduct>;
}

/** The market of every customer the catalog does not list (catalog.schema.json requires it). */
export const DEFAULT_COUNTRY = 'US';

/** Looks an item up by catalogItemId, ignoring case. */
export function findCatalogItem(catalog: Catalog, catalogItemId: string): CatalogItem | undefined {
  return catalog.byId.get(catalogItemId.toLowerCase());
}

/** Looks a product of the product catalog up by id, ignoring case. */
export function findProduct(catalog: Catalog, productId: string): CatalogProduct | undefined {
  return catalog.products.get(productId.toLowerCase());
}

/** Whether the item is in the product catalog: a productId:skuId:availabilityId id (legacy ids are not). */
export function isProductCatalogItem(item: CatalogItem): boolean {
  return item.skuId !== '';
}

/** The market a customer buys in: the catalog's `customers` entry, else US. */
export function marketOf(catalog: Catalog, customerId: string): MarketInfo {
  const country = catalog.customers.get(customerId.toLowerCase()) ?? DEFAULT_COUNTRY;
  const market = catalog.markets.get(country);
  // The loader guarantees that US and every customer's country are markets.
  if (!market) throw new Error(`Catalog ${catalog.source}: market ${country} missing`);
  return market;
}

/** The billing cycles offered for a term (or for a termless purchase when term is undefined). */
export function offersFor(item: CatalogItem, term: TermDuration | undefined): CycleOffers | undefined {
  return term === undefined ? item.termless : item.terms[term];
}

/** The key seat limits are pooled under: product and SKU (the whole id for legacy items). */
export function productSkuKey(item: CatalogItem): string {
  return `${item.productId}:${item.skuId}`.toLowerCase();
}
