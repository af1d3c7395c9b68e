/**
 * Reads the catalog file: JSON, checked against catalog.schema.json (JSON Schema 2020-12, ajv),
 * then the few rules a schema cannot state (values that must agree with each other), then indexed
 * as the domain's `Catalog`. The only code that touches the file system for the catalog.
 *
 * Every failure is one `CatalogFileError` whose message is one line naming the file and the place
 * in it: `catalog server/catalog/catalog.json: /items/3/terms/P1Y/monthly: must be object or null
 * (item CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5)` (a JSON pointer; `line L, column C` when the file is not
 * valid JSON).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import {
  billingCycleValues,
  renewsToTermDurationValues,
  targetViewValues,
  termDurationValues,
} from '../../generated/api-types.ts';
import * as generated from '../../generated/catalog-validator.ts';
import { AJV_OPTIONS, catalogSchema as schema, enumerationsSchema, schemaFingerprint } from './catalog-schema.ts';
import {
  CYCLE_MONTHS,
  TERM_MONTHS,
  productSkuKey,
  type BillingCycle,
  type Catalog,
  type CatalogItem,
  type CatalogProduct,
  type CycleOffers,
  type IntegrationSandbox,
  type MarketInfo,
  type TermDuration,
} from '../domain/catalog.ts';

/** The catalog shipped with the repository. */
export const DEFAULT_CATALOG_PATH: string = join(import.meta.dirname, 'catalog.json');

/** A catalog file that cannot be used. `message` is one line: `catalog <file>: <place>: <problem>`. */
export class CatalogFileError extends Error {
  override readonly name = 'CatalogFileError';
  /** The file as it was named to loadCatalog (or the label given to parseCatalog). */
  readonly file: string;
  /**
   * JSON pointer of the bad value (`''` for the whole document), `line L, column C` for a JSON syntax error, undefined
   * when the file cannot be read.
   */
  readonly place: string | undefined;
  readonly problem: string;

  constructor(file: string, place: string | undefined, problem: string, options?: ErrorOptions) {
    super(
      `catalog ${displayPath(file)}: ${place === undefined ? '' : `${place === '' ? '(root)' : place}: `}${problem}`,
      options,
    );
    this.file = file;
    this.place = place;
    this.problem = problem;
  }
}

/** Reads, checks and indexes a catalog file. Throws a CatalogFileError. */
export function loadCatalog(path: string = DEFAULT_CATALOG_PATH): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CatalogFileError(
      path,
      undefined,
      code === 'ENOENT' ? 'file not found' : `cannot be read (${(err as Error).message})`,
      { cause: err },
    );
  }
  text = text.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = jsonErrorPosition(text, message);
    // Without its position (given as the place) and, once located, without the quote around the token.
    const reason = (
      at === undefined ? message : message.replace(/ in JSON at position \d+.*$|, (\.\.\.)?".*$/su, '')
    ).replace(/\r?\n|\r/g, '\\n');
    throw new CatalogFileError(
      path,
      at === undefined ? undefined : lineAndColumn(text, at),
      `not valid JSON (${reason})`,
      { cause: err },
    );
  }
  return parseCatalog(data, path);
}

/** Checks and indexes catalog data already parsed from JSON; `source` names it in error messages. */
export function parseCatalog(data: unknown, source: string): Catalog {
  const validate = validator();
  if (!validate(data)) throw schemaError(data, source, validate.errors ?? []);
  return buildCatalog(
    data,
    (place, problem) => {
      throw new CatalogFileError(source, place, `${problem}${itemNote(data, place)}`);
    },
    source,
  );
}

// ---------------------------------------------------------------------------------------------
// The file as the schema describes it

type FileItem = Pick<
  CatalogItem,
  'catalogItemId' | 'title' | 'kind' | 'purchaseSystem' | 'minQuantity' | 'maxQuantity'
