import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaseInsensitiveReader } from './canonical-input.ts';

const spec = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'generated', 'openapi.json'), 'utf8'));
const reader = new CaseInsensitiveReader(spec);
const cart = { $ref: '#/components/schemas/Cart' };

describe('reading input as Partner Center reads it', () => {
  it('maps PascalCase property names and capitalised enum values to the canonical ones', () => {
    const read = reader.read(
      { LineItems: [{ CatalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS', QUANTITY: 1, TermDuration: 'p1m', BillingCycle: 'Monthly', Participants: [{ Key: 'Transaction_Reseller', Value: '5357564' }] }] },
      cart,
    );
    assert.deepEqual(read, {
      lineItems: [{ catalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS', quantity: 1, termDuration: 'P1M', billingCycle: 'monthly', participants: [{ key: 'transaction_reseller', value: '5357564' }] }],
    });
  });

  it('drops read-only properties at every level, whatever their value', () => {
    const read = reader.read(
      { Id: 'not-a-guid', Status: 'Ordered', ExpirationTimestamp: '0001-01-01T00:00:00', links: { self: 1 }, lineItems: [{ catalogItemId: 'x', quantity: 1, billingCycle: 'monthly', orderGroup: '9', pricing: { price: -1 }, error: 'e' }] },
      cart,
    );
    assert.deepEqual(read, { lineItems: [{ catalogItemId: 'x', quantity: 1, billingCycle: 'monthly' }] });
  });

  it('reads nested add-ons and the nullable renewsTo', () => {
    const read = reader.read({ lineItems: [{ AddonItems: [{ BillingCycle: 'ANNUAL' }], RenewsTo: { TermDuration: 'p1y' } }, { renewsTo: null }] }, cart);
    assert.deepEqual(read, { lineItems: [{ addonItems: [{ billingCycle: 'annual' }], renewsTo: { termDuration: 'P1Y' } }, { renewsTo: null }] });
  });

  it('keeps provisioning context keys as sent (they are a map, not declared properties)', () => {
    const read = reader.read({ lineItems: [{ ProvisioningContext: { ParentSubscriptionId: 'abc' } }] }, cart);
    assert.deepEqual(read, { lineItems: [{ provisioningContext: { ParentSubscriptionId: 'abc' } }] });
  });

  it('leaves unknown names, unknown enum values and a second spelling of a name for the validator to reject', () => {
    const read = reader.read({ lineItems: [{ billingCycle: 'weekly', quantitty: 2 }], LineItems: [] }, cart) as Record<string, unknown>;
    assert.deepEqual(Object.keys(read), ['lineItems', 'LineItems']);
    assert.deepEqual(read['lineItems'], [{ billingCycle: 'weekly', quantitty: 2 }]);
  });

  it('keeps a "__proto__" key as a plain property instead of changing the prototype', () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "lineItems": []}');
    const read = reader.read(body, cart) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
    assert.equal((read as { polluted?: boolean }).polluted, undefined);
    assert.ok(Object.hasOwn(read, '__proto__'));
  });
});
