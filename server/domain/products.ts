// Catalog discovery as Partner Center serves it: products, their SKUs and the SKUs' availabilities,
// built from the sandbox catalog (server/domain/catalog.ts). Read-only; knows nothing of HTTP.
//
// What is derived from what (the spec's Product, Sku and Availability say the same to integrators):
// - a product is an entry of the catalog's `products`, sold in a country when one of its items is;
// - a SKU is the product's items that share a SKU id (the loader makes them agree on title, kind,
//   quantities, trial and attestation): billing cycles and provisioning variables are the union of
//   theirs, prerequisites follow the kind of item as Microsoft's published examples show them;
// - an availability is one item, priced in the currency of the country asked for, in the commercial
//   segment (the only one the sandbox sells in), with one term per term duration it is sold on.
// What is not sold in the country asked for is not found there; lists leave it out.
import { createHash } from 'node:crypto';
import {
  billingCycleValues,
  termDurationValues,
  type operations,
  type SchemaProduct as Product,
  type SchemaSku as Sku,
  type SchemaAvailability as Availability,
  type SchemaProductCollection as ProductCollection,
  type SchemaSkuCollection as SkuCollection,
  type SchemaAvailabilityCollection as AvailabilityCollection,
  type SchemaAvailabilityTerm as AvailabilityTerm,
  type SchemaSegment as Segment,
} from '../../generated/api-types.ts';
import {
  findCatalogItem,
  findProduct,
  type BillingCycle,
  type Catalog,
  type CatalogItem,
  type CatalogProduct,
  type CycleOffers,
  type ItemKind,
  type TermDuration,
} from './catalog.ts';
import { DomainError } from './errors.ts';
import { link } from './resources.ts';

export type { Product, Sku, Availability, ProductCollection, SkuCollection, AvailabilityCollection };

/** The query of each catalog operation, as the spec declares it. */
export type ListProductsQuery = operations['listProducts']['parameters']['query'];
export type GetProductQuery = operations['getProduct']['parameters']['query'];
export type ListSkusQuery = operations['listSkus']['parameters']['query'];
export type GetSkuQuery = operations['getSku']['parameters']['query'];
export type ListAvailabilitiesQuery = operations['listAvailabilities']['parameters']['query'];
export type GetAvailabilityQuery = operations['getAvailability']['parameters']['query'];

/** The only segment the sandbox catalog sells in. */
const SEGMENT: Segment = 'commercial';

/**
 * What must be in place before buying, and what an inventory check needs, by kind of item: as the
 * published SKU examples show them (a new-commerce license, the Azure plan, a reserved VM instance).
 * Microsoft publishes none for software and marketplace SKUs, so the sandbox lists none for them.
 */
const PREREQUISITES: Readonly<
  Record<ItemKind, { purchasePrerequisites: readonly string[]; inventoryVariables: readonly string[] }>
> = {
  license: { purchasePrerequisites: ['MicrosoftCloudAgreement'], inventoryVariables: [] },
  azure: { purchasePrerequisites: ['MicrosoftCustomerAgreement'], inventoryVariables: [] },
  azure_reservation: {
    purchasePrerequisites: ['AzureSubscriptionRegistration', 'InventoryCheck'],
    inventoryVariables: ['CustomerId', 'AzureSubscriptionId'],
  },
  software: { purchasePrerequisites: [], inventoryVariables: [] },
  saas: { purchasePrerequisites: [], inventoryVariables: [] },
  // Legacy items are not in the product catalog; listed for completeness of the kinds.
  legacy_license: { purchasePrerequisites: [], inventoryVariables: [] },
};

/** The only attestation type Microsoft documents (Windows 365 with the Windows Hybrid Benefit). */
const ATTESTATION_TYPE = 'Windows365';

/** The refund policy of Microsoft's published new-commerce availability example; shown, not applied. */
const LICENSE_CANCELLATION: AvailabilityTerm['cancellationPolicies'] = [
  { refundOptions: [{ sequenceId: 0, type: 'Full', expiresAfter: 'P1D' }] },
];

const TERM_WORDS: Readonly<Record<TermDuration, string>> = { P1M: 'one-month', P1Y: 'one-year', P3Y: 'three-year' };
const CYCLE_WORDS: Readonly<Partial<Record<BillingCycle, string>>> = {
  monthly: 'monthly',
  annual: 'annually',
  biennial: 'every two years',
  triennial: 'every three years',
  one_time: 'up front',
};

