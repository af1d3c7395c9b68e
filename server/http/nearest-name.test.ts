import assert from 'node:assert/strict';
import { allowedDistance, editDistance, nearestName } from './nearest-name.ts';

const lineProperties = [
  'id',
  'catalogItemId',
  'quantity',
  'billingCycle',
  'termDuration',
  'customTermEndDate',
  'provisioningContext',
  'attestationAccepted',
  'promotionId',
];

describe('the nearest declared name to an ignored one', () => {
  it('counts insertions, deletions, substitutions and swaps of adjacent characters as one edit each', () => {
    assert.equal(editDistance('quantity', 'quantity'), 0);
    assert.equal(editDistance('quantitty', 'quantity'), 1);
    assert.equal(editDistance('termduraton', 'termduration'), 1);
    assert.equal(editDistance('termduraiton', 'termduration'), 1, 'a swap is one edit');
    assert.equal(editDistance('billingcycel', 'billingcycle'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
  });

  it('suggests the declared name for the typos of docs/sandbox-behaviour.md, ignoring case', () => {
    assert.equal(nearestName('Quantitty', lineProperties), 'quantity');
    assert.equal(nearestName('termDuraton', lineProperties), 'termDuration');
    assert.equal(nearestName('TERMDURATION', lineProperties), 'termDuration');
    assert.equal(nearestName('atestationAccepted', lineProperties), 'attestationAccepted');
    assert.equal(nearestName('include_prices', ['include_price', 'billingType']), 'include_price');
  });

  it('suggests nothing for a name that is no typo of a declared one', () => {
    for (const sent of ['TargetId', 'AudienceClaimHeader', 'colour', 'qty', 'x'.repeat(5000), ''])
      assert.equal(nearestName(sent, lineProperties), undefined, sent);
  });

  it('allows at most 2 edits, and at most a third of the longer name: a short name only in another case', () => {
    assert.equal(allowedDistance('quantity', 'quantitty'), 2);
    assert.equal(allowedDistance('ids', 'id'), 1);
    assert.equal(nearestName('ID', lineProperties), 'id');
    assert.equal(nearestName('ix', lineProperties), undefined);
    assert.equal(nearestName('ids', lineProperties), 'id');
    assert.equal(nearestName('quanty', lineProperties), 'quantity', '2 edits on 8 characters');
    assert.equal(nearestName('qunty', lineProperties), undefined, '3 edits');
  });

  it('takes the nearest, and the first declared between equally near names', () => {
    assert.equal(nearestName('abcd', ['abxy', 'abcx']), 'abcx');
    assert.equal(nearestName('abcdef', ['abcdxx', 'abcdyy']), 'abcdxx');
  });
});
