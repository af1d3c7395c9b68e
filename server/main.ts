// Starts the reference server: `npm start`.
import { createServer } from 'node:http';
import { createApp } from './app.ts';

const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] || 'localhost';
const server = createServer(createApp());
server.listen(port, host, () => {
  console.log(`Partner Center cart sandbox on http://${host}:${port} (documentation at /docs)`);
});