/** A SKU of a product as sold in one country: its id as the catalog spells it, and its items sold there. */
interface SkuItems {
  readonly id: string;
  readonly items: readonly CatalogItem[];
}

export class ProductCatalog {
  readonly #catalog: Catalog;

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }

  get catalog(): Catalog {
    return this.#catalog;
  }

  /** The products of a view sold in a country (empty for a segment the sandbox does not sell in). */
  listProducts(query: ListProductsQuery): ProductCollection {
    const country = this.#country(query.country);
    const products = sellsIn(query.targetSegment)
      ? [...this.#catalog.products.values()].filter(
          (product) => product.targetViews.includes(query.targetView) && soldIn(product, country).length > 0,
        )
      : [];
    const self = withQuery('/products', {
      country,
      targetView: query.targetView,
      targetSegment: query.targetSegment,
      reservationScope: query.reservationScope,
    });
    return collection(
      products.map((product) => productOf(product, country)),
      self,
    );
  }

  getProduct(productId: string, query: GetProductQuery): Product {
    const country = this.#country(query.country);
    return productOf(this.#product(productId, country), country);
  }

  /** The SKUs of a product sold in a country. */
  listSkus(productId: string, query: ListSkusQuery): SkuCollection {
    const country = this.#country(query.country);
    const product = this.#product(productId, country);
    const skus = sellsIn(query.targetSegment) ? skusOf(product, country) : [];
    const self = withQuery(`/products/${product.id}/skus`, {
      country,
      targetSegment: query.targetSegment,
      reservationScope: query.reservationScope,
    });
    return collection(
      skus.map((sku) => this.#skuOf(product, sku, country)),
      self,
    );
  }

  getSku(productId: string, skuId: string, query: GetSkuQuery): Sku {
    const country = this.#country(query.country);
    const product = this.#product(productId, country);
    return this.#skuOf(product, this.#sku(product, skuId, country), country);
  }

  /** The availabilities of a SKU in a country. */
  listAvailabilities(productId: string, skuId: string, query: ListAvailabilitiesQuery): AvailabilityCollection {
    const country = this.#country(query.country);
    const product = this.#product(productId, country);
    const sku = this.#sku(product, skuId, country);
    const items = sellsIn(query.targetSegment) ? sku.items : [];
    const self = withQuery(`/products/${product.id}/skus/${sku.id}/availabilities`, {
      country,
      targetSegment: query.targetSegment,
      reservationScope: query.reservationScope,
    });
    return collection(
      items.map((item) => this.#availabilityOf(product, sku, item, country)),
      self,
    );
  }

  getAvailability(productId: string, skuId: string, availabilityId: string, query: GetAvailabilityQuery): Availability {
    const country = this.#country(query.country);
    const product = this.#product(productId, country);
    const sku = this.#sku(product, skuId, country);
    const item = sku.items.find(
      (candidate) => availabilityIdOf(candidate).toLowerCase() === availabilityId.toLowerCase(),
    );
    if (!item) {
      const elsewhere = product.items.find(
        (candidate) =>
          candidate.skuId.toLowerCase() === sku.id.toLowerCase() &&
          availabilityIdOf(candidate).toLowerCase() === availabilityId.toLowerCase(),
      );
      throw new DomainError(
        'availability-not-found',
        `Availability ${availabilityId} of product ${product.id} SKU ${sku.id} was not found in country ${country}` +
          `${elsewhere ? ` (it is sold in ${elsewhere.markets.join(', ')})` : ''}. ` +
          "Availability ids change over time: read the SKU's availabilities again and use a current one.",
      );
    }
    return this.#availabilityOf(product, sku, item, country);
  }

  /** The country asked for, upper case; a country the catalog has no market for is not served. */
  #country(asked: string): string {
    const country = asked.toUpperCase();
    if (!this.#catalog.markets.has(country)) {
      throw new DomainError(
        'country-not-served',
        `The partner is not onboarded to sell in country ${country}: the sandbox catalog has no market there (it sells in ${[...this.#catalog.markets.keys()].join(', ')}).`,
      );
    }
    return country;
  }

  /** The product, if the catalog has it and sells it in the country. */
  #product(productId: string, country: string): CatalogProduct {
    const product = findProduct(this.#catalog, productId);
    if (!product) {
      const legacy = findCatalogItem(this.#catalog, productId);
      throw new DomainError(
        'product-not-found',
        legacy
          ? `Product ${productId} was not found in country ${country}: ${legacy.catalogItemId} is a legacy offer id, which Partner Center sells through its offer API, not the product catalog.`
          : `Product ${productId} was not found in country ${country}.`,
      );
    }
    if (soldIn(product, country).length === 0) {
      throw new DomainError(
        'product-not-found',
        `Product ${product.id} was not found in country ${country}: it is not sold there (it is sold in ${marketsOf(product.items).join(', ')}).`,
      );
    }
    return product;
  }

  /** The product's SKU, if it is sold in the country. */
  #sku(product: CatalogProduct, skuId: string, country: string): SkuItems {
    const sku = skusOf(product, country).find((candidate) => candidate.id.toLowerCase() === skuId.toLowerCase());
    if (sku) return sku;
    const elsewhere = product.items.filter((item) => item.skuId.toLowerCase() === skuId.toLowerCase());
    throw new DomainError(
      'sku-not-found',
      elsewhere.length > 0
        ? `SKU ${elsewhere[0]!.skuId} of product ${product.id} was not found in country ${country}: it is not sold there (it is sold in ${marketsOf(elsewhere).join(', ')}).`
        : `SKU ${skuId} of product ${product.id} was not found in country ${country}.`,
    );
  }

  #skuOf(product: CatalogProduct, sku: SkuItems, country: string): Sku {
    const first = sku.items[0]!; // a SKU sold in a country has an item there
    const cycles = new Set(
      sku.items.flatMap((item) => [...Object.values(item.terms), item.termless].flatMap(cyclesOf)),
    );
    const variables = new Map<string, string>();
    for (const item of sku.items) {
      for (const variable of item.provisioningVariables) {
        if (!variables.has(variable.name.toLowerCase()))
          variables.set(variable.name.toLowerCase(), pascalCase(variable.name));
      }
    }
    const { purchasePrerequisites, inventoryVariables } = PREREQUISITES[first.kind];
    const base = `/products/${product.id}/skus/${sku.id}`;
    return {
      id: sku.id,
      productId: product.id,
      title: first.title,
      description: product.description,
      minimumQuantity: first.minQuantity,
      maximumQuantity: first.maxQuantity,
      isTrial: first.trial,
      supportedBillingCycles: billingCycleValues.filter((cycle) => cycles.has(cycle)),
      purchasePrerequisites: [...purchasePrerequisites],
      inventoryVariables: [...inventoryVariables],
      provisioningVariables: [...variables.values()],
      dynamicAttributes: {
        isMicrosoftProduct: product.isMicrosoftProduct,
        isAddon: first.addOnOf.length > 0,
        prerequisiteSkus: this.#prerequisiteSkus(first, country),
      },
      ...(first.enforceAttestation
        ? { attestationProperties: { attestationType: ATTESTATION_TYPE, enforceAttestation: true } }
        : {}),
      links: {
        availabilities: link(`${base}/availabilities?country=${country}`),
        self: link(`${base}?country=${country}`),
      },
    };
  }

  /** The SKUs an add-on is bought with, as `productId:skuId`: those of its base products sold in the country. */
  #prerequisiteSkus(item: CatalogItem, country: string): string[] {
    return item.addOnOf.flatMap((base) => {
      const product = findProduct(this.#catalog, base);
      return product ? skusOf(product, country).map((sku) => `${product.id}:${sku.id}`) : [];
    });
  }

  #availabilityOf(product: CatalogProduct, sku: SkuItems, item: CatalogItem, country: string): Availability {
    const market = this.#catalog.markets.get(country)!; // #country checked it
    const id = availabilityIdOf(item);
    const terms = termsOf(item);
    const renewable = item.renewsTo.length > 0;
    return {
      id,
      productId: product.id,
      skuId: sku.id,
      catalogItemId: item.catalogItemId,
      defaultCurrency: { code: market.currencyCode, symbol: market.currencySymbol },
      segment: SEGMENT,
      country,
      isPurchasable: item.purchasable,
      isRenewable: renewable,
      ...(renewable && terms.length > 0
        ? {
            renewalInstructions: [
              {
                applicableTermIds: terms.map((term) => term.id),
                renewalOptions: [{ renewToId: `${product.id}:${sku.id}`, isAutoRenewable: true }],
              },
            ],
          }
        : {}),
      terms,
      product: productOf(product, country),
      sku: this.#skuOf(product, sku, country),
      links: { self: link(`/products/${product.id}/skus/${sku.id}/availabilities/${id}?country=${country}`) },
    };
  }
}