> &
  Partial<
    Pick<
      CatalogItem,
      | 'markets'
      | 'terms'
      | 'termless'
      | 'seatLimitPerCustomer'
      | 'enforceAttestation'
      | 'trial'
      | 'addOnOf'
      | 'provisioningVariables'
      | 'renewsTo'
      | 'promotions'
      | 'purchasable'
      | 'note'
    >
  > & { integrationSandbox?: Exclude<IntegrationSandbox, 'allowed'> };

type FileProduct = Omit<CatalogProduct, 'id' | 'note' | 'items'> & { note?: string };

interface CatalogFile {
  note?: string;
  markets: Record<string, Omit<MarketInfo, 'country'>>;
  customers: Record<string, string>;
  products: Record<string, FileProduct>;
  items: FileItem[];
}

/** What the availabilities of one product SKU must agree on: the SKU the catalog operations serve has one of each. */
const SKU_FIELDS = ['title', 'kind', 'minQuantity', 'maxQuantity', 'trial', 'enforceAttestation'] as const;

let compiled: ValidateFunction<CatalogFile> | undefined;

/**
 * The schema's validator: the one `npm run generate` compiled (generated/catalog-validator.ts), when
 * it was compiled from this schema and these enumerations; else compiled here, once (a schema edited
 * since the last generation is still the one checked).
 */
function validator(): ValidateFunction<CatalogFile> {
  if (compiled) return compiled;
  const enumerations = enumerationsSchema({
    billingCycleValues,
    termDurationValues,
    renewsToTermDurationValues,
    targetViewValues,
  });
  if (generated.fingerprint === schemaFingerprint(enumerations)) {
    compiled = generated.validate as unknown as ValidateFunction<CatalogFile>;
    return compiled;
  }
  // Loaded here, not above: a start with the generated validator needs none of Ajv's compiler.
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new Ajv2020(AJV_OPTIONS);
  ajv.addSchema(enumerations);
  compiled = ajv.compile<CatalogFile>(schema);
  return compiled;
}

/** Whether the catalog is checked by the validator `npm run generate` compiled (what a test checks). */
export function usesGeneratedValidator(): boolean {
  return validator() === (generated.validate as unknown);
}

// ---------------------------------------------------------------------------------------------
// The rules the schema cannot state, and the index

type Fail = (place: string, problem: string) => never;

