// The value syntaxes of the configuration (server/config-values.ts) on their own: durations and
// byte sizes. What each variable accepts, with its range: config.test.ts.
import assert from 'node:assert/strict';
import { parseByteSize, parseDuration } from './config-values.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('config: parseDuration', () => {
  it('reads ISO 8601 durations made of weeks, days, hours, minutes and seconds', () => {
    assert.equal(parseDuration('P7D'), 7 * DAY);
    assert.equal(parseDuration('PT15M'), 15 * MINUTE);
    assert.equal(parseDuration('PT30S'), 30 * SECOND);
    assert.equal(parseDuration('P1DT12H'), 36 * HOUR);
    assert.equal(parseDuration('P2W'), 14 * DAY);
    assert.equal(parseDuration('PT1H30M5S'), HOUR + 30 * MINUTE + 5 * SECOND);
    assert.equal(parseDuration('PT0.5S'), 500);
    assert.equal(parseDuration('PT0,25S'), 250);
    assert.equal(parseDuration('p1dt1h'), DAY + HOUR, 'designators are case-insensitive');
    assert.equal(parseDuration('PT0S'), 0, 'zero is well formed; range checks belong to the caller');
  });

  it('reads a number with a unit', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30 * SECOND);
    assert.equal(parseDuration('15m'), 15 * MINUTE);
    assert.equal(parseDuration('2h'), 2 * HOUR);
    assert.equal(parseDuration('7d'), 7 * DAY);
    assert.equal(parseDuration('1.5h'), 90 * MINUTE);
    assert.equal(parseDuration('30 s'), 30 * SECOND);
    assert.equal(parseDuration(' 15m '), 15 * MINUTE);
  });

  it('returns undefined for malformed text', () => {
    for (const text of [
      '',
      'abc',
      '30',
      '-5s',
      '+5s',
      '5 sec',
      '5S',
      '1e3ms',
      '.5s',
      's',
      'P',
      'PT',
      'P1DT',
      'P1Y',
      'P1M',
      'PT1H1H',
      'P1D1W',
      '7d1h',
      'T15M',
      'PT15X',
      '1,5h',
    ]) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });
});

describe('config: parseByteSize', () => {
  it('reads byte counts and 1024-based kb/mb sizes', () => {
    assert.equal(parseByteSize('2048'), 2048);
    assert.equal(parseByteSize('2048b'), 2048);
    assert.equal(parseByteSize('100kb'), 102400);
    assert.equal(parseByteSize('1mb'), 1048576);
    assert.equal(parseByteSize('1.5KB'), 1536);
    assert.equal(parseByteSize('2 MB'), 2097152);
    for (const text of ['', 'lots', '1gb', '-1kb', '1 k', 'kb']) assert.equal(parseByteSize(text), undefined, text);
  });
});
