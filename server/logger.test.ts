import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.ts';

function collecting(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (chunk, _encoding, done) => ((text += String(chunk)), done()) });
  return Object.assign(stream, { isTTY, text: () => text });
}

describe('the server log', () => {
  it('is one JSON line per event when the output is not a terminal', () => {
    const output = collecting(false);
    createLogger('info', output).info({ status: 201, path: '/v1/customers/x/carts' }, 'request');
    const line = JSON.parse(output.text().trim());
    assert.equal(line.msg, 'request');
    assert.equal(line.status, 201);
  });

  it('is human-readable lines on a terminal (pino-pretty)', async () => {
    const output = collecting(true);
    createLogger('info', output).info({ status: 201 }, 'request');
    await new Promise((resolve) => setImmediate(resolve));
    // eslint-disable-next-line no-control-regex -- without its colours (ANSI escapes)
    const text = output.text().replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(text, /INFO.*request/);
    assert.match(text, /status: 201/);
    assert.throws(() => JSON.parse(text.trim()), 'not JSON');
  });
});