function buildCatalog(file: CatalogFile, fail: Fail, source: string): Catalog {
  const markets = new Map<string, MarketInfo>();
  for (const [country, m] of Object.entries(file.markets)) {
    markets.set(country, { country, currencyCode: m.currencyCode, currencySymbol: m.currencySymbol });
  }
  const knownMarket = (place: string, country: string): void => {
    if (!markets.has(country))
      fail(place, `unknown market ${quote(country)}; the markets are ${[...markets.keys()].join(', ')}`);
  };

  const customers = new Map<string, string>();
  const customerPlaces = new Map<string, string>();
  for (const [customerId, country] of Object.entries(file.customers)) {
    const place = pointer('customers', customerId);
    knownMarket(place, country);
    const key = customerId.toLowerCase();
    const first = customerPlaces.get(key);
    if (first !== undefined) fail(place, `the same customer id as ${first} (ids are compared ignoring case)`);
    customers.set(key, country);
    customerPlaces.set(key, place);
  }

  const items = file.items.map((raw, index) => buildItem(raw, index, markets, knownMarket, fail));

  // The product catalog: each entry of `products`, with the three-part items that sell it.
  const productEntries = new Map<string, { id: string; entry: FileProduct; items: CatalogItem[] }>();
  for (const [id, entry] of Object.entries(file.products)) {
    const key = id.toLowerCase();
    const first = productEntries.get(key);
    if (first)
      fail(
        pointer('products', id),
        `the same product id as ${pointer('products', first.id)} (ids are compared ignoring case)`,
      );
    productEntries.set(key, { id, entry, items: [] });
  }

  const byId = new Map<string, CatalogItem>();
  const itemProducts = new Set(items.map((i) => i.productId.toLowerCase()));
  const seatLimits = new Map<string, number>();
  const skus = new Map<string, number>();
  items.forEach((item, index) => {
    const key = item.catalogItemId.toLowerCase();
    const first = byId.get(key);
    if (first)
      fail(
        pointer('items', index, 'catalogItemId'),
        `the same catalogItemId as ${pointer('items', items.indexOf(first))} (ids are compared ignoring case)`,
      );
    byId.set(key, item);

    if (item.skuId !== '') {
      const product = productEntries.get(item.productId.toLowerCase());
      if (!product) {
        fail(
          pointer('items', index, 'catalogItemId'),
          `product ${quote(item.productId)} is not under products (every productId:skuId:availabilityId item needs its product there)`,
        );
      }
      product.items.push(item);
      const sku = skus.get(productSkuKey(item));
      if (sku !== undefined) {
        const other = items[sku]!;
        for (const field of SKU_FIELDS) {
          if (item[field] === other[field]) continue;
          fail(
            Object.hasOwn(file.items[index]!, field) ? pointer('items', index, field) : pointer('items', index),
            `${field} ${quote(item[field])} differs from ${quote(other[field])} at ${pointer('items', sku)}, another availability of the same product SKU (a SKU has one ${field})`,
          );
        }
      } else {
        skus.set(productSkuKey(item), index);
      }
    }

    item.addOnOf.forEach((base, k) => {
      if (!itemProducts.has(base.toLowerCase()))
        fail(pointer('items', index, 'addOnOf', k), `names product ${quote(base)}, which no item has`);
      if (base.toLowerCase() === item.productId.toLowerCase())
        fail(pointer('items', index, 'addOnOf', k), "names the item's own product");
    });

    const pool = productSkuKey(item);
    const other = seatLimits.get(pool);
    const limit = item.seatLimitPerCustomer;
    const otherLimit = other === undefined ? undefined : items[other]!.seatLimitPerCustomer;
    if (other !== undefined && otherLimit !== limit) {
      fail(
        limit === undefined ? pointer('items', index) : pointer('items', index, 'seatLimitPerCustomer'),
        `seatLimitPerCustomer ${limit ?? 'absent'} differs from ${otherLimit ?? 'absent'} at ${pointer('items', other)}, which has the same product and SKU (the limit is pooled)`,
      );
    }
    seatLimits.set(pool, index);
  });

  const products = new Map<string, CatalogProduct>();
  for (const [key, { id, entry, items: sold }] of productEntries) {
    if (sold.length === 0)
      fail(
        pointer('products', id),
        'no item sells this product (a product needs at least one productId:skuId:availabilityId item with its id)',
      );
    products.set(key, {
      id,
      title: entry.title,
      description: entry.description,
      productType: entry.productType,
      publisherName: entry.publisherName,
      isMicrosoftProduct: entry.isMicrosoftProduct,
      targetViews: entry.targetViews,
      note: entry.note,
      items: sold,
    });
  }

  return { source, markets, customers, items, byId, products };
}

