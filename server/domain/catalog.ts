/**
 * The sandbox catalog: what the reference server can sell, where, at what price, and under which
 * conditions. Pure data and lookups; no HTTP, no storage.
 *
 * The catalog ships as `server/catalog/catalog.json` (DEFAULT_CATALOG_PATH). Its format, checked
 * by `loadCatalog`/`parseCatalog`:
 *
 * ```jsonc
 * {
 *   "note": "...",                                   // optional, free text
 *   "markets":   { "US": { "currencyCode": "USD", "currencySymbol": "$" }, ... },   // must hold "US"
 *   "customers": { "<customer GUID>": "GB", ... },  // any other customer is in the US market
 *   "items": [
 *     {
 *       "catalogItemId": "CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5", // productId:skuId:availabilityId, a legacy
 *                                                         // offer GUID, or a legacy Azure id MS-AZR-nnnnP
 *       "title": "Office 365 E5 ...",                    // the friendlyName of the order line
 *       "kind": "license",          // license | legacy_license | azure | azure_reservation | software | saas
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
 *       "note": "..."                          // optional, free text
 *     }
 *   ]
 * }
 * ```
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { components } from '../../generated/api-types.ts';

// The wire enumerations come from the spec (generated types); only the catalog's own ones are declared here.
export type BillingCycle = components['schemas']['BillingCycle'];
export type TermDuration = components['schemas']['TermDuration'];
export type RenewalTerm = NonNullable<components['schemas']['RenewsTo']['termDuration']>;
export type ItemKind = 'license' | 'legacy_license' | 'azure' | 'azure_reservation' | 'software' | 'saas';
export type PurchaseSystem = 'OMS' | 'modern';

export const BILLING_CYCLES = ['unknown', 'monthly', 'annual', 'none', 'one_time', 'triennial', 'biennial'] as const satisfies readonly BillingCycle[];
export const TERM_DURATIONS = ['P1M', 'P1Y', 'P3Y'] as const satisfies readonly TermDuration[];
export const RENEWAL_TERMS = ['P1M', 'P1Y'] as const satisfies readonly RenewalTerm[];
// Compile-time: the lists above name every value of the spec's enumerations (a new one fails here).
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
export const ENUMERATIONS_COMPLETE: [Missing<BillingCycle, (typeof BILLING_CYCLES)[number]>, Missing<TermDuration, (typeof TERM_DURATIONS)[number]>, Missing<RenewalTerm, (typeof RENEWAL_TERMS)[number]>] = [true, true, true];
export const ITEM_KINDS: readonly ItemKind[] = ['license', 'legacy_license', 'azure', 'azure_reservation', 'software', 'saas'];
export const PURCHASE_SYSTEMS: readonly PurchaseSystem[] = ['OMS', 'modern'];

/** Length of a term in months. */
export const TERM_MONTHS: Readonly<Record<TermDuration, number>> = { P1M: 1, P1Y: 12, P3Y: 36 };

/**
 * Length of one billing period in months; 0 for the cycles that are not periodic
 * (`one_time` is charged once for the whole term, `none` is never charged, `unknown` is not a cycle).
 */
export const CYCLE_MONTHS: Readonly<Record<BillingCycle, number>> = {
  unknown: 0, none: 0, one_time: 0, monthly: 1, annual: 12, biennial: 24, triennial: 36,
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
  readonly note: string | undefined;
}

export interface MarketInfo {
  readonly country: string;
  readonly currencyCode: string;
  readonly currencySymbol: string;
}

export interface Catalog {
  /** The file it was read from (or the label given to parseCatalog). */
  readonly source: string;
  readonly markets: ReadonlyMap<string, MarketInfo>;
  /** Lower-cased customer id -> market country. */
  readonly customers: ReadonlyMap<string, string>;
  readonly items: readonly CatalogItem[];
  /** Lower-cased catalogItemId -> item. */
  readonly byId: ReadonlyMap<string, CatalogItem>;
}

