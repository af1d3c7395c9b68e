import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  billingCycleValues,
  renewsToTermDurationValues,
  targetViewValues,
  termDurationValues,
} from '../../generated/api-types.ts';
import * as generated from '../../generated/catalog-validator.ts';
import { AJV_OPTIONS, catalogSchema, enumerationsSchema } from './catalog-schema.ts';
import {
  CatalogFileError,
  DEFAULT_CATALOG_PATH,
  loadCatalog,
  parseCatalog,
  usesGeneratedValidator,
} from './load-catalog.ts';

const shippedJson = (): Record<string, any> => JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8'));
const indexOf = (data: Record<string, any>, id: string): number =>
  data.items.findIndex((i: any) => i.catalogItemId === id);

/**
 * The one-line message parseCatalog gives for the shipped catalog changed by `mutate`, as if read from "catalog.json".
 */
function messageFor(mutate: (data: Record<string, any>) => unknown): string {
  const data = shippedJson();
  const replaced = mutate(data);
  try {
    parseCatalog(replaced ?? data, 'catalog.json');
  } catch (err) {
    assert.ok(err instanceof CatalogFileError, `not a CatalogFileError: ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `more than one line: ${err.message}`);
    return err.message;
  }
  return assert.fail('the catalog was accepted');
}

describe('catalog file: loadCatalog', () => {
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
  /** The error loadCatalog throws for a file holding `content`. */
  const failure = (file: string): CatalogFileError => {
    try {
      loadCatalog(file);
    } catch (err) {
      assert.ok(err instanceof CatalogFileError, `not a CatalogFileError: ${String(err)}`);
      assert.ok(!err.message.includes('\n'), `more than one line: ${err.message}`);
      return err;
    }
    return assert.fail(`${file} was accepted`);
  };

  it('reads server/catalog/catalog.json by default, resolved from the module', () => {
    assert.match(DEFAULT_CATALOG_PATH.replaceAll('\\', '/'), /\/server\/catalog\/catalog\.json$/);
    const catalog = loadCatalog();
    assert.equal(catalog.source, DEFAULT_CATALOG_PATH);
    assert.equal(catalog.items.length, shippedJson().items.length);
  });

  it('accepts a copy of the shipped catalog (the cases below fail for their change alone)', () => {
    const file = write(JSON.stringify(shippedJson()));
    assert.equal(loadCatalog(file).items.length, shippedJson().items.length);
  });

  it('names the file, and the place of the bad value in it', () => {
    const data = shippedJson();
    const index = indexOf(data, 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5');
    data.items[index].terms.P1Y.monthly = 30.4;
    const file = write(JSON.stringify(data, null, 2));
    const err = failure(file);
    assert.equal(
      err.message,
      `catalog ${file}: /items/${index}/terms/P1Y/monthly: must be object or null; found 30.4 (item CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5)`,
    );
    assert.equal(err.file, file);
    assert.equal(err.place, `/items/${index}/terms/P1Y/monthly`);
  });

  it('names a file inside the working directory relative to it', () => {
    const err = failure(join(process.cwd(), 'no-such-catalog.json'));
    assert.equal(err.message, 'catalog no-such-catalog.json: file not found');
    assert.equal(relative(process.cwd(), err.file), 'no-such-catalog.json');
  });

  it('a file that is not there, or cannot be read', () => {
    const missing = join(dir, 'missing.json');
    assert.equal(failure(missing).message, `catalog ${missing}: file not found`);
    assert.match(failure(dir).message, new RegExp(`^catalog ${dir}: cannot be read \\(EISDIR`));
  });

  it('a file that is not JSON: line and column of the error', () => {
    let file = write('{\n  "markets": ');
    assert.equal(
      failure(file).message,
      `catalog ${file}: line 2, column 14: not valid JSON (Unexpected end of JSON input)`,
    );
    file = write('{\n  "markets": {},\n  // a comment\n  "items": []\n}');
    assert.equal(
      failure(file).message,
      `catalog ${file}: line 3, column 3: not valid JSON (Expected double-quoted property name)`,
    );
    file = write(`{\n  "note": "${'x'.repeat(40)}",\n  "markets": xyz\n}`);
    assert.equal(failure(file).message, `catalog ${file}: line 3, column 14: not valid JSON (Unexpected token 'x')`);
  });
});

describe('catalog file: what the schema rejects, one line naming the place', () => {
  it('a value of the wrong type, or out of range', () => {
    assert.equal(
      messageFor(() => []),
      'catalog catalog.json: (root): must be object; found an array',
    );
    assert.equal(
      messageFor((d) => {
        d.items[0].minQuantity = 0;
      }),
      'catalog catalog.json: /items/0/minQuantity: must be >= 1; found 0 (item CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P)',
    );
    const i = indexOf(shippedJson(), 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H');
    assert.equal(
      messageFor((d) => {
        d.items[i].terms.P1M.monthly.US = -1;
      }),
      `catalog catalog.json: /items/${i}/terms/P1M/monthly/US: must be >= 0; found -1 (item CFQ7TTC0LF8S:0001:CFQ7TTC0N81H)`,
    );
    const promo = indexOf(shippedJson(), 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30');
    assert.equal(
      messageFor((d) => {
        d.items[promo].promotions[0].discountPercent = 0;
      }),
      `catalog catalog.json: /items/${promo}/promotions/0/discountPercent: must be > 0; found 0 (item CFQ7TTC0LFLX:0001:CFQ7TTC0LB30)`,
    );
  });

  it('a missing property', () => {
    const i = indexOf(shippedJson(), 'MS-AZR-0145P');
    assert.equal(
      messageFor((d) => {
        delete d.items[i].title;
      }),
      `catalog catalog.json: /items/${i}: must have required property "title" (item MS-AZR-0145P)`,
    );
    assert.equal(
      messageFor((d) => {
        delete d.items[2].catalogItemId;
      }),
      'catalog catalog.json: /items/2: must have required property "catalogItemId"',
    );
    assert.equal(
      messageFor((d) => {
        delete d.markets.US;
      }),
      'catalog catalog.json: /markets: must have required property "US"',
    );
    const r = indexOf(shippedJson(), 'DZH318Z0BQ36:004G:DZH318Z08C0S');
    assert.equal(
      messageFor((d) => {
        delete d.items[r].provisioningVariables[0].required;
      }),
      `catalog catalog.json: /items/${r}/provisioningVariables/0: must have required property "required" (item DZH318Z0BQ36:004G:DZH318Z08C0S)`,
    );
  });

  it('an unknown property (a typo), with the properties there are', () => {
    assert.match(
      messageFor((d) => {
        d.items[0].maxQuantitty = 5;
      }),
      /^catalog catalog\.json: \/items\/0\/maxQuantitty: unknown property \(the properties are catalogItemId, title, .*maxQuantity.*\) \(item CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P\)$/,
    );
    assert.equal(
      messageFor((d) => {
        d.Items = [];
      }),
      'catalog catalog.json: /Items: unknown property (the properties are note, markets, customers, products, items)',
    );
  });

  it('a value of no allowed shape', () => {
    assert.equal(
      messageFor((d) => {
        d.items[0].catalogItemId = 'not-an-id';
      }),
      'catalog catalog.json: /items/0/catalogItemId: must be productId:skuId:availabilityId, a legacy offer GUID or MS-AZR-nnnnP; found "not-an-id" (item not-an-id)',
    );
    assert.equal(
      messageFor((d) => {
        d.items[0].title = '  ';
      }),
      'catalog catalog.json: /items/0/title: must be a text that is not blank; found "  " (item CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P)',
    );
    assert.equal(
      messageFor((d) => {
        d.markets.GB.currencyCode = 'gbp';
      }),
      'catalog catalog.json: /markets/GB/currencyCode: must be a three-letter upper-case ISO 4217 code; found "gbp"',
    );
    assert.equal(
      messageFor((d) => {
        d.customers['not-a-guid'] = 'GB';
      }),
      'catalog catalog.json: /customers/not-a-guid: property name must be a GUID',
    );
  });

  it("an enumeration value, keys included, listing the values (the spec's, for terms and billing cycles)", () => {
    assert.equal(
      messageFor((d) => {
        d.items[0].kind = 'licence';
      }),
      'catalog catalog.json: /items/0/kind: must be one of license, legacy_license, azure, azure_reservation, software, saas; found "licence" (item CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P)',
    );
    const i = indexOf(shippedJson(), 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H');
    assert.equal(
      messageFor((d) => {
        d.items[i].terms.P2Y = { monthly: null };
      }),
      `catalog catalog.json: /items/${i}/terms/P2Y: property name must be one of P1M, P1Y, P3Y (item CFQ7TTC0LF8S:0001:CFQ7TTC0N81H)`,
    );
    assert.match(
      messageFor((d) => {
        d.items[i].terms.P1M.weekly = null;
      }),
      new RegExp(
        `^catalog catalog\\.json: /items/${i}/terms/P1M/weekly: property name must be one of monthly, annual, .*one_time.*\\(item CFQ7TTC0LF8S:0001:CFQ7TTC0N81H\\)$`,
      ),
    );
    assert.match(
      messageFor((d) => {
        d.items[i].terms.P1M.unknown = null;
      }),
      /\/terms\/P1M\/unknown: property name must be one of/,
    );
    assert.match(
      messageFor((d) => {
        d.items[0].renewsTo = ['P3Y'];
      }),
      /: \/items\/0\/renewsTo\/0: must be one of P1M, P1Y; found "P3Y"/,
    );
  });

  it('a price other than 0 on billing cycle none', () => {
    const i = indexOf(shippedJson(), 'DZH318Z0C0WF:0001:DZH318Z0BP69');
    assert.equal(
      messageFor((d) => {
        d.items[i].terms.P1M.none.US = 5;
      }),
      `catalog catalog.json: /items/${i}/terms/P1M/none/US: must be 0; found 5 (item DZH318Z0C0WF:0001:DZH318Z0BP69)`,
    );
  });

  it('an item that offers nothing, a market listed twice, an empty item list', () => {
    const i = indexOf(shippedJson(), 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M');
    assert.equal(
      messageFor((d) => {
        delete d.items[i].termless;
      }),
      `catalog catalog.json: /items/${i}: must have at least one of the properties "terms", "termless" (item DG7GMGF0DWM3:0002:DG7GMGF0DT1M)`,
    );
    const m = indexOf(shippedJson(), 'DZH318Z0BXWC:0002:DZH318Z0BMRV');
    assert.equal(
      messageFor((d) => {
        d.items[m].markets = ['US', 'US'];
      }),
      `catalog catalog.json: /items/${m}/markets/1: the same value as /items/${m}/markets/0 (item DZH318Z0BXWC:0002:DZH318Z0BMRV)`,
    );
    assert.equal(
      messageFor((d) => {
        d.items = [];
      }),
      'catalog catalog.json: /items: must NOT have fewer than 1 items',
    );
  });
});

describe('catalog file: the rules checked after the schema, one line naming the place', () => {
  it('a market that the markets do not list', () => {
    assert.equal(
      messageFor((d) => {
        d.customers['9b2e4a61-0c3d-4e5f-8a7b-1c2d3e4f5a6b'] = 'FR';
      }),
      'catalog catalog.json: /customers/9b2e4a61-0c3d-4e5f-8a7b-1c2d3e4f5a6b: unknown market "FR"; the markets are US, GB, DE',
    );
    const i = indexOf(shippedJson(), 'DZH318Z0BXWC:0002:DZH318Z0BMRV');
    assert.equal(
      messageFor((d) => {
        d.items[i].markets = ['US', 'FR'];
      }),
      `catalog catalog.json: /items/${i}/markets/1: unknown market "FR"; the markets are US, GB, DE (item DZH318Z0BXWC:0002:DZH318Z0BMRV)`,
    );
  });

  it("a price table that does not name exactly the item's markets", () => {
    const i = indexOf(shippedJson(), 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5');
    assert.equal(
      messageFor((d) => {
        delete d.items[i].terms.P1Y.annual.GB;
      }),
      `catalog catalog.json: /items/${i}/terms/P1Y/annual: price missing for market GB (item CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5)`,
    );
    const m = indexOf(shippedJson(), 'DZH318Z0BXWC:0002:DZH318Z0BMRV');
    assert.equal(
      messageFor((d) => {
        d.items[m].terms.P1M.monthly.DE = 150;
      }),
      `catalog catalog.json: /items/${m}/terms/P1M/monthly/DE: a price for DE, a market the item is not sold in (item DZH318Z0BXWC:0002:DZH318Z0BMRV)`,
    );
    assert.match(
      messageFor((d) => {
        d.items[m].terms.P1M.monthly.FR = 150;
      }),
      new RegExp(`/items/${m}/terms/P1M/monthly/FR: unknown market "FR"`),
    );
  });

  it('a billing period longer than its term', () => {
    const i = indexOf(shippedJson(), 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H');
    assert.equal(
      messageFor((d) => {
        d.items[i].terms.P1M.annual = { US: 1, GB: 1, DE: 1 };
      }),
      `catalog catalog.json: /items/${i}/terms/P1M/annual: billing cycle annual does not fit a P1M term (12 months per period, 1 in the term) (item CFQ7TTC0LF8S:0001:CFQ7TTC0N81H)`,
    );
  });

  it('ids that repeat, ignoring case', () => {
    const data = shippedJson();
    const id = String(data.items[1].catalogItemId).toLowerCase();
    assert.equal(
      messageFor((d) => {
        d.items.push({ ...d.items[1], catalogItemId: id });
      }),
      `catalog catalog.json: /items/${data.items.length}/catalogItemId: the same catalogItemId as /items/1 (ids are compared ignoring case) (item ${id})`,
    );
    assert.equal(
      messageFor((d) => {
        d.customers['4A1C0D8E-6B2F-4C3A-9E57-0F2D8B61C9A4'] = 'DE';
      }),
      'catalog catalog.json: /customers/4A1C0D8E-6B2F-4C3A-9E57-0F2D8B61C9A4: the same customer id as /customers/4a1c0d8e-6b2f-4c3a-9e57-0f2d8b61c9a4 (ids are compared ignoring case)',
    );
    const r = indexOf(data, 'DZH318Z0BQ36:004G:DZH318Z08C0S');
    assert.match(
      messageFor((d) => {
        d.items[r].provisioningVariables[1].name = 'subscriptionID';
      }),
      new RegExp(
        `/items/${r}/provisioningVariables/1/name: the same variable as /items/${r}/provisioningVariables/0 \\(names are compared ignoring case\\)`,
      ),
    );
    const p = indexOf(data, 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30');
    assert.match(
      messageFor((d) => {
        d.items[p].promotions[1].promotionId = d.items[p].promotions[0].promotionId.toLowerCase();
      }),
      new RegExp(`/items/${p}/promotions/1/promotionId: the same promotionId as /items/${p}/promotions/0`),
    );
  });

  it('two automatic promotions on one item', () => {
    const i = indexOf(shippedJson(), 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30');
    assert.equal(
      messageFor((d) => {
        d.items[i].promotions[1].automatic = true;
      }),
      `catalog catalog.json: /items/${i}/promotions/1/automatic: more than one automatic promotion (/items/${i}/promotions/0 is automatic too) (item CFQ7TTC0LFLX:0001:CFQ7TTC0LB30)`,
    );
  });

  it('minQuantity greater than maxQuantity', () => {
    assert.equal(
      messageFor((d) => {
        d.items[0].minQuantity = 500;
        d.items[0].maxQuantity = 10;
      }),
      'catalog catalog.json: /items/0/minQuantity: is greater than maxQuantity (500 > 10) (item CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P)',
    );
  });

  it('an add-on of a product no item has, or of its own product', () => {
    const i = indexOf(shippedJson(), 'CFQ7TTC0HDJX:0001:CFQ7TTC0K806');
    assert.equal(
      messageFor((d) => {
        d.items[i].addOnOf = ['CFQ7TTC0NOPE'];
      }),
      `catalog catalog.json: /items/${i}/addOnOf/0: names product "CFQ7TTC0NOPE", which no item has (item CFQ7TTC0HDJX:0001:CFQ7TTC0K806)`,
    );
    assert.match(
      messageFor((d) => {
        d.items[i].addOnOf = ['cfq7ttc0hdjx'];
      }),
      new RegExp(`/items/${i}/addOnOf/0: names the item's own product`),
    );
  });

  it('two availabilities of one product SKU with different pooled seat limits', () => {
    const data = shippedJson();
    const first = indexOf(data, 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP1');
    const second = indexOf(data, 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2');
    assert.equal(
      messageFor((d) => {
        d.items[second].seatLimitPerCustomer = 500;
      }),
      `catalog catalog.json: /items/${second}/seatLimitPerCustomer: seatLimitPerCustomer 500 differs from 300 at /items/${first}, which has the same product and SKU (the limit is pooled) (item CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2)`,
    );
    assert.match(
      messageFor((d) => {
        delete d.items[second].seatLimitPerCustomer;
      }),
      new RegExp(`: /items/${second}: seatLimitPerCustomer absent differs from 300 at /items/${first},`),
    );
  });
});

describe('catalog file: the product catalog and the integration sandbox', () => {
  it('a catalog without products (one written before the catalog operations): says what to add', () => {
    assert.equal(
      messageFor((d) => {
        delete d.products;
      }),
      'catalog catalog.json: (root): must have required property "products", the product catalog: an entry (title, description, ' +
        'productType, publisherName, isMicrosoftProduct, targetViews) for the product id of every productId:skuId:availabilityId item ' +
        '(see server/catalog/catalog.schema.json)',
    );
  });

  it('a replaced catalog file (CATALOG_PATH) without products is refused the same way, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-products-'));
    try {
      const file = join(dir, 'old-catalog.json');
      const data = shippedJson();
      delete data.products;
      writeFileSync(file, JSON.stringify(data));
      assert.throws(
        () => loadCatalog(file),
        (err) =>
          err instanceof CatalogFileError &&
          err.message.startsWith(
            `catalog ${file}: (root): must have required property "products", the product catalog`,
          ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a three-part item whose product is not under products, and a product that no item sells', () => {
    const i = indexOf(shippedJson(), 'DZH318Z0BXWC:0002:DZH318Z0BMRV');
    assert.equal(
      messageFor((d) => {
        delete d.products.DZH318Z0BXWC;
      }),
      `catalog catalog.json: /items/${i}/catalogItemId: product "DZH318Z0BXWC" is not under products (every productId:skuId:availabilityId item needs its product there) (item DZH318Z0BXWC:0002:DZH318Z0BMRV)`,
    );
    assert.equal(
      messageFor((d) => {
        d.products.CFQ7TTC0NONE = { ...d.products.CFQ7TTC0LFLS };
      }),
      'catalog catalog.json: /products/CFQ7TTC0NONE: no item sells this product (a product needs at least one productId:skuId:availabilityId item with its id)',
    );
  });

  it("a product id twice (ignoring case), a legacy id as a product, a view that is not the spec's", () => {
    assert.equal(
      messageFor((d) => {
        d.products.cfq7ttc0lfls = { ...d.products.CFQ7TTC0LFLS };
      }),
      'catalog catalog.json: /products/cfq7ttc0lfls: the same product id as /products/CFQ7TTC0LFLS (ids are compared ignoring case)',
    );
    assert.equal(
      messageFor((d) => {
        d.products['MS-AZR-0145P'] = { ...d.products.CFQ7TTC0LFLS };
      }),
      'catalog catalog.json: /products/MS-AZR-0145P: property name must be a product id (12 letters and digits, the first segment of productId:skuId:availabilityId)',
    );
    assert.match(
      messageFor((d) => {
        d.products.CFQ7TTC0LFLS.targetViews = ['Online'];
      }),
      /^catalog catalog\.json: \/products\/CFQ7TTC0LFLS\/targetViews\/0: must be one of Azure, AzureReservations, .*OnlineServices.*MarketplaceSaaS; found "Online"$/,
    );
    assert.equal(
      messageFor((d) => {
        delete d.products.CFQ7TTC0LFLS.productType.displayName;
      }),
      'catalog catalog.json: /products/CFQ7TTC0LFLS/productType: must have required property "displayName"',
    );
  });

  it('availabilities of one product SKU that disagree on what the SKU has one of', () => {
    const data = shippedJson();
    const first = indexOf(data, 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5');
    const second = indexOf(data, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H');
    assert.equal(
      messageFor((d) => {
        d.items[second].maxQuantity = 300;
      }),
      `catalog catalog.json: /items/${second}/maxQuantity: maxQuantity 300 differs from 2000 at /items/${first}, another availability of the same product SKU (a SKU has one maxQuantity) (item CFQ7TTC0LF8S:0001:CFQ7TTC0N81H)`,
    );
    assert.match(
      messageFor((d) => {
        d.items[second].trial = true;
      }),
      new RegExp(`/items/${second}/trial: trial true differs from false at /items/${first},`),
    );
    assert.match(
      messageFor((d) => {
        d.items[first].enforceAttestation = true;
      }),
      new RegExp(`/items/${second}: enforceAttestation false differs from true at /items/${first},`),
    );
  });

  it('integrationSandbox: refused or purchaseOrder, allowed when absent', () => {
    assert.equal(
      messageFor((d) => {
        d.items[0].integrationSandbox = 'allowed';
      }),
      'catalog catalog.json: /items/0/integrationSandbox: must be one of refused, purchaseOrder; found "allowed" (item CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P)',
    );
    const data = shippedJson();
    data.items[0].integrationSandbox = 'purchaseOrder';
    const catalog = parseCatalog(data, 'catalog.json');
    assert.deepEqual(
      [catalog.items[0]?.integrationSandbox, catalog.items[1]?.integrationSandbox],
      ['purchaseOrder', 'allowed'],
    );
  });
});

describe('catalog file: the validator `npm run generate` compiles ahead of time', () => {
  it('is the one in use: generated/catalog-validator.ts was compiled from this schema and these enumerations', () => {
    assert.equal(usesGeneratedValidator(), true, 'run npm run generate: the schema or its enumerations changed since');
  });

  it('gives the verdicts and errors Ajv gives when it compiles the schema itself', () => {
    const ajv = new Ajv2020(AJV_OPTIONS);
    ajv.addSchema(
      enumerationsSchema({ billingCycleValues, termDurationValues, renewsToTermDurationValues, targetViewValues }),
    );
    const compiled = ajv.compile(catalogSchema);
    const documents: unknown[] = [
      shippedJson(),
      {},
      [],
      { ...shippedJson(), markets: 'US' },
      (() => {
        const data = shippedJson();
        data.items[0].billingCycle = 'weekly';
        data.items[1].minQuantity = -1;
        delete data.items[2].title;
        return data;
      })(),
      (() => {
        const data = shippedJson();
        data.items[3].terms = { P1Y: { monthly: 'cheap' } };
        data.unknownTopLevel = true;
        return data;
      })(),
    ];
    const ahead = generated.validate as unknown as typeof compiled;
    for (const [index, document] of documents.entries()) {
      assert.equal(ahead(document), compiled(document), `verdict of document ${index}`);
      assert.deepEqual(ahead.errors ?? null, compiled.errors ?? null, `errors of document ${index}`);
    }
  });
});
