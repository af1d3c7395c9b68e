// A validating proxy reading the published contract (generated/openapi.json, as a gateway or a
// contract-testing proxy would download it) in front of the sandbox: the whole purchase flow, sent in
// every spelling the sandbox accepts (PascalCase names, `null`, other spellings of values, `True`) and
// with every published request as it is, passes the proxy; nothing the sandbox accepts is refused by
// it, and every answer the sandbox gives is one the contract allows. The proxy is express-openapi-
// validator over the unmodified contract, with no reading step of the sandbox's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { bundledSpecPath } from '../http/spec.ts';
import {
  cartPath,
  cartsPath,
  checkoutPath,
  e5Line,
  orderPath,
  ordersPath,
  PARTNER,
  TestServer,
  token,
} from './harness.ts';
import { dotnetEcho, pascal } from './sdk-shapes.ts';

const published = join(import.meta.dirname, '..', '..', 'openapi', 'test', 'fixtures', 'published');
const sdk = join(import.meta.dirname, '..', '..', 'openapi', 'test', 'fixtures', 'sdk');
const load = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

interface Exchange {
  method: string;
  path: string;
  /** The proxy's own refusal (the contract refused the request or the answer), or undefined. */
  refusal?: { stage: 'request' | 'response'; status: number; errors: string[] };
  status: number;
  body: any;
}

/** The proxy: validates each request and answer against the contract and forwards the rest to `upstream`. */
function validatingProxy(upstream: string): express.Express {
  const app = express();
  app.use(express.json({ type: 'application/json', strict: false }));
  app.use(
    ...OpenApiValidator.middleware({
      apiSpec: JSON.parse(readFileSync(bundledSpecPath, 'utf8')),
      validateRequests: { allErrors: true },
      validateResponses: { allErrors: true },
      validateSecurity: false,
    }),
  );
  app.use(async (req, res, next) => {
    try {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'if-match', 'ms-requestid']) {
        const value = req.get(name);
        if (value !== undefined) headers[name] = value;
      }
      const answer = await fetch(`${upstream}${req.originalUrl}`, {
        method: req.method,
        headers,
        ...(req.body !== undefined && req.get('content-type') ? { body: JSON.stringify(req.body) } : {}),
      });
      for (const name of ['ms-requestid', 'ms-correlationid', 'etag', 'retry-after', 'sandbox-ignored-properties']) {
        const value = answer.headers.get(name);
        if (value !== null) res.setHeader(name, value);
      }
      const text = await answer.text();
      res.status(answer.status).json(text ? JSON.parse(text) : undefined);
    } catch (error) {
      next(error);
    }
  });
  // The validator's refusals: of a request (4xx), or of an answer (500: it did not fit the contract).
  const refused: ErrorRequestHandler = (error, req, res, _next) => {
    const status = (error as { status?: number }).status ?? 500;
    const errors = ((error as { errors?: { path: string; message: string }[] }).errors ?? []).map(
      (e) => `${e.path}: ${e.message}`,
    );
    res.status(status).json({
      refusedByProxy: req.method,
      stage: status >= 500 ? 'response' : 'request',
      errors,
      message: String((error as Error).message),
    });
  };
  app.use(refused);
  return app;
}

