// express-openapi-validator matches every request against every path of the spec by compiling each
// path's pattern again, per request (path-to-regexp's pathToRegexp in its metadata middleware): in
// the profile of a GET, about a tenth of the server's CPU time. The library offers no option for it,
// so the compiled patterns are remembered here: pathToRegexp is a pure function of its arguments, and
// the validator calls it through the module's exports, so memoizing that export changes nothing but
// the cost. If the validator ever bundles its own copy, this simply stops applying.
import { createRequire } from 'node:module';

// Resolved from the validator's own location: the copy it loads, also where packages are not hoisted.
const fromValidator = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const pathToRegexpModule = fromValidator('path-to-regexp') as {
  pathToRegexp: (...args: unknown[]) => unknown;
  memoized?: true;
};

export function rememberRoutePatterns(): void {
  if (pathToRegexpModule.memoized) return;
  const compile = pathToRegexpModule.pathToRegexp;
  const compiled = new Map<string, unknown>();
  pathToRegexpModule.pathToRegexp = (path: unknown, options?: unknown) => {
    if (typeof path !== 'string') return compile(path, options);
    const key = `${path}\u0000${JSON.stringify(options ?? null)}`;
    let result = compiled.get(key);
    if (result === undefined) {
      result = compile(path, options);
      if (compiled.size < 1000) compiled.set(key, result);
    }
    return result;
  };
  pathToRegexpModule.memoized = true;
}