function productOf(product: CatalogProduct, country: string): Product {
  return {
    id: product.id,
    title: product.title,
    description: product.description,
    productType: product.productType,
    isMicrosoftProduct: product.isMicrosoftProduct,
    publisherName: product.publisherName,
    links: {
      skus: link(`/products/${product.id}/skus?country=${country}`),
      self: link(`/products/${product.id}?country=${country}`),
    },
  };
}

/** The product's items sold in the country. */
function soldIn(product: CatalogProduct, country: string): CatalogItem[] {
  return product.items.filter((item) => item.markets.includes(country));
}

/** The product's SKUs sold in the country, in the order of the catalog. */
function skusOf(product: CatalogProduct, country: string): SkuItems[] {
  const skus = new Map<string, { id: string; items: CatalogItem[] }>();
  for (const item of soldIn(product, country)) {
    const key = item.skuId.toLowerCase();
    const sku = skus.get(key) ?? { id: item.skuId, items: [] };
    sku.items.push(item);
    skus.set(key, sku);
  }
  return [...skus.values()];
}

/** The countries any of the items is sold in, each once. */
function marketsOf(items: readonly CatalogItem[]): string[] {
  return [...new Set(items.flatMap((item) => item.markets))];
}

function sellsIn(segment: Segment | undefined): boolean {
  return segment === undefined || segment === SEGMENT;
}

