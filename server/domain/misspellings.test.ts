// A line error that a missing property causes names the misspelling of that property the line was
// sent with (MISSPELLINGS, set by the request reader); other errors, and lines without one, are as before.
import assert from 'node:assert/strict';
import { CartErrorCode, MISSPELLINGS, type LineItemInput, type Misspelling } from './line-items.ts';
import { A2, A5, one } from './line-items.fixtures.ts';

/** The line as the reader leaves it: the misspellings under the symbol, not enumerable. */
function sentWith(line: LineItemInput, ...misspellings: Misspelling[]): LineItemInput {
  const copy = { ...line };
  Object.defineProperty(copy, MISSPELLINGS, { value: misspellings, enumerable: false });
  return copy;
}

const e5 = { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly' } as const;
const w365 = {
  catalogItemId: 'CFQ7TTC0W365:0001:CFQ7TTC0WHB1',
  quantity: 1,
  billingCycle: 'monthly',
  termDuration: 'P1M',
} as const;

describe('line errors explained by a misspelt property', () => {
  it('10010 for a missing term says which misspelling was ignored', () => {
    const result = one(sentWith(e5, { sent: 'termDuraton', meant: 'termDuration' }));
    assert.equal(result.error?.errorCode, CartErrorCode.InvalidInput);
    assert.match(
      result.error?.errorDescription ?? '',
      /^Catalog item CFQ7TTC0LF8S:0001:CFQ7TTC0N81H requires a termDuration \(one of [^)]+\)\. Did you mean termDuration\? \(termDuraton was ignored\)$/,
    );
  });

  it('the same error without a misspelling, or with one of another property, is unchanged', () => {
    const plain = one(e5).error?.errorDescription;
    assert.ok(plain && !plain.includes('Did you mean'), plain);
    assert.equal(one(sentWith(e5, { sent: 'friendlyNam', meant: 'friendlyName' })).error?.errorDescription, plain);
  });

  it('10012 for attestation, and 10010 and 10018 for a missing provisioning context, name theirs', () => {
    assert.match(
      one(sentWith(w365, { sent: 'atestationAccepted', meant: 'attestationAccepted' })).error?.errorDescription ?? '',
      /Did you mean attestationAccepted\? \(atestationAccepted was ignored\)$/,
    );
    const { provisioningContext: _reservationContext, ...reservation } = A2[1]!;
    const unscoped = one(sentWith(reservation, { sent: 'provisioningContxt', meant: 'provisioningContext' })).error;
    assert.equal(unscoped?.errorCode, CartErrorCode.InvalidInput);
    assert.match(
      unscoped?.errorDescription ?? '',
      /Did you mean provisioningContext\? \(provisioningContxt was ignored\)$/,
    );
    const { provisioningContext: _addOnContext, ...addOn } = A5[0]!;
    const baseless = one(sentWith(addOn, { sent: 'ProvisioningContex', meant: 'provisioningContext' })).error;
    assert.equal(baseless?.errorCode, CartErrorCode.BaseOfferSeatQuantityNotMet);
    assert.match(baseless?.errorDescription ?? '', /\(ProvisioningContex was ignored\)$/);
  });

  it('an error the property would not have prevented says nothing of the misspelling', () => {
    // Sent, so not missing: false is refused for itself.
    const refused = one(
      sentWith({ ...w365, attestationAccepted: false }, { sent: 'atestationAccepted', meant: 'attestationAccepted' }),
    ).error;
    assert.equal(refused?.errorCode, CartErrorCode.AttestationNotAccepted);
    assert.ok(!refused?.errorDescription.includes('Did you mean'), refused?.errorDescription);
    // A seat limit has nothing to do with the term.
    const seats = one(
      sentWith({ ...e5, termDuration: 'P1M', quantity: 1_000_000 }, { sent: 'termDuraton', meant: 'termDuration' }),
    ).error;
    assert.equal(seats?.errorCode, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded);
    assert.ok(!seats?.errorDescription.includes('Did you mean'), seats?.errorDescription);
  });

  it('the answered line carries no trace of the symbol', () => {
    const result = one(sentWith(e5, { sent: 'termDuraton', meant: 'termDuration' }));
    assert.equal(Object.getOwnPropertySymbols(result).length, 0);
  });
});
