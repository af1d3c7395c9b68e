// Catalog discovery in the domain: products, SKUs and availabilities derived from the shipped catalog,
// per country, and the failures the HTTP layer maps to Partner Center's codes. Through HTTP:
// server/test/catalog.test.ts.
import assert from 'node:assert/strict';
import { loadCatalog, parseCatalog, DEFAULT_CATALOG_PATH } from '../catalog/load-catalog.ts';
import { readFileSync } from 'node:fs';
import { findCatalogItem, isProductCatalogItem } from './catalog.ts';
import { DomainError, type DomainFailure } from './errors.ts';
import { ProductCatalog } from './products.ts';

const shipped = loadCatalog();
const products = new ProductCatalog(shipped);

/** Runs `call` and checks it fails with `failure`; returns the message, for the checks that read it. */
function failure(failure: DomainFailure, call: () => unknown): string {
  let message = '';
  assert.throws(call, (err) => {
    assert.ok(err instanceof DomainError, `not a DomainError: ${String(err)}`);
    assert.equal(err.failure, failure, err.message);
    message = err.message;
    return true;
  });
  return message;
}

describe('products: listProducts', () => {
  it('lists the products of a view sold in the country, with links that carry the country', () => {
    const list = products.listProducts({ country: 'US', targetView: 'OnlineServices' });
    assert.deepEqual(
      list.items.map((p) => p.id),
      [
        'CFQ7TTC0LH0Z',
        'CFQ7TTC0LFLS',
        'CFQ7TTC0LFLZ',
        'CFQ7TTC0LF8S',
        'CFQ7TTC0LFLX',
        'CFQ7TTC0HDJX',
        'CFQ7TTC0W365',
        'CFQ7TTC0SBP0',
      ],
    );
    assert.equal(list.totalCount, 8);
    assert.deepEqual(list.attributes, { objectType: 'Collection' });
    assert.equal(list.links.self?.uri, '/products?country=US&targetView=OnlineServices');
    const e5 = list.items.find((p) => p.id === 'CFQ7TTC0LF8S');
    assert.deepEqual(e5?.links, {
      skus: { uri: '/products/CFQ7TTC0LF8S/skus?country=US', method: 'GET', headers: [] },
      self: { uri: '/products/CFQ7TTC0LF8S?country=US', method: 'GET', headers: [] },
    });
    assert.deepEqual(
      products.listProducts({ country: 'US', targetView: 'SoftwarePerpetual' }).items.map((p) => p.id),
      ['DG7GMGF0DWTL', 'DG7GMGF0DWM3', 'DG7GMGF0D7FV', 'DG7GMGF0D7FT'],
    );
    assert.deepEqual(
      products.listProducts({ country: 'US', targetView: 'MicrosoftAzure' }).items.map((p) => p.id),
      ['DZH318Z0BPS6'],
    );
  });

  it('leaves out a product not sold in the country, and lists nothing for a view no product names', () => {
    const inUs = products.listProducts({ country: 'US', targetView: 'MarketplaceSaaS' }).items.map((p) => p.id);
    const inDe = products.listProducts({ country: 'DE', targetView: 'MarketplaceSaaS' }).items.map((p) => p.id);
    assert.deepEqual(inUs, ['DZH318Z0BXWC', 'DZH318Z0C0WF']);
    assert.deepEqual(inDe, ['DZH318Z0C0WF']); // Barracuda is sold in US and GB only
    assert.equal(
      products.listProducts({ country: 'DE', targetView: 'MarketplaceSaaS' }).items[0]?.links.self.uri,
      '/products/DZH318Z0C0WF?country=DE',
    );
    assert.deepEqual(products.listProducts({ country: 'US', targetView: 'SpecializedOffers' }).items, []);
  });

  it('sells in the commercial segment only, and carries the query it was asked with in its self link', () => {
    const commercial = products.listProducts({
      country: 'us',
      targetView: 'OnlineServices',
      targetSegment: 'commercial',
      reservationScope: 'AzurePlan',
    });
    assert.equal(commercial.totalCount, 8);
    assert.equal(
      commercial.links.self?.uri,
      '/products?country=US&targetView=OnlineServices&targetSegment=commercial&reservationScope=AzurePlan',
    );
    for (const segment of ['education', 'government', 'nonprofit'] as const) {
      const list = products.listProducts({ country: 'US', targetView: 'OnlineServices', targetSegment: segment });
      assert.deepEqual([list.totalCount, list.items], [0, []], segment);
    }
  });

  it('refuses a country the catalog has no market for', () => {
    const message = failure('country-not-served', () =>
      products.listProducts({ country: 'fr', targetView: 'OnlineServices' }),
    );
    assert.match(message, /not onboarded to sell in country FR/);
  });

  it('never lists a legacy id: those items are for carts only', () => {
    const listed = new Set<string>();
    for (const view of [
      'Azure',
      'MicrosoftAzure',
      'OnlineServices',
      'Software',
      'MarketplaceSaaS',
      'AzureReservations',
    ] as const) {
      for (const product of products.listProducts({ country: 'US', targetView: view }).items)
        listed.add(product.id.toLowerCase());
    }
    const legacy = shipped.items.filter((item) => !isProductCatalogItem(item));
    assert.ok(legacy.length >= 5);
    for (const item of legacy) assert.ok(!listed.has(item.productId.toLowerCase()), item.catalogItemId);
    assert.equal(listed.size, shipped.products.size); // and every product of the catalog is in one of these views
  });
});