function buildItem(
  raw: FileItem,
  index: number,
  markets: ReadonlyMap<string, MarketInfo>,
  knownMarket: (place: string, country: string) => void,
  fail: Fail,
): CatalogItem {
  const at = (...path: (string | number)[]): string => pointer('items', index, ...path);
  // The schema allows three shapes: productId:skuId:availabilityId, or a legacy id that is all product.
  const [productId, skuId = ''] = raw.catalogItemId.split(':');

  raw.markets?.forEach((country, k) => knownMarket(at('markets', k), country));
  const itemMarkets = raw.markets ?? [...markets.keys()];

  const checkOffers = (offers: CycleOffers, path: string[], term: TermDuration | undefined): void => {
    for (const [cycle, prices] of Object.entries(offers)) {
      const months = CYCLE_MONTHS[cycle as BillingCycle];
      if (term !== undefined && months > 0 && TERM_MONTHS[term] % months !== 0) {
        fail(
          at(...path, cycle),
          `billing cycle ${cycle} does not fit a ${term} term (${months} months per period, ${TERM_MONTHS[term]} in the term)`,
        );
      }
      if (prices === null || prices === undefined) continue;
      for (const country of Object.keys(prices)) {
        knownMarket(at(...path, cycle, country), country);
        if (!itemMarkets.includes(country))
          fail(at(...path, cycle, country), `a price for ${country}, a market the item is not sold in`);
      }
      for (const country of itemMarkets) {
        if (!Object.hasOwn(prices, country)) fail(at(...path, cycle), `price missing for market ${country}`);
      }
    }
  };
  for (const [term, offers] of Object.entries(raw.terms ?? {}))
    checkOffers(offers, ['terms', term], term as TermDuration);
  if (raw.termless) checkOffers(raw.termless, ['termless'], undefined);

  if (raw.minQuantity > raw.maxQuantity)
    fail(at('minQuantity'), `is greater than maxQuantity (${raw.minQuantity} > ${raw.maxQuantity})`);

  const provisioningVariables = raw.provisioningVariables ?? [];
  provisioningVariables.forEach((variable, i) => {
    const first = provisioningVariables.findIndex((v) => v.name.toLowerCase() === variable.name.toLowerCase());
    if (first < i)
      fail(
        at('provisioningVariables', i, 'name'),
        `the same variable as ${at('provisioningVariables', first)} (names are compared ignoring case)`,
      );
  });

  const promotions = raw.promotions ?? [];
  promotions.forEach((promotion, i) => {
    const first = promotions.findIndex((p) => p.promotionId.toLowerCase() === promotion.promotionId.toLowerCase());
    if (first < i)
      fail(
        at('promotions', i, 'promotionId'),
        `the same promotionId as ${at('promotions', first)} (ids are compared ignoring case)`,
      );
    const automatic = promotions.findIndex((p) => p.automatic);
    if (promotion.automatic && automatic < i) {
      fail(
        at('promotions', i, 'automatic'),
        `more than one automatic promotion (${at('promotions', automatic)} is automatic too)`,
      );
    }
  });

  return {
    catalogItemId: raw.catalogItemId,
    productId: productId!,
    skuId,
    title: raw.title,
    kind: raw.kind,
    purchaseSystem: raw.purchaseSystem,
    markets: itemMarkets,
    terms: raw.terms ?? {},
    termless: raw.termless,
    minQuantity: raw.minQuantity,
    maxQuantity: raw.maxQuantity,
    seatLimitPerCustomer: raw.seatLimitPerCustomer,
    enforceAttestation: raw.enforceAttestation ?? false,
    trial: raw.trial ?? false,
    addOnOf: raw.addOnOf ?? [],
    provisioningVariables,
    renewsTo: raw.renewsTo ?? [],
    promotions,
    purchasable: raw.purchasable ?? true,
    integrationSandbox: raw.integrationSandbox ?? 'allowed',
    note: raw.note,
  };
}

// ---------------------------------------------------------------------------------------------
// Messages

/** One error out of ajv's list (the first failing keyword and, before it, what failed inside it). */
function schemaError(data: unknown, source: string, errors: readonly ErrorObject[]): CatalogFileError {
  const last = errors.at(-1);
  if (!last) return new CatalogFileError(source, '', 'does not match the catalog schema');
  let place = last.instancePath;
  let problem: string;
  const inner = errors.at(-2);
  if (last.keyword === 'propertyNames' && inner) {
    // The inner error is about the name, reported at the object: name the property instead.
    place = `${place}/${escapePointer(String(last.params.propertyName))}`;
    problem = `property name ${describe(inner, false)}`;
  } else if (
    last.keyword === 'anyOf' &&
    errors.slice(0, -1).every((e) => e.keyword === 'required' && e.instancePath === last.instancePath)
  ) {
    problem = `must have at least one of the properties ${errors
      .slice(0, -1)
      .map((e) => quote(e.params.missingProperty))
      .join(', ')}`;
  } else if (last.keyword === 'required' && last.instancePath === '' && last.params.missingProperty === 'products') {
    // A catalog written before the catalog operations: say what to add.
    problem =
      'must have required property "products", the product catalog: an entry (title, description, productType, ' +
      'publisherName, isMicrosoftProduct, targetViews) for the product id of every productId:skuId:availabilityId item ' +
      '(see server/catalog/catalog.schema.json)';
  } else if (last.keyword === 'additionalProperties') {
    place = `${place}/${escapePointer(String(last.params.additionalProperty))}`;
    const allowed = Object.keys((last.parentSchema?.properties as object | undefined) ?? {});
    problem = `unknown property${allowed.length ? ` (the properties are ${allowed.join(', ')})` : ''}`;
  } else if (last.keyword === 'uniqueItems') {
    place = `${place}/${String(last.params.i)}`;
    problem = `the same value as ${last.instancePath}/${String(last.params.j)}`;
  } else {
    problem = describe(last, true);
  }
  return new CatalogFileError(source, place, `${problem}${itemNote(data, place)}`);
}

