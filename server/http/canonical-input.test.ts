import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaseInsensitiveReader, foldEnumValue } from './canonical-input.ts';
import { bundledSpec } from './spec.ts';

const spec = bundledSpec();
const reader = new CaseInsensitiveReader(spec);
const cartRequest = { $ref: '#/components/schemas/CartRequest' };
const sdkCreate = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', 'openapi', 'test', 'fixtures', 'sdk', 'dotnet-create-cart.request.json'),
    'utf8',
  ),
);

describe('reading input as Partner Center reads it', () => {
  it('maps PascalCase property names and capitalised enum values to the canonical ones', () => {
    const read = reader.read(
      {
        LineItems: [
          {
            CatalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS',
            QUANTITY: 1,
            TermDuration: 'p1m',
            BillingCycle: 'Monthly',
            Participants: [{ Key: 'Transaction_Reseller', Value: '5357564' }],
          },
        ],
      },
      cartRequest,
    );
    assert.deepEqual(read, {
      value: {
        lineItems: [
          {
            catalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS',
            quantity: 1,
            termDuration: 'P1M',
            billingCycle: 'monthly',
            participants: [{ key: 'transaction_reseller', value: '5357564' }],
          },
        ],
      },
      ignored: [],
      repeated: [],
    });
  });

  it('reads enumeration member names as the SDKs spell them: OneTime, onetime and ONE_TIME are one_time', () => {
    for (const spelling of ['OneTime', 'onetime', 'ONE_TIME', 'one-time', 'one_time']) {
      const read = reader.read({ lineItems: [{ billingCycle: spelling }] }, cartRequest).value as {
        lineItems: { billingCycle: string }[];
      };
      assert.equal(read.lineItems[0]?.billingCycle, 'one_time', spelling);
    }
    assert.equal(foldEnumValue('Pending Review'), 'pendingreview');
  });

  it('treats null as absent at every depth', () => {
    const read = reader.read(
      {
        Id: null,
        LineItems: [
          {
            catalogItemId: 'x',
            RenewsTo: null,
            AddonItems: null,
            Participants: [{ key: 'transaction_reseller', value: null }],
          },
        ],
      },
      cartRequest,
    );
    assert.deepEqual(read, {
      value: { lineItems: [{ catalogItemId: 'x', participants: [{ key: 'transaction_reseller' }] }] },
      ignored: [],
      repeated: [],
    });
  });

  it('drops the properties the service manages at every level, whatever their value, without reporting them', () => {
    const read = reader.read(
      {
        Id: 'not-a-guid',
        Status: 'Ordered',
        ExpirationTimestamp: '0001-01-01T00:00:00',
        Links: { Self: { Uri: 1 } },
        Attributes: { ObjectType: 'Cart' },
        lineItems: [
          {
            catalogItemId: 'x',
            quantity: 1,
            billingCycle: 'monthly',
            orderGroup: '9',
            pricing: { price: -1 },
            error: 'e',
            AddonItems: [{ catalogItemId: 'y', OrderGroup: '9' }],
          },
        ],
      },
      cartRequest,
    );
    assert.deepEqual(read, {
      value: {
        lineItems: [{ catalogItemId: 'x', quantity: 1, billingCycle: 'monthly', addonItems: [{ catalogItemId: 'y' }] }],
      },
      ignored: [],
      repeated: [],
    });
  });

  it('ignores the properties no schema declares and names each one by its path', () => {
    const read = reader.read(
      {
        AudienceClaimHeader: 'a',
        lineItems: [
          { catalogItemId: 'x', TargetId: 't', quantitty: 2, addonItems: [{ catalogItemId: 'y', addonItems: [] }] },
        ],
      },
      cartRequest,
    );
    assert.deepEqual(read.value, { lineItems: [{ catalogItemId: 'x', addonItems: [{ catalogItemId: 'y' }] }] });
    assert.deepEqual(read.ignored, [
      'body.AudienceClaimHeader',
      'body.lineItems[0].TargetId',
      'body.lineItems[0].quantitty',
      'body.lineItems[0].addonItems[0].addonItems',
    ]);
  });

  it('reads the .NET SDK create body to just what it means', () => {
    const read = reader.read(sdkCreate, cartRequest);
    assert.deepEqual(read, {
      value: {
        lineItems: [
          {
            id: 0,
            catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
            quantity: 5,
            billingCycle: 'monthly',
            termDuration: 'P1M',
          },
        ],
      },
      ignored: [],
      repeated: [],
    });
  });

  it('keeps provisioning context keys as sent (they are a map, not declared properties)', () => {
    const read = reader.read({ lineItems: [{ ProvisioningContext: { ParentSubscriptionId: 'abc' } }] }, cartRequest);
    assert.deepEqual(read.value, { lineItems: [{ provisioningContext: { ParentSubscriptionId: 'abc' } }] });
  });

  it('leaves wrong values for the validator to reject, and reports a second spelling of a name', () => {
    const read = reader.read(
      { lineItems: [{ billingCycle: 'weekly', quantity: '2', Quantity: 3 }], LineItems: [] },
      cartRequest,
    );
    assert.deepEqual(read.value, { lineItems: [{ billingCycle: 'weekly', quantity: '2' }] });
    assert.deepEqual(read.repeated, ['body.lineItems[0].Quantity', 'body.LineItems']);
  });

  it('changes the case of ASCII letters only when it compares values', () => {
    assert.equal(foldEnumValue('One_Time'), 'onetime');
    assert.equal(foldEnumValue('\u212Aelvin'), '\u212Aelvin', 'the Kelvin sign is no K');
  });

  it('names an odd property name in a form a header can carry, and never lets "__proto__" change the prototype', () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "lineItems": [], "caf\\u00e9\\n": 1}');
    const read = reader.read(body, cartRequest);
    assert.equal(Object.getPrototypeOf(read.value), Object.prototype);
    assert.equal((read.value as { polluted?: boolean }).polluted, undefined);
    assert.deepEqual(read.ignored, ['body.__proto__', 'body.caf%C3%A9%0A']);
    // A lone surrogate is valid JSON but no UTF-8: named with U+FFFD instead (found by the fuzz suite).
    assert.deepEqual(reader.read(JSON.parse('{"lineItems": [], "\\udfff": 1}'), cartRequest).ignored, [
      'body.%EF%BF%BD',
    ]);
  });

  it('reads query values: booleans and enumeration values without regard to case', () => {
    assert.equal(reader.readScalar('True', { type: 'boolean' }), 'true');
    assert.equal(reader.readScalar('FALSE', { type: 'boolean' }), 'false');
    assert.equal(reader.readScalar('yes', { type: 'boolean' }), 'yes');
    assert.equal(reader.readScalar('OneTime', { $ref: '#/components/schemas/BillingCycle' }), 'one_time');
    assert.equal(reader.readScalar('weekly', { $ref: '#/components/schemas/BillingCycle' }), 'weekly');
  });
});
