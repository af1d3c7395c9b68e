import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_CATALOG_PATH,
  findCatalogItem,
  loadCatalog,
  marketOf,
  parseCatalog,
  productSkuKey,
} from './catalog.ts';

const shipped = loadCatalog(DEFAULT_CATALOG_PATH);
const shippedJson = (): Record<string, any> => JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8'));

const GB_CUSTOMER = '4a1c0d8e-6b2f-4c3a-9e57-0f2d8b61c9a4';
const DE_CUSTOMER = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15';

describe('catalog: the shipped sandbox catalog', () => {
  it('is server/catalog/catalog.json, resolved from the module, and loadCatalog() reads it by default', () => {
    assert.match(DEFAULT_CATALOG_PATH.replaceAll('\\', '/'), /\/server\/catalog\/catalog\.json$/);
    assert.equal(loadCatalog().items.length, shipped.items.length);
    assert.equal(shipped.source, DEFAULT_CATALOG_PATH);
  });

  it('holds every catalog item id the published examples use', () => {
    const ids = [
      'CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P', 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', // A1
      'MS-AZR-0145P', 'DZH318Z0BQ36:004G:DZH318Z08C0S', 'DZH318Z0BQ36:004J:DZH318Z08B8X', // A2
      'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M',
      'DZH318Z0BXWC:0002:DZH318Z0BMRV', 'DZH318Z0C0WF:0001:DZH318Z0BP69',
      'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS', 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', // A3
      '91FD106F-4B2C-4938-95AC-F54F74E9A239', 'C94271D8-B431-4A25-A3C5-A57737A1C909', '43FCE491-76D1-4BCC-B709-8A288786DBAE', // A4, A5
      'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30', 'CFQ7TTC0HDJX:0001:CFQ7TTC0K806', // A6
      'DG7GMGF0DWTL:0001:DG7GMGF0DSJB', // A7
      'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', // A9
    ];
    for (const id of ids) assert.ok(findCatalogItem(shipped, id), `${id} missing`);
  });

  it('uses the titles the published orders show as friendly names', () => {
    assert.equal(findCatalogItem(shipped, 'MS-AZR-0145P')?.title, 'Microsoft Azure');
    assert.equal(findCatalogItem(shipped, 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M')?.title, 'BizTalk Server 2016 Branch');
    assert.equal(findCatalogItem(shipped, 'DZH318Z0BXWC:0002:DZH318Z0BMRV')?.title, 'Barracuda WaaS - Medium Plan');
    assert.equal(findCatalogItem(shipped, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H')?.title, 'Office 365 E5 without Audio Conferencing');
    assert.equal(findCatalogItem(shipped, 'DZH318Z0BQ36:004J:DZH318Z08B8X')?.title, 'Reserved VM Instance, Standard_NV12, US East 2, 3 Years');
  });

  it('holds the special cases the sandbox needs: attestation, a pooled seat limit, a retired offer, a market restriction', () => {
    const attested = shipped.items.filter((i) => i.enforceAttestation);
    assert.ok(attested.some((i) => /Windows 365 Business.*Hybrid Benefit/.test(i.title) && /sandbox id/i.test(i.note ?? '')));
    assert.ok(shipped.items.some((i) => i.seatLimitPerCustomer === 300));
    assert.ok(shipped.items.some((i) => !i.purchasable));
    assert.ok(shipped.items.some((i) => i.markets.length < shipped.markets.size));
    const reservation = findCatalogItem(shipped, 'DZH318Z0BQ36:004G:DZH318Z08C0S');
    assert.deepEqual(reservation?.provisioningVariables.map((v) => [v.name, v.required]),
      [['subscriptionId', true], ['scope', true], ['duration', false]]);
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
    assert.deepEqual(marketOf(shipped, 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d'), { country: 'US', currencyCode: 'USD', currencySymbol: '$' });
  });

  it('uses the catalog entry of a listed customer, ignoring the case of the id', () => {
    assert.deepEqual(marketOf(shipped, GB_CUSTOMER), { country: 'GB', currencyCode: 'GBP', currencySymbol: '£' });
    assert.equal(marketOf(shipped, DE_CUSTOMER.toUpperCase()).currencyCode, 'EUR');
  });
});

describe('catalog: loadCatalog rejects a malformed file', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-test-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  let counter = 0;
  const write = (content: string): string => {
    const file = join(dir, `catalog-${counter++}.json`);
    writeFileSync(file, content);
    return file;
  };
  /** Mutates a copy of the shipped catalog, writes it, and expects loadCatalog to throw naming the file and the fragments. */
  const rejects = (mutate: (data: Record<string, any>) => void, ...fragments: string[]): void => {
    const data = shippedJson();
    mutate(data);
    const file = write(JSON.stringify(data, null, 2));
    assert.throws(() => loadCatalog(file), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.includes(file), `message does not name the file: ${err.message}`);
      for (const f of fragments) assert.ok(err.message.includes(f), `message lacks ${JSON.stringify(f)}: ${err.message}`);
      return true;
    });
  };
  const itemIndex = (data: Record<string, any>, id: string): number => data.items.findIndex((i: any) => i.catalogItemId === id);

  it('accepts an unchanged copy (the cases below fail for their mutation alone)', () => {
    const file = write(JSON.stringify(shippedJson()));
    assert.equal(loadCatalog(file).items.length, shipped.items.length);
  });

  it('a file that cannot be read', () => {
    const file = join(dir, 'missing.json');
    assert.throws(() => loadCatalog(file), (err: Error) => err.message.includes(file) && /cannot be read/.test(err.message));
  });

  it('a file that is not JSON', () => {
    const file = write('{ "markets": ');
    assert.throws(() => loadCatalog(file), (err: Error) => err.message.includes(file) && /not valid JSON/.test(err.message));
  });

  it('an item without a title', () => {
    rejects((d) => { delete d.items[itemIndex(d, 'MS-AZR-0145P')].title; }, `items[${itemIndex(shippedJson(), 'MS-AZR-0145P')}]`, 'MS-AZR-0145P', '"title"');
  });

  it('an item without a catalogItemId', () => {
    rejects((d) => { delete d.items[2].catalogItemId; }, 'items[2]', 'catalogItemId');
  });

  it('a catalogItemId of no known shape', () => {
    rejects((d) => { d.items[0].catalogItemId = 'not-an-id'; }, 'not-an-id', 'catalogItemId must be');
  });

  it('a duplicate catalogItemId, ignoring case', () => {
    const id = String(shippedJson().items[1].catalogItemId).toLowerCase();
    rejects((d) => { d.items.push({ ...d.items[1], catalogItemId: id }); }, id, 'duplicate catalogItemId');
  });

  it('a customer in an unknown market', () => {
    rejects((d) => { d.customers['9b2e4a61-0c3d-4e5f-8a7b-1c2d3e4f5a6b'] = 'FR'; }, 'customers.9b2e4a61-0c3d-4e5f-8a7b-1c2d3e4f5a6b', 'unknown market "FR"');
  });

  it('a catalog without the US market', () => {
    rejects((d) => { delete d.markets.US; }, 'markets', 'must include US');
  });

  it('an item sold in an unknown market', () => {
    rejects((d) => { d.items[itemIndex(d, 'DZH318Z0BXWC:0002:DZH318Z0BMRV')].markets = ['US', 'FR']; },
      'DZH318Z0BXWC:0002:DZH318Z0BMRV', 'unknown market "FR"');
  });

  it('a price missing for one market of an offered term and billing cycle', () => {
    rejects((d) => { delete d.items[itemIndex(d, 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5')].terms.P1Y.annual.GB; },
      'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', 'terms.P1Y.annual', 'price missing for market GB');
  });

  it('a negative price', () => {
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H')].terms.P1M.monthly.US = -1; },
      'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', 'terms.P1M.monthly.US');
  });

  it('a price on billing cycle none that is not 0', () => {
    rejects((d) => { d.items[itemIndex(d, 'DZH318Z0C0WF:0001:DZH318Z0BP69')].terms.P1M.none.US = 5; },
      'DZH318Z0C0WF:0001:DZH318Z0BP69', 'never charged');
  });

  it('an unknown term or billing cycle', () => {
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H')].terms.P2Y = { monthly: null }; },
      'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', 'terms.P2Y: unknown term');
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H')].terms.P1M.weekly = null; },
      'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', 'terms.P1M.weekly: unknown billing cycle');
  });

  it('a billing cycle longer than its term', () => {
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H')].terms.P1M.annual = { US: 1, GB: 1, DE: 1 }; },
      'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', 'does not fit a P1M term');
  });

  it('an item that offers nothing', () => {
    rejects((d) => { delete d.items[itemIndex(d, 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M')].termless; },
      'DG7GMGF0DWM3:0002:DG7GMGF0DT1M', 'offers nothing');
  });

  it('an unknown field (a typo)', () => {
    rejects((d) => { d.items[0].maxQuantitty = 5; }, String(shippedJson().items[0].catalogItemId), 'unknown field "maxQuantitty"');
  });

  it('minQuantity greater than maxQuantity, or not a positive integer', () => {
    rejects((d) => { d.items[0].minQuantity = 500; d.items[0].maxQuantity = 10; }, 'minQuantity is greater than maxQuantity');
    rejects((d) => { d.items[0].minQuantity = 0; }, 'minQuantity must be an integer >= 1');
  });

  it('an add-on of a product no item has', () => {
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0HDJX:0001:CFQ7TTC0K806')].addOnOf = ['CFQ7TTC0NOPE']; },
      'CFQ7TTC0HDJX:0001:CFQ7TTC0K806', 'CFQ7TTC0NOPE');
  });

  it('two availabilities of one product SKU with different pooled seat limits', () => {
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2')].seatLimitPerCustomer = 500; },
      'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2', 'seatLimitPerCustomer differs');
  });

  it('two automatic promotions on one item', () => {
    rejects((d) => { d.items[itemIndex(d, 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30')].promotions[1].automatic = true; },
      'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30', 'more than one automatic promotion');
  });

  it('a provisioning variable without its required flag', () => {
    rejects((d) => { delete d.items[itemIndex(d, 'DZH318Z0BQ36:004G:DZH318Z08C0S')].provisioningVariables[0].required; },
      'DZH318Z0BQ36:004G:DZH318Z08C0S', 'provisioningVariables[0]: required');
  });

  it('parseCatalog names the source it is given', () => {
    assert.throws(() => parseCatalog([], 'inline-test'), /^Error: Catalog inline-test: top level/);
  });
});