/** What is wrong, in words; with the value found when it is a scalar and `withValue`. */
function describe(error: ErrorObject, withValue: boolean): string {
  const params = error.params as Record<string, unknown>;
  const title = error.parentSchema?.title as string | undefined;
  let text: string;
  switch (error.keyword) {
    case 'type':
      text = `must be ${[params.type].flat().join(' or ')}`;
      break;
    case 'enum':
      text = `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
      break;
    case 'const':
      text = `must be ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'required':
      text = `must have required property ${quote(params.missingProperty)}`;
      break;
    case 'pattern':
      text = title ? `must be ${title}` : (error.message ?? 'does not match');
      break;
    default:
      text = error.message ?? `fails ${error.keyword}`;
  }
  const value: unknown = error.data;
  if (
    !withValue ||
    error.keyword === 'required' ||
    error.keyword.endsWith('Properties') ||
    error.keyword.endsWith('Items')
  )
    return text;
  if (value === null || typeof value !== 'object') return `${text}; found ${JSON.stringify(value)}`;
  return `${text}; found ${Array.isArray(value) ? 'an array' : 'an object'}`;
}

/** ` (item <catalogItemId>)` when the place is inside an item that has a catalogItemId, to find it by eye. */
function itemNote(data: unknown, place: string): string {
  const match = /^\/items\/(\d+)(?:\/|$)/.exec(place);
  const items = (data as { items?: unknown } | null)?.items;
  if (!match || !Array.isArray(items)) return '';
  const id = (items[Number(match[1])] as { catalogItemId?: unknown } | undefined)?.catalogItemId;
  return typeof id === 'string' ? ` (item ${id})` : '';
}

function pointer(...path: (string | number)[]): string {
  return path.map((segment) => `/${escapePointer(String(segment))}`).join('');
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** The file as messages name it: relative to the working directory when it is inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * Offset of a JSON.parse error in `text`. V8 states it ("... in JSON at position 14"), except at the
 * end of the input and for an unexpected token, where it quotes up to 10 characters either side
 * of the token instead; the offset is then found from that quote, and only when it is unambiguous.
 */
function jsonErrorPosition(text: string, message: string): number | undefined {
  const stated = / in JSON at position (\d+)/.exec(message);
  if (stated) return Number(stated[1]);
  if (message.startsWith('Unexpected end of JSON input')) return text.length;
  const token = /^Unexpected token '(.)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/su.exec(message);
  if (!token) return undefined;
  const [, char, before, context = '', after] = token;
  const candidates: number[] = [];
  if (before) {
    for (let start = text.indexOf(context); start !== -1; start = text.indexOf(context, start + 1))
      candidates.push(start + 10);
  } else if (after) {
    candidates.push(context.length - 10);
  } else {
    // A short input, quoted whole: the token is wherever its character is, if it occurs once.
    for (let at = text.indexOf(char!); at !== -1; at = text.indexOf(char!, at + 1)) candidates.push(at);
  }
  const found = candidates.filter((at) => at >= 0 && text[at] === char);
  return found.length === 1 ? found[0] : undefined;
}

function lineAndColumn(text: string, offset: number): string {
  const lines = text.slice(0, offset).split('\n');
  return `line ${lines.length}, column ${lines.at(-1)!.length + 1}`;
}