describe('products: getProduct', () => {
  it('answers the catalog entry, with ids and country compared without regard to case', () => {
    const product = products.getProduct('dzh318z0bq36', { country: 'gb' });
    assert.deepEqual(product, {
      id: 'DZH318Z0BQ36',
      title: 'Reserved VM Instance, Standard_NV12, US East 2',
      description: 'Reserved capacity of Standard_NV12 virtual machines in US East 2, for one or three years.',
      productType: {
        id: 'Azure',
        displayName: 'Azure',
        subType: { id: 'VirtualMachines', displayName: 'VirtualMachines' },
      },
      isMicrosoftProduct: true,
      publisherName: 'Microsoft Corporation',
      links: {
        skus: { uri: '/products/DZH318Z0BQ36/skus?country=GB', method: 'GET', headers: [] },
        self: { uri: '/products/DZH318Z0BQ36?country=GB', method: 'GET', headers: [] },
      },
    });
    assert.equal(products.getProduct('DZH318Z0BXWC', { country: 'US' }).isMicrosoftProduct, false);
  });

  it('does not find an unknown product, a product not sold in the country, or a legacy id', () => {
    failure('product-not-found', () => products.getProduct('CFQ7TTC0ZZZZ', { country: 'US' }));
    assert.match(
      failure('product-not-found', () => products.getProduct('DZH318Z0BXWC', { country: 'DE' })),
      /not sold there \(it is sold in US, GB\)/,
    );
    assert.match(
      failure('product-not-found', () => products.getProduct('ms-azr-0145p', { country: 'US' })),
      /MS-AZR-0145P is a legacy offer id/,
    );
    failure('country-not-served', () => products.getProduct('CFQ7TTC0LF8S', { country: 'JP' }));
  });
});

