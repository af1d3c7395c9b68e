// The try-it console (/try): Swagger UI over the canonical form of the sandbox's spec (lists of values
// shown as lists), read from /openapi.canonical.json on the same origin, with its servers replaced by this origin, so
// that every call goes to the sandbox that
// served the page (the page's Content Security Policy would refuse any other anyway).
/* global SwaggerUIBundle */
'use strict';

fetch('/openapi.canonical.json')
  .then((response) => {
    if (!response.ok) throw new Error(`/openapi.canonical.json answered ${response.status}`);
    return response.json();
  })
  .then((spec) => {
    spec.servers = [{ url: window.location.origin, description: 'This sandbox' }];
    // The introduction is the documentation page's; here, the operations come first.
    spec.info.description =
      'Every call made from this page goes to this sandbox, and only there. Authorize with a token ' +
      '(`npm run -s token`), open an operation, fill in its parameters and execute it. ' +
      'The reference documentation, with the rules, the error codes and code samples, is at [/docs](/docs); ' +
      "the sandbox's own test controls (virtual clock, reset, forced answers, request journal), which this " +
      'console does not call, at [/docs/controls](/docs/controls).';
    // MS-RequestId is the idempotency key: left empty, the sandbox makes up a new one for every call,
    // instead of every call from the console carrying the spec's example (a second create would then
    // be answered with the first one's cart). Fill it in to try a retry.
    for (const parameter of Object.values(spec.components?.parameters ?? {})) {
      if (parameter.in === 'header' && parameter.name === 'MS-RequestId') {
        delete parameter.example;
        delete parameter.examples;
      }
    }
    // Servers declared on a path or an operation would win over the document's: none may point elsewhere.
    for (const item of Object.values(spec.paths ?? {})) {
      delete item.servers;
      for (const operation of Object.values(item)) {
        if (operation && typeof operation === 'object') delete operation.servers;
      }
    }
    window.ui = SwaggerUIBundle({
      spec,
      dom_id: '#swagger-ui',
      deepLinking: true,
      // The token is kept for this page only: not written to the browser's storage, where it would
      // outlive the tab.
      persistAuthorization: false,
      // No badge: it would send the spec to an online validator.
      validatorUrl: null,
      displayRequestDuration: true,
      tryItOutEnabled: true,
      defaultModelsExpandDepth: 0,
    });
  })
  .catch((error) => {
    const message = document.createElement('p');
    message.className = 'try-it-error';
    message.textContent = `The console could not start: ${error.message}`;
    document.getElementById('swagger-ui').append(message);
  });
