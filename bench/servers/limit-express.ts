// Plain Express 5 answering the recorded bytes of the reference server's GET cart on the same route,
// with the reference app's settings (no X-Powered-By, no ETag) and nothing else: no middleware.
import express from 'express';
import { listenAddress, readFixture } from './fixture.ts';

const { status, headers, body } = readFixture(process.argv[2]);
const { port, host } = listenAddress();
const replayed = headers.filter(([name]) => name.toLowerCase() !== 'content-length'); // res.send sets it

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/v1/customers/:customerId/carts/:cartId', (_req, res) => {
  for (const [name, value] of replayed) res.setHeader(name, value);
  res.status(status).send(body);
});
app.listen(port, host);

process.on('SIGTERM', () => process.exit(0));