/** The market of every customer the catalog does not list. */
export const DEFAULT_COUNTRY = 'US';

/** The catalog shipped with the repository. */
export const DEFAULT_CATALOG_PATH: string = join(import.meta.dirname, '..', 'catalog', 'catalog.json');

/** Reads, checks and indexes a catalog file. Throws an Error naming the file and the offending entry. */
export function loadCatalog(path: string = DEFAULT_CATALOG_PATH): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`Catalog ${path}: cannot be read (${(err as Error).message})`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`Catalog ${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseCatalog(data, path);
}

/** Looks an item up by catalogItemId, ignoring case. */
export function findCatalogItem(catalog: Catalog, catalogItemId: string): CatalogItem | undefined {
  return catalog.byId.get(catalogItemId.toLowerCase());
}

/** The market a customer buys in: the catalog's `customers` entry, else US. */
export function marketOf(catalog: Catalog, customerId: string): MarketInfo {
  const country = catalog.customers.get(customerId.toLowerCase()) ?? DEFAULT_COUNTRY;
  const market = catalog.markets.get(country);
  // parseCatalog guarantees that US and every customer's country are markets.
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

// ---------------------------------------------------------------------------------------------
// Validation

const THREE_PART_ID = /^([A-Z0-9]{12}):([A-Z0-9]{4}):([A-Z0-9]{12})$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LEGACY_AZURE_ID = /^MS-AZR-[0-9]{4}P$/i;
const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;
const LOWER_CAMEL = /^[a-z][A-Za-z0-9]*$/;

const ITEM_FIELDS = new Set([
  'catalogItemId', 'title', 'kind', 'purchaseSystem', 'markets', 'terms', 'termless', 'minQuantity',
  'maxQuantity', 'seatLimitPerCustomer', 'enforceAttestation', 'trial', 'addOnOf', 'provisioningVariables',
  'renewsTo', 'promotions', 'purchasable', 'note',
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Splits an id into product and SKU; undefined when it has none of the known shapes. */
export function splitCatalogItemId(id: string): { productId: string; skuId: string } | undefined {
  const parts = THREE_PART_ID.exec(id);
  if (parts) return { productId: parts[1]!, skuId: parts[2]! };
  if (GUID.test(id) || LEGACY_AZURE_ID.test(id)) return { productId: id, skuId: '' };
  return undefined;
}

/** Checks and indexes catalog data already parsed from JSON; `source` names it in error messages. */
export function parseCatalog(data: unknown, source: string): Catalog {
  const fail: (where: string, problem: string) => never = (where, problem) => {
    throw new Error(`Catalog ${source}: ${where}: ${problem}`);
  };
  if (!isObject(data)) fail('top level', 'must be an object with markets, customers and items');
  const root = data as Json;
  for (const key of Object.keys(root)) {
    if (!['note', 'markets', 'customers', 'items'].includes(key)) fail('top level', `unknown field ${quote(key)}`);
  }

  // markets
  if (!isObject(root.markets)) fail('markets', 'missing or not an object');
  const markets = new Map<string, MarketInfo>();
  for (const [country, value] of Object.entries(root.markets as Json)) {
    const where = `markets.${country}`;
    if (!COUNTRY.test(country)) fail(where, 'the key must be a two-letter upper-case country code');
    if (!isObject(value)) fail(where, 'must be an object { currencyCode, currencySymbol }');
    const m = value as Json;
    for (const key of Object.keys(m)) {
      if (key !== 'currencyCode' && key !== 'currencySymbol') fail(where, `unknown field ${quote(key)}`);
    }
    if (typeof m.currencyCode !== 'string' || !CURRENCY.test(m.currencyCode)) {
      fail(where, 'currencyCode missing or not a three-letter upper-case ISO 4217 code');
    }
    if (typeof m.currencySymbol !== 'string' || m.currencySymbol === '') fail(where, 'currencySymbol missing or empty');
    markets.set(country, { country, currencyCode: m.currencyCode as string, currencySymbol: m.currencySymbol as string });
  }
  if (!markets.has(DEFAULT_COUNTRY)) fail('markets', `must include ${DEFAULT_COUNTRY}, the market of unlisted customers`);

  // customers
  if (!isObject(root.customers)) fail('customers', 'missing or not an object');
  const customers = new Map<string, string>();
  for (const [customerId, country] of Object.entries(root.customers as Json)) {
    const where = `customers.${customerId}`;
    if (!GUID.test(customerId)) fail(where, 'the key must be a customer GUID');
    if (typeof country !== 'string' || !markets.has(country)) fail(where, `unknown market ${quote(country)}`);
    if (customers.has(customerId.toLowerCase())) fail(where, 'duplicate customer id');
    customers.set(customerId.toLowerCase(), country as string);
  }

  // items
  if (!Array.isArray(root.items) || root.items.length === 0) fail('items', 'missing or empty array');
  const items: CatalogItem[] = [];
  const byId = new Map<string, CatalogItem>();
  (root.items as unknown[]).forEach((raw, index) => {
    const item = parseItem(raw, `items[${index}]`, markets, fail);
    const key = item.catalogItemId.toLowerCase();
    if (byId.has(key)) fail(`items[${index}] (${item.catalogItemId})`, 'duplicate catalogItemId');
    byId.set(key, item);
    items.push(item);
  });

  // cross-item checks
  const products = new Set(items.map((i) => i.productId.toLowerCase()));
  const seatLimits = new Map<string, { limit: number | undefined; id: string }>();
  items.forEach((item, index) => {
    const where = `items[${index}] (${item.catalogItemId})`;
    for (const base of item.addOnOf) {
      if (!products.has(base.toLowerCase())) fail(where, `addOnOf names product ${quote(base)}, which no item has`);
      if (base.toLowerCase() === item.productId.toLowerCase()) fail(where, 'addOnOf names the item\'s own product');
    }
    const pool = productSkuKey(item);
    const seen = seatLimits.get(pool);
    if (seen && seen.limit !== item.seatLimitPerCustomer) {
      fail(where, `seatLimitPerCustomer differs from ${seen.id}, which has the same product and SKU (the limit is pooled)`);
    }
    seatLimits.set(pool, { limit: item.seatLimitPerCustomer, id: item.catalogItemId });
  });

  return { source, markets, customers, items, byId };
}

function parseItem(
  raw: unknown,
  position: string,
  markets: ReadonlyMap<string, MarketInfo>,
  fail: (where: string, problem: string) => never,
): CatalogItem {
  if (!isObject(raw)) return fail(position, 'must be an object');
  const catalogItemId = raw.catalogItemId;
  if (typeof catalogItemId !== 'string' || catalogItemId === '') return fail(position, 'missing field "catalogItemId"');
  const where = `${position} (${catalogItemId})`;
  const ids = splitCatalogItemId(catalogItemId);
  if (!ids) {
    return fail(where, 'catalogItemId must be productId:skuId:availabilityId, a legacy offer GUID or MS-AZR-nnnnP');
  }
  for (const key of Object.keys(raw)) {
    if (!ITEM_FIELDS.has(key)) fail(where, `unknown field ${quote(key)}`);
  }

  const title = raw.title;
  if (typeof title !== 'string' || title.trim() === '') fail(where, 'missing field "title"');
  const kind = raw.kind;
  if (!ITEM_KINDS.includes(kind as ItemKind)) fail(where, `kind must be one of ${ITEM_KINDS.join(', ')}`);
  const purchaseSystem = raw.purchaseSystem;
  if (!PURCHASE_SYSTEMS.includes(purchaseSystem as PurchaseSystem)) {
    fail(where, `purchaseSystem must be one of ${PURCHASE_SYSTEMS.join(', ')}`);
  }

  const optionalBoolean = (name: string, fallback: boolean): boolean => {
    const value = raw[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(where, `${name} must be a boolean`);
    return value as boolean;
  };
  const positiveInteger = (name: string, required: boolean): number | undefined => {
    const value = raw[name];
    if (value === undefined && !required) return undefined;
    if (value === undefined) fail(where, `missing field ${quote(name)}`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(where, `${name} must be an integer >= 1`);
    return value as number;
  };
  const stringArray = (name: string): string[] => {
    const value = raw[name];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
      fail(where, `${name} must be an array of non-empty strings`);
    }
    return value as string[];
  };

  let itemMarkets = [...markets.keys()];
  if (raw.markets !== undefined) {
    itemMarkets = stringArray('markets');
    if (itemMarkets.length === 0) fail(where, 'markets must not be empty');
    for (const m of itemMarkets) if (!markets.has(m)) fail(where, `unknown market ${quote(m)} in markets`);
    if (new Set(itemMarkets).size !== itemMarkets.length) fail(where, 'markets lists a country twice');
  }

  const parseOffers = (value: unknown, label: string, term: TermDuration | undefined): CycleOffers => {
    if (!isObject(value) || Object.keys(value).length === 0) {
      return fail(where, `${label} must be an object of billing cycle -> prices`);
    }
    const offers: Partial<Record<BillingCycle, MarketPrices | null>> = {};
    for (const [cycle, prices] of Object.entries(value)) {
      const at = `${label}.${cycle}`;
      if (!BILLING_CYCLES.includes(cycle as BillingCycle) || cycle === 'unknown') {
        fail(where, `${at}: unknown billing cycle`);
      }
      const c = cycle as BillingCycle;
      if (term !== undefined && CYCLE_MONTHS[c] > 0 && TERM_MONTHS[term] % CYCLE_MONTHS[c] !== 0) {
        fail(where, `${at}: a ${c} billing period does not fit a ${term} term`);
      }
      if (prices === null) {
        offers[c] = null;
        continue;
      }
      if (!isObject(prices)) fail(where, `${at}: prices must be an object of market -> price, or null`);
      const table = prices as Json;
      for (const m of Object.keys(table)) {
        if (!markets.has(m)) fail(where, `${at}: unknown market ${quote(m)}`);
        if (!itemMarkets.includes(m)) fail(where, `${at}: price for ${m}, a market the item is not sold in`);
      }
      for (const m of itemMarkets) {
        const price = table[m];
        if (price === undefined) fail(where, `${at}: price missing for market ${m}`);
        if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
          fail(where, `${at}.${m}: price must be a number >= 0`);
        }
        if (c === 'none' && price !== 0) fail(where, `${at}.${m}: billing cycle none is never charged; its price must be 0`);
      }
      offers[c] = table as MarketPrices;
    }
    return offers;
  };

  const terms: Partial<Record<TermDuration, CycleOffers>> = {};
  if (raw.terms !== undefined) {
    if (!isObject(raw.terms)) fail(where, 'terms must be an object of term -> billing cycles');
    for (const [term, offers] of Object.entries(raw.terms as Json)) {
      if (!TERM_DURATIONS.includes(term as TermDuration)) fail(where, `terms.${term}: unknown term`);
      terms[term as TermDuration] = parseOffers(offers, `terms.${term}`, term as TermDuration);
    }
  }
  const termless = raw.termless === undefined ? undefined : parseOffers(raw.termless, 'termless', undefined);
  if (Object.keys(terms).length === 0 && termless === undefined) {
    fail(where, 'offers nothing: give terms, termless or both');
  }

  const minQuantity = positiveInteger('minQuantity', true)!;
  const maxQuantity = positiveInteger('maxQuantity', true)!;
  if (minQuantity > maxQuantity) fail(where, 'minQuantity is greater than maxQuantity');
  const seatLimitPerCustomer = positiveInteger('seatLimitPerCustomer', false);

  const addOnOf = stringArray('addOnOf');

  const provisioningVariables: ProvisioningVariable[] = [];
  if (raw.provisioningVariables !== undefined) {
    if (!Array.isArray(raw.provisioningVariables)) fail(where, 'provisioningVariables must be an array');
    (raw.provisioningVariables as unknown[]).forEach((v, i) => {
      const at = `provisioningVariables[${i}]`;
      if (!isObject(v)) return fail(where, `${at} must be an object { name, required, allowedValues? }`);
      for (const key of Object.keys(v)) {
        if (!['name', 'required', 'allowedValues'].includes(key)) fail(where, `${at}: unknown field ${quote(key)}`);
      }
      if (typeof v.name !== 'string' || !LOWER_CAMEL.test(v.name)) fail(where, `${at}: name missing or not lower-camel`);
      if (typeof v.required !== 'boolean') fail(where, `${at}: required missing or not a boolean`);
      const allowed = v.allowedValues;
      if (allowed !== undefined && (!Array.isArray(allowed) || allowed.length === 0 || allowed.some((a) => typeof a !== 'string'))) {
        fail(where, `${at}: allowedValues must be a non-empty array of strings`);
      }
      if (provisioningVariables.some((p) => p.name.toLowerCase() === (v.name as string).toLowerCase())) {
        fail(where, `${at}: duplicate variable ${quote(v.name)}`);
      }
      provisioningVariables.push({
        name: v.name as string,
        required: v.required as boolean,
        ...(allowed === undefined ? {} : { allowedValues: allowed as string[] }),
      });
    });
  }

  const renewsTo = stringArray('renewsTo');
  for (const r of renewsTo) if (!RENEWAL_TERMS.includes(r as RenewalTerm)) fail(where, `renewsTo: unknown term ${quote(r)}`);

  const promotions: Promotion[] = [];
  if (raw.promotions !== undefined) {
    if (!Array.isArray(raw.promotions)) fail(where, 'promotions must be an array');
    (raw.promotions as unknown[]).forEach((p, i) => {
      const at = `promotions[${i}]`;
      if (!isObject(p)) return fail(where, `${at} must be an object { promotionId, discountPercent, automatic }`);
      for (const key of Object.keys(p)) {
        if (!['promotionId', 'discountPercent', 'automatic'].includes(key)) fail(where, `${at}: unknown field ${quote(key)}`);
      }
      if (typeof p.promotionId !== 'string' || !THREE_PART_ID.test(p.promotionId)) {
        fail(where, `${at}: promotionId missing or not productId:skuId:availabilityId`);
      }
      const pct = p.discountPercent;
      if (typeof pct !== 'number' || !(pct > 0 && pct <= 100)) fail(where, `${at}: discountPercent must be a number in (0, 100]`);
      if (typeof p.automatic !== 'boolean') fail(where, `${at}: automatic missing or not a boolean`);
      if (promotions.some((q) => q.promotionId.toLowerCase() === (p.promotionId as string).toLowerCase())) {
        fail(where, `${at}: duplicate promotionId`);
      }
      promotions.push({ promotionId: p.promotionId as string, discountPercent: pct as number, automatic: p.automatic as boolean });
    });
    if (promotions.filter((p) => p.automatic).length > 1) fail(where, 'more than one automatic promotion');
  }

  const note = raw.note;
  if (note !== undefined && typeof note !== 'string') fail(where, 'note must be a string');

  return {
    catalogItemId,
    productId: ids.productId,
    skuId: ids.skuId,
    title: title as string,
    kind: kind as ItemKind,
    purchaseSystem: purchaseSystem as PurchaseSystem,
    markets: itemMarkets,
    terms,
    termless,
    minQuantity,
    maxQuantity,
    seatLimitPerCustomer,
    enforceAttestation: optionalBoolean('enforceAttestation', false),
    trial: optionalBoolean('trial', false),
    addOnOf,
    provisioningVariables,
    renewsTo: renewsTo as RenewalTerm[],
    promotions,
    purchasable: optionalBoolean('purchasable', true),
    note: note as string | undefined,
  };
}