describe('products: SKUs', () => {
  it('a new-commerce license SKU: the billing cycles of all its availabilities, the MCA prerequisite', () => {
    const sku = products.getSku('CFQ7TTC0LF8S', '0001', { country: 'US' });
    assert.deepEqual(sku, {
      id: '0001',
      productId: 'CFQ7TTC0LF8S',
      title: 'Office 365 E5 without Audio Conferencing',
      description:
        'Office apps and online services with advanced security, compliance and analytics, without Audio Conferencing.',
      minimumQuantity: 1,
      maximumQuantity: 2000,
      isTrial: false,
      // P1M monthly (CFQ7TTC0N81H) and P1Y/P3Y monthly, annual, triennial (CFQ7TTC0VZW5)
      supportedBillingCycles: ['monthly', 'annual', 'triennial'],
      purchasePrerequisites: ['MicrosoftCloudAgreement'],
      inventoryVariables: [],
      provisioningVariables: [],
      dynamicAttributes: { isMicrosoftProduct: true, isAddon: false, prerequisiteSkus: [] },
      links: {
        availabilities: {
          uri: '/products/CFQ7TTC0LF8S/skus/0001/availabilities?country=US',
          method: 'GET',
          headers: [],
        },
        self: { uri: '/products/CFQ7TTC0LF8S/skus/0001?country=US', method: 'GET', headers: [] },
      },
    });
  });

  it('a reserved VM instance: inventory check, subscription registration, provisioning variables as Partner Center names them', () => {
    const sku = products.getSku('DZH318Z0BQ3Q', '0001', { country: 'US' });
    assert.deepEqual(sku.purchasePrerequisites, ['AzureSubscriptionRegistration', 'InventoryCheck']);
    assert.deepEqual(sku.inventoryVariables, ['CustomerId', 'AzureSubscriptionId']);
    assert.deepEqual(sku.provisioningVariables, ['SubscriptionId', 'Scope', 'Duration']);
    assert.deepEqual(sku.supportedBillingCycles, ['one_time']);
    assert.deepEqual([sku.minimumQuantity, sku.maximumQuantity], [1, 2]);
  });

  it('the Azure plan, an add-on, an attested SKU, a trial and software, each as its kind is published', () => {
    const plan = products.getSku('DZH318Z0BPS6', '0001', { country: 'US' });
    assert.deepEqual(
      [plan.purchasePrerequisites, plan.supportedBillingCycles, plan.maximumQuantity],
      [['MicrosoftCustomerAgreement'], ['monthly'], 1],
    );
    const addOn = products.getSku('CFQ7TTC0HDJX', '0001', { country: 'US' });
    assert.deepEqual(addOn.dynamicAttributes, {
      isMicrosoftProduct: true,
      isAddon: true,
      prerequisiteSkus: ['CFQ7TTC0LFLX:0001'],
    });
    const attested = products.getSku('CFQ7TTC0W365', '0001', { country: 'US' });
    assert.deepEqual(attested.attestationProperties, { attestationType: 'Windows365', enforceAttestation: true });
    assert.equal(products.getSku('CFQ7TTC0LF8S', '0001', { country: 'US' }).attestationProperties, undefined);
    const trial = products.getSku('DZH318Z0C0WF', '0001', { country: 'US' });
    assert.deepEqual(
      [trial.isTrial, trial.supportedBillingCycles, trial.dynamicAttributes.isMicrosoftProduct],
      [true, ['none'], false],
    );
    const software = products.getSku('DG7GMGF0D7FV', '0001', { country: 'US' });
    assert.deepEqual(
      [software.purchasePrerequisites, software.supportedBillingCycles, software.title],
      [[], ['one_time'], 'Access LTSC 2021'],
    );
  });

  it('lists the SKUs of a product, and finds none of a product not sold in the country', () => {
    const list = products.listSkus('DZH318Z0BQ36', { country: 'US' });
    assert.deepEqual(
      list.items.map((s) => [s.id, s.title]),
      [
        ['004G', 'Reserved VM Instance, Standard_NV12, US East 2, 1 Year'],
        ['004J', 'Reserved VM Instance, Standard_NV12, US East 2, 3 Years'],
      ],
    );
    assert.equal(list.links.self?.uri, '/products/DZH318Z0BQ36/skus?country=US');
    assert.deepEqual(products.listSkus('DZH318Z0BQ36', { country: 'US', targetSegment: 'education' }).items, []);
    failure('product-not-found', () => products.listSkus('DZH318Z0BXWC', { country: 'DE' }));
  });

  it('does not find an unknown SKU (after the product), nor one of an unknown product', () => {
    assert.match(
      failure('sku-not-found', () => products.getSku('CFQ7TTC0LF8S', '0009', { country: 'US' })),
      /SKU 0009 of product CFQ7TTC0LF8S/,
    );
    failure('product-not-found', () => products.getSku('CFQ7TTC0ZZZZ', '0009', { country: 'US' }));
    assert.equal(
      products.getSku('cfq7ttc0lf8s', '0001', { country: 'us' }).links.self.uri,
      '/products/CFQ7TTC0LF8S/skus/0001?country=US',
    );
  });
});