describe('a validating proxy that reads the published contract, in front of the sandbox', function () {
  this.timeout(60_000);
  const sandbox = new TestServer({ provisioningDelayMs: 0 });
  let proxy: ReturnType<express.Express['listen']>;
  let proxyUrl = '';
  let bearer = '';
  const exchanges: Exchange[] = [];

  before(async () => {
    await sandbox.start();
    bearer = `Bearer ${await token(PARTNER)}`;
    proxy = validatingProxy(sandbox.baseUrl).listen(0, '127.0.0.1');
    await new Promise((resolve) => proxy.once('listening', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await sandbox.stop();
  });

  /** One call through the proxy; `rawBody` is sent as it is. */
  async function send(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<Exchange> {
    const hasBody = options.body !== undefined || options.rawBody !== undefined;
    const response = await fetch(`${proxyUrl}${path}`, {
      method,
      headers: {
        authorization: bearer,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(hasBody ? { body: options.rawBody ?? JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : undefined;
    const exchange: Exchange = { method, path, status: response.status, body };
    if (body && typeof body === 'object' && 'refusedByProxy' in body)
      exchange.refusal = { stage: body.stage, status: response.status, errors: [...body.errors, body.message] };
    exchanges.push(exchange);
    return exchange;
  }

  /** A call the proxy lets through and the sandbox answers with a success. */
  async function accepted(method: string, path: string, options: Parameters<typeof send>[2] = {}): Promise<any> {
    const exchange = await send(method, path, options);
    assert.equal(
      exchange.refusal,
      undefined,
      `${method} ${path} refused by the proxy: ${JSON.stringify(exchange.refusal)}`,
    );
    assert.ok(
      exchange.status >= 200 && exchange.status < 300,
      `${method} ${path} answered ${exchange.status}: ${JSON.stringify(exchange.body)}`,
    );
    return exchange.body;
  }

  it('lets through the catalog read with every spelling the sandbox reads, and its answers', async () => {
    for (const query of [
      'country=US&targetView=OnlineServices',
      'country=us&targetView=onlineservices&targetSegment=Commercial',
      'country=Us&targetView=ONLINE_SERVICES&targetSegment=COMMERCIAL',
    ]) {
      const products = await accepted('GET', `/v1/products?${query}`);
      assert.ok(products.items.length > 0, query);
    }
    const product = (await accepted('GET', '/v1/products?country=US&targetView=OnlineServices')).items[0];
    await accepted('GET', `/v1/products/${product.id}?country=us`);
    const skus = await accepted('GET', `/v1/products/${product.id}/skus?country=US&targetSegment=commercial`);
    const sku = skus.items[0];
    await accepted('GET', `/v1/products/${product.id}/skus/${sku.id}?country=US`);
    const availabilities = await accepted(
      'GET',
      `/v1/products/${product.id}/skus/${sku.id}/availabilities?country=US&targetSegment=Commercial`,
    );
    await accepted(
      'GET',
      `/v1/products/${product.id}/skus/${sku.id}/availabilities/${availabilities.items[0].id}?country=US`,
    );
  });

  it('lets through every published create request and the .NET SDK body as they are', async () => {
    for (const file of [
      'a1-create-cart-nce',
      'a2-create-cart-legacy',
      'a3-create-cart-nce-minimal',
      'a4-addons-legacy-new-base',
      'a5-addons-legacy-existing-base',
      'a6-addons-nce',
    ]) {
      const cart = await accepted('POST', cartsPath(), { body: load(join(published, `${file}.request.json`)) });
      assert.equal(cart.status, 'Active', file);
    }
    await accepted('POST', cartsPath(), { body: load(join(sdk, 'dotnet-create-cart.request.json')) });
  });

  it('lets through the whole purchase flow in the SDK spellings: create, GET-change-PUT, checkout, orders, provisioning, cancel', async () => {
    const spelt = {
      LineItems: [
        {
          Id: 0,
          CatalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
          Quantity: 2,
          BillingCycle: 'Monthly',
          TermDuration: 'p1m',
          FriendlyName: null,
          RenewsTo: null,
          Participants: [{ Key: 'Transaction_Reseller', Value: '5357564' }],
        },
        {
          Id: 0,
          CatalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM',
          Quantity: 1,
          BillingCycle: 'OneTime',
          TermDuration: null,
        },
      ],
      PartnerOnRecordAttestationAccepted: true,
    };
    const cart = await accepted('POST', cartsPath(), { body: spelt });
    assert.deepEqual(
      cart.lineItems.map((line: any) => [line.billingCycle, line.error]),
      [
        ['monthly', undefined],
        ['one_time', undefined],
      ],
    );

    const read = await accepted('GET', cartPath(cart.id));
    const camelEcho = {
      ...read,
      lineItems: read.lineItems.map((line: any) => ({ ...line, quantity: line.quantity + 1 })),
    };
    await accepted('PUT', cartPath(cart.id), { body: camelEcho });
    const again = await accepted('GET', cartPath(cart.id));
    await accepted('PUT', cartPath(cart.id), { body: dotnetEcho(again) });
    await accepted('PUT', cartPath(cart.id), { body: load(join(published, 'a7-update-cart.request.json')) });
    await accepted('PUT', cartPath(cart.id), {
      body: pascal({
        lineItems: [
          e5Line(3, { billingCycle: 'MONTHLY' }),
          { catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1, billingCycle: 'one-time' },
        ],
      }),
    });

    const result = await accepted('POST', checkoutPath(cart.id), { rawBody: '"success"' });
    assert.equal(result.orders.length, 2);
    await accepted('POST', checkoutPath(cart.id), { body: {} });
    await accepted('POST', checkoutPath(cart.id));

    for (const query of [
      '',
      '?billingType=OneTime',
      '?billingType=onetime',
      '?billingType=Monthly',
      '?include_price=True',
      '?include_price=FALSE&include_system_purchases=False',
    ]) {
      await accepted('GET', `${ordersPath()}${query}`);
    }
    const software = result.orders.find((order: any) => order.billingCycle === 'one_time');
    await accepted('GET', `${orderPath(software.id)}?include_price=True`);
    await accepted('GET', `${orderPath(software.id)}/provisioningstatus`);
    const cancelled = await accepted('PATCH', orderPath(software.id), {
      body: { Id: software.id, Status: 'Cancelled', LineItems: [{ LineItemNumber: 0 }] },
    });
    assert.equal(cancelled.status, 'cancelled');
  });

  it('refuses, as the sandbox does, what no spelling makes right', async () => {
    const refusals = [
      await send('POST', cartsPath(), { body: { lineItems: [e5Line(0)] } }),
      await send('POST', cartsPath(), {
        body: {
          LineItems: [{ CatalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', Quantity: '2', BillingCycle: 'monthly' }],
        },
      }),
      await send('POST', cartsPath(), { body: { lineItems: [e5Line(1, { billingCycle: 5 })] } }),
      await send('POST', cartsPath(), { body: {} }),
      await send('GET', `${ordersPath()}?include_price=yes`),
    ];
    for (const refused of refusals)
      assert.equal(
        refused.refusal?.stage,
        'request',
        `${refused.method} ${refused.path}: ${JSON.stringify(refused.body)}`,
      );
    for (const [method, path, body] of [
      ['POST', cartsPath(), { lineItems: [e5Line(0)] }],
      [
        'POST',
        cartsPath(),
        { LineItems: [{ CatalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', Quantity: '2', BillingCycle: 'monthly' }] },
      ],
      ['POST', cartsPath(), { lineItems: [e5Line(1, { billingCycle: 5 })] }],
      ['POST', cartsPath(), {}],
      ['GET', `${ordersPath()}?include_price=yes`, undefined],
    ] as const) {
      const direct = await sandbox.call(method, path, body === undefined ? {} : { body });
      assert.equal(direct.status, 400, `the sandbox refuses ${method} ${path} ${JSON.stringify(body)} too`);
    }
  });

  it('refused nothing the sandbox accepted, and found no answer outside the contract', () => {
    assert.ok(exchanges.length >= 40, `${exchanges.length} exchanges`);
    const wrong = exchanges.filter(
      (exchange) => exchange.refusal?.stage === 'response' || (exchange.refusal && exchange.status < 400),
    );
    assert.deepEqual(wrong, []);
  });
});
