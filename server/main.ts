// Starts the reference server: `npm start`. The work is server/run.ts; this entry first checks that
// this Node can run the server (server/node-support.ts) and turns on Node's compile cache, and only
// then imports the rest, dynamically: a static import would be loaded (node:sqlite included) before
// any line here runs.
//
// The compile cache (node:module's enableCompileCache, in the operating system's temporary folder)
// keeps V8's compiled code, and the JavaScript that type stripping made of each .ts file, from one
// start to the next: most of what loading the server's modules costs after the first start.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE=<folder> puts it elsewhere.
import * as nodeModule from 'node:module';
import { unsupportedNode } from './node-support.ts';
import { VARIABLE_NAMES } from './setting-names.ts';

const unsupported = unsupportedNode();
if (unsupported) {
  console.error(`The server cannot start: ${unsupported}`);
  process.exit(1);
}
// Looked up on the module, not imported by name: a name Node lacks would fail the import itself.
nodeModule.enableCompileCache?.();
const { runServer } = await import('./run.ts');
await runServer(VARIABLE_NAMES);