describe('products: availabilities', () => {
  it('one per catalog item of the SKU, in the currency of the country asked for', () => {
    const inGb = products.listAvailabilities('CFQ7TTC0LF8S', '0001', { country: 'GB' });
    assert.deepEqual(
      inGb.items.map((a) => a.catalogItemId),
      ['CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H'],
    );
    for (const availability of inGb.items) {
      assert.deepEqual(
        [availability.country, availability.defaultCurrency, availability.segment],
        ['GB', { code: 'GBP', symbol: '£' }, 'commercial'],
      );
    }
    assert.deepEqual(
      products.getAvailability('CFQ7TTC0LF8S', '0001', 'CFQ7TTC0N81H', { country: 'DE' }).defaultCurrency,
      { code: 'EUR', symbol: '€' },
    );
    assert.equal(inGb.links.self?.uri, '/products/CFQ7TTC0LF8S/skus/0001/availabilities?country=GB');
    assert.deepEqual(
      products.listAvailabilities('CFQ7TTC0LF8S', '0001', { country: 'GB', targetSegment: 'nonprofit' }).items,
      [],
    );
  });

  it('a term per duration, with stable ids that its renewal instructions name', () => {
    const availability = products.getAvailability('CFQ7TTC0LF8S', '0001', 'CFQ7TTC0VZW5', { country: 'US' });
    assert.deepEqual(
      availability.terms.map((t) => [t.duration, t.description]),
      [
        ['P1Y', 'One-year commitment, billed monthly or annually'],
        ['P3Y', 'Three-year commitment, billed monthly, annually or every three years'],
      ],
    );
    const ids = availability.terms.map((t) => t.id);
    assert.ok(ids.every((id) => /^[0-9a-z]{12}$/.test(id)) && new Set(ids).size === 2, ids.join(', '));
    assert.equal(availability.isRenewable, true);
    assert.deepEqual(availability.renewalInstructions, [
      { applicableTermIds: ids, renewalOptions: [{ renewToId: 'CFQ7TTC0LF8S:0001', isAutoRenewable: true }] },
    ]);
    assert.deepEqual(availability.terms[0]?.renewalOptions, [
      { termDuration: 'P1Y', description: 'Renews into a one-year term' },
    ]);
    // The same ids from another load of the catalog (another start, another instance).
    const again = new ProductCatalog(parseCatalog(JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8')), 'copy'));
    assert.deepEqual(
      again.getAvailability('cfq7ttc0lf8s', '0001', 'cfq7ttc0vzw5', { country: 'GB' }).terms.map((t) => t.id),
      ids,
    );
    // and other ids for another availability's one-year term
    const monthly = products.getAvailability('CFQ7TTC0LFLX', '0001', 'CFQ7TTC0LB30', { country: 'US' });
    assert.ok(!ids.includes(monthly.terms.find((t) => t.duration === 'P1Y')!.id));
  });

  it('a reservation does not renew; perpetual software and the Azure plan have no term', () => {
    const reservation = products.getAvailability('DZH318Z0BQ3Q', '0001', 'DZH318Z0SBX3', { country: 'US' });
    assert.deepEqual([reservation.isRenewable, reservation.renewalInstructions], [false, undefined]);
    assert.deepEqual(
      reservation.terms.map((t) => [t.duration, t.description, t.cancellationPolicies, t.renewalOptions]),
      [['P1Y', 'One-year commitment, billed up front', undefined, undefined]],
    );
    const software = products.getAvailability('DG7GMGF0D7FT', '0001', 'DG7GMGF0SBX2', { country: 'US' });
    assert.deepEqual([software.terms, software.isRenewable], [[], false]);
    assert.deepEqual(products.getAvailability('DZH318Z0BPS6', '0001', 'DZH318Z0BML6', { country: 'US' }).terms, []);
    const trial = products.getAvailability('DZH318Z0C0WF', '0001', 'DZH318Z0BP69', { country: 'US' });
    assert.deepEqual(
      trial.terms.map((t) => [t.duration, t.description]),
      [['P1M', 'One-month term, free of charge']],
    );
  });

  it('embeds its product and SKU as getProduct and getSku answer them in the same country', () => {
    const availability = products.getAvailability('CFQ7TTC0HDJX', '0001', 'CFQ7TTC0K806', { country: 'GB' });
    assert.deepEqual(availability.product, products.getProduct('CFQ7TTC0HDJX', { country: 'GB' }));
    assert.deepEqual(availability.sku, products.getSku('CFQ7TTC0HDJX', '0001', { country: 'GB' }));
    assert.equal(
      availability.links.self.uri,
      '/products/CFQ7TTC0HDJX/skus/0001/availabilities/CFQ7TTC0K806?country=GB',
    );
  });

  it('does not find an unknown availability, and says that availability ids change', () => {
    const message = failure('availability-not-found', () =>
      products.getAvailability('CFQ7TTC0LF8S', '0001', 'CFQ7TTC0K971', { country: 'US' }),
    );
    assert.match(message, /Availability ids change over time: read the SKU's availabilities again/);
    failure('sku-not-found', () => products.getAvailability('CFQ7TTC0LF8S', '0002', 'CFQ7TTC0N81H', { country: 'US' }));
    failure('product-not-found', () =>
      products.getAvailability('DZH318Z0BXWC', '0002', 'DZH318Z0BMRV', { country: 'DE' }),
    );
    failure('country-not-served', () =>
      products.getAvailability('CFQ7TTC0LF8S', '0001', 'CFQ7TTC0N81H', { country: 'FR' }),
    );
  });

  it("every three-part catalog item is an availability whose catalogItemId is the item's", () => {
    for (const item of shipped.items.filter(isProductCatalogItem)) {
      for (const country of item.markets) {
        const [productId, skuId, availabilityId] = item.catalogItemId.split(':') as [string, string, string];
        const availability = products.getAvailability(productId, skuId, availabilityId, { country });
        assert.equal(availability.catalogItemId, item.catalogItemId);
        assert.equal(
          findCatalogItem(shipped, `${availability.productId}:${availability.skuId}:${availability.id}`),
          item,
        );
      }
    }
  });
});
