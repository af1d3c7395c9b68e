// The catalog's content and lookups. How the file is read and checked: server/catalog/load-catalog.test.ts.
import assert from 'node:assert/strict';
import { loadCatalog } from '../catalog/load-catalog.ts';
import { findCatalogItem, findProduct, isProductCatalogItem, marketOf, offersFor, productSkuKey } from './catalog.ts';

const shipped = loadCatalog();

const GB_CUSTOMER = '4a1c0d8e-6b2f-4c3a-9e57-0f2d8b61c9a4';
const DE_CUSTOMER = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15';

describe('catalog: the shipped sandbox catalog', () => {
  it('holds every catalog item id the published examples use', () => {
    const ids = [
      'CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P',
      'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', // A1
      'MS-AZR-0145P',
      'DZH318Z0BQ36:004G:DZH318Z08C0S',
      'DZH318Z0BQ36:004J:DZH318Z08B8X', // A2
      'DG7GMGF0DWTL:0001:DG7GMGF0DSFM',
      'DG7GMGF0DWM3:0002:DG7GMGF0DT1M',
      'DZH318Z0BXWC:0002:DZH318Z0BMRV',
      'DZH318Z0C0WF:0001:DZH318Z0BP69',
      'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS',
      'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', // A3
      '91FD106F-4B2C-4938-95AC-F54F74E9A239',
      'C94271D8-B431-4A25-A3C5-A57737A1C909',
      '43FCE491-76D1-4BCC-B709-8A288786DBAE', // A4, A5
      'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30',
      'CFQ7TTC0HDJX:0001:CFQ7TTC0K806', // A6
      'DG7GMGF0DWTL:0001:DG7GMGF0DSJB', // A7
      'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', // A9
    ];
    for (const id of ids) assert.ok(findCatalogItem(shipped, id), `${id} missing`);
  });

  it('uses the titles the published orders show as friendly names', () => {
    assert.equal(findCatalogItem(shipped, 'MS-AZR-0145P')?.title, 'Microsoft Azure');
    assert.equal(findCatalogItem(shipped, 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M')?.title, 'BizTalk Server 2016 Branch');
    assert.equal(findCatalogItem(shipped, 'DZH318Z0BXWC:0002:DZH318Z0BMRV')?.title, 'Barracuda WaaS - Medium Plan');
    assert.equal(
      findCatalogItem(shipped, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H')?.title,
      'Office 365 E5 without Audio Conferencing',
    );
    assert.equal(
      findCatalogItem(shipped, 'DZH318Z0BQ36:004J:DZH318Z08B8X')?.title,
      'Reserved VM Instance, Standard_NV12, US East 2, 3 Years',
    );
  });

  it('holds the special cases the sandbox needs: attestation, a pooled seat limit, a retired offer, a market restriction', () => {
    const attested = shipped.items.filter((i) => i.enforceAttestation);
    assert.ok(
      attested.some((i) => /Windows 365 Business.*Hybrid Benefit/.test(i.title) && /sandbox id/i.test(i.note ?? '')),
    );
    assert.ok(shipped.items.some((i) => i.seatLimitPerCustomer === 300));
    assert.ok(shipped.items.some((i) => !i.purchasable));
    assert.ok(shipped.items.some((i) => i.markets.length < shipped.markets.size));
    const reservation = findCatalogItem(shipped, 'DZH318Z0BQ36:004G:DZH318Z08C0S');
    assert.deepEqual(
      reservation?.provisioningVariables.map((v) => [v.name, v.required]),
      [
        ['subscriptionId', true],
        ['scope', true],
        ['duration', false],
      ],
    );
  });

  it('splits product, SKU and availability, and pools legacy ids on the whole id', () => {
    const item = findCatalogItem(shipped, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H');
    assert.equal(item?.productId, 'CFQ7TTC0LF8S');
    assert.equal(item?.skuId, '0001');
    const other = findCatalogItem(shipped, 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5');
    assert.ok(item && other);
    assert.equal(productSkuKey(item), productSkuKey(other));
    const legacy = findCatalogItem(shipped, '91FD106F-4B2C-4938-95AC-F54F74E9A239');
    assert.equal(legacy?.productId, '91FD106F-4B2C-4938-95AC-F54F74E9A239');
    assert.equal(legacy?.purchaseSystem, 'OMS');
  });
});

describe('catalog: findCatalogItem', () => {
  it('ignores case', () => {
    const upper = findCatalogItem(shipped, '91FD106F-4B2C-4938-95AC-F54F74E9A239');
    assert.ok(upper);
    assert.equal(findCatalogItem(shipped, '91fd106f-4b2c-4938-95ac-f54f74e9a239'), upper);
    assert.equal(findCatalogItem(shipped, 'ms-azr-0145p')?.catalogItemId, 'MS-AZR-0145P');
  });

  it('returns undefined for an id the catalog does not have', () => {
    assert.equal(findCatalogItem(shipped, 'CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ'), undefined);
    assert.equal(findCatalogItem(shipped, 'CFQ7TTC0LF8S:0001'), undefined);
  });
});

describe('catalog: marketOf', () => {
  it('puts a customer the catalog does not list in the US market', () => {
    assert.deepEqual(marketOf(shipped, 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d'), {
      country: 'US',
      currencyCode: 'USD',
      currencySymbol: '$',
    });
  });

  it('uses the catalog entry of a listed customer, ignoring the case of the id', () => {
    assert.deepEqual(marketOf(shipped, GB_CUSTOMER), { country: 'GB', currencyCode: 'GBP', currencySymbol: '£' });
    assert.equal(marketOf(shipped, DE_CUSTOMER.toUpperCase()).currencyCode, 'EUR');
  });
});

describe('catalog: an item as loaded', () => {
  it('has the defaults of the optional fields: every market, no add-on base, purchasable, no attestation', () => {
    const item = findCatalogItem(shipped, 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ');
    assert.ok(item);
    assert.deepEqual(item.markets, [...shipped.markets.keys()]);
    assert.deepEqual([item.addOnOf, item.provisioningVariables, item.promotions], [[], [], []]);
    assert.deepEqual(
      [item.purchasable, item.enforceAttestation, item.trial, item.seatLimitPerCustomer, item.termless],
      [true, false, false, undefined, undefined],
    );
  });

  it('offersFor gives the billing cycles of a term, or of a purchase without one', () => {
    const azure = findCatalogItem(shipped, 'MS-AZR-0145P');
    assert.ok(azure);
    assert.deepEqual(offersFor(azure, 'P1Y'), { monthly: null });
    assert.deepEqual(offersFor(azure, undefined), { monthly: null });
    assert.equal(offersFor(azure, 'P3Y'), undefined);
  });
});

describe('catalog: what the integration sandbox may buy', () => {
  it('refuses every Azure item and every reservation but the Standard_B1s one; LTSC software waits for a purchase order', () => {
    const rule = (id: string) => findCatalogItem(shipped, id)?.integrationSandbox;
    for (const item of shipped.items.filter((i) => i.kind === 'azure'))
      assert.equal(item.integrationSandbox, 'refused', item.catalogItemId);
    assert.deepEqual(
      shipped.items.filter((i) => i.kind === 'azure_reservation').map((i) => [i.catalogItemId, i.integrationSandbox]),
      [
        ['DZH318Z0BQ36:004G:DZH318Z08C0S', 'refused'],
        ['DZH318Z0BQ36:004J:DZH318Z08B8X', 'refused'],
        ['DZH318Z0BQ3Q:0001:DZH318Z0SBX3', 'allowed'],
      ],
    );
    assert.deepEqual(
      [rule('DG7GMGF0D7FV:0001:DG7GMGF0SBX1'), rule('DG7GMGF0D7FT:0001:DG7GMGF0SBX2')],
      ['purchaseOrder', 'purchaseOrder'],
    );
    assert.equal(rule('CFQ7TTC0LF8S:0001:CFQ7TTC0N81H'), 'allowed');
  });

  it('holds the three items the integration sandbox sells specially, under the product ids Microsoft names', () => {
    const access = findCatalogItem(shipped, 'DG7GMGF0D7FV:0001:DG7GMGF0SBX1');
    const excel = findCatalogItem(shipped, 'DG7GMGF0D7FT:0001:DG7GMGF0SBX2');
    const b1s = findCatalogItem(shipped, 'DZH318Z0BQ3Q:0001:DZH318Z0SBX3');
    assert.deepEqual(
      [access?.title, access?.kind, Object.keys(access?.termless ?? {})],
      ['Access LTSC 2021', 'software', ['one_time']],
    );
    assert.deepEqual(
      [excel?.title, excel?.kind, Object.keys(excel?.termless ?? {})],
      ['Excel LTSC 2021', 'software', ['one_time']],
    );
    assert.deepEqual(
      [b1s?.kind, Object.keys(b1s?.terms ?? {}), Object.keys(b1s?.terms.P1Y ?? {}), b1s?.minQuantity, b1s?.maxQuantity],
      ['azure_reservation', ['P1Y'], ['one_time'], 1, 2],
    );
    assert.match(b1s?.title ?? '', /Standard_B1s.*1 Year/);
    for (const item of [access, excel, b1s]) assert.match(item?.note ?? '', /sandbox ids/i, item?.catalogItemId);
  });
});

describe('catalog: the product catalog', () => {
  it('has a product for every three-part item and an item for every product; legacy ids are not products', () => {
    for (const item of shipped.items) {
      const product = findProduct(shipped, item.productId);
      if (isProductCatalogItem(item)) assert.ok(product?.items.includes(item), item.catalogItemId);
      else assert.equal(product, undefined, item.catalogItemId);
    }
    for (const product of shipped.products.values()) assert.ok(product.items.length > 0, product.id);
  });

  it('finds a product ignoring case, with its items in the order of the file', () => {
    const product = findProduct(shipped, 'cfq7ttc0lf8s');
    assert.equal(product?.id, 'CFQ7TTC0LF8S');
    assert.deepEqual(
      product?.items.map((i) => i.catalogItemId),
      ['CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H'],
    );
    assert.deepEqual(product?.targetViews, ['OnlineServices']);
    assert.equal(findProduct(shipped, 'CFQ7TTC0ZZZZ'), undefined);
  });

  it("says which products are the sandbox's own in their note", () => {
    for (const id of ['CFQ7TTC0W365', 'CFQ7TTC0SBP0'])
      assert.match(findProduct(shipped, id)?.note ?? '', /^Sandbox id/, id);
  });
});