function availabilityIdOf(item: CatalogItem): string {
  return item.catalogItemId.split(':')[2] ?? '';
}

function cyclesOf(offers: CycleOffers | undefined): BillingCycle[] {
  return offers ? (Object.keys(offers) as BillingCycle[]) : [];
}

/** One term per term duration the item is sold on, in the spec's order of durations. */
function termsOf(item: CatalogItem): AvailabilityTerm[] {
  return termDurationValues.flatMap((duration) => {
    const offers = item.terms[duration];
    if (!offers) return [];
    return [
      {
        id: termId(item, duration),
        duration,
        description: termDescription(
          duration,
          billingCycleValues.filter((cycle) => Object.hasOwn(offers, cycle)),
        ),
        ...(item.kind === 'license' ? { cancellationPolicies: LICENSE_CANCELLATION } : {}),
        ...(item.renewsTo.length > 0
          ? {
              renewalOptions: item.renewsTo.map((renewal) => ({
                termDuration: renewal,
                description: `Renews into a ${TERM_WORDS[renewal]} term`,
              })),
            }
          : {}),
      },
    ];
  });
}

/** A term id that stays the same for the same item and duration: 12 characters of a hash, in base 36. */
function termId(item: CatalogItem, duration: TermDuration): string {
  const digest = createHash('sha256').update(`${item.catalogItemId.toLowerCase()}|${duration}`).digest();
  return digest.readBigUInt64BE(0).toString(36).padStart(13, '0').slice(-12);
}

function termDescription(duration: TermDuration, cycles: readonly BillingCycle[]): string {
  const term = TERM_WORDS[duration];
  const words = cycles.flatMap((cycle) => CYCLE_WORDS[cycle] ?? []);
  if (words.length === 0) return `${capitalize(term)} term, free of charge`;
  return `${capitalize(term)} commitment, billed ${words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `subscriptionId` -> `SubscriptionId`, as Partner Center names provisioning variables. */
function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A path with the query parameters that were given, in the order given here. */
function withQuery(path: string, parameters: Record<string, string | undefined>): string {
  const given = Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return given.length === 0
    ? path
    : `${path}?${given.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&')}`;
}

function collection<T>(
  items: T[],
  self: string,
): { totalCount: number; items: T[]; links: { self: ReturnType<typeof link> }; attributes: { objectType: string } } {
  return { totalCount: items.length, items, links: { self: link(self) }, attributes: { objectType: 'Collection' } };
}
