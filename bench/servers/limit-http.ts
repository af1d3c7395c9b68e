// The limit: a bare node:http server that answers every request with the recorded bytes of the
// reference server's GET cart (same status, headers and body), doing nothing else.
import { createServer } from 'node:http';
import { listenAddress, readFixture } from './fixture.ts';

const { status, headers, body } = readFixture(process.argv[2]);
const { port, host } = listenAddress();
const flat = headers.flat(); // writeHead takes names and values in one flat list

createServer((req, res) => {
  req.resume();
  res.writeHead(status, flat);
  res.end(body);
}).listen(port, host);

process.on('SIGTERM', () => process.exit(0));
