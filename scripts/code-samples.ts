// Code samples for the documentation page: `addCodeSamples(spec)` returns a copy of the bundled spec
// in which every operation carries `x-codeSamples` (the extension Redoc shows as tabs beside the
// operation). scripts/generate.ts builds generated/docs/index.html from that copy; the spec itself,
// and generated/openapi.json, stay without samples (they are documentation, and name this sandbox).
//
// Four languages:
// - curl, against the sandbox (`SANDBOX_URL`), derived from the spec alone for any operation: method,
//   path with the path parameters' examples, the required query parameters, `Authorization: Bearer
//   $TOKEN`, `MS-RequestId` (new for every call: it is the idempotency key), `MS-CorrelationId`, and
//   the operation's first named request example as the body.
// - TypeScript, with this kit's client (client/index.ts): `createCartClient(...)`, then the helper
//   named after the operationId when the client has one (its arguments: the path parameters in path
//   order, the body when the request body is required, the query when a query parameter is), or else
//   openapi-fetch's typed `api.GET(path, ...)`/`api.PATCH(...)`. openapi/test/code-samples.test.ts
//   compiles every sample against the client and sends every curl sample to a sandbox.
// - C# with Microsoft's Partner Center .NET SDK and PowerShell with the Partner Center PowerShell
//   module: written per operation in `SDK_SAMPLES` (keyed by operationId), because their call chains
//   are not derivable from the spec. An operation that is not in the table, or for which the SDK or the
//   module has no equivalent, has no sample in that language (see the notes in the table).
import { createCartClient } from '../client/index.ts';
import { SpecIndex, type SpecOperation } from '../openapi/spec-index.ts';

export const SANDBOX_URL = 'http://localhost:3000';

/** The import of the TypeScript samples: the client as the repository holds it (see README "Using the client"). */
export const CLIENT_IMPORT = './client/index.ts';

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

/** The `lang` and `label` of each sample, in the order of the tabs. */
export const LANGUAGES = {
  curl: { lang: 'curl', label: 'curl' },
  typescript: { lang: 'TypeScript', label: 'TypeScript (this kit)' },
  csharp: { lang: 'C#', label: 'C# (.NET SDK)' },
  powershell: { lang: 'PowerShell', label: 'PowerShell' },
} as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
// A node of the spec, read by the property names OpenAPI gives it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = Record<string, any>;

/** What a sample writer knows of one operation, with every `$ref` resolved. */
export interface OperationView {
  operationId: string;
  method: string;
  path: string;
  /** Path parameters in the order of the path template. */
  pathParameters: Parameter[];
  queryParameters: Parameter[];
  headerParameters: Parameter[];
  /** The request body: whether it is required, and its first named example (or `undefined`). */
  body: { required: boolean; example: Json | undefined } | undefined;
  secured: boolean;
}

export interface Parameter {
  name: string;
  required: boolean;
  /** The parameter's example (its own, else its schema's, else a value of its type). */
  example: Json;
}

/** A copy of `spec` with `x-codeSamples` on every operation (existing samples are replaced). */
export function addCodeSamples<T extends object>(spec: T, options: { clientHelpers?: ReadonlySet<string> } = {}): T {
  const copy = structuredClone(spec);
  const helpers = options.clientHelpers ?? clientHelpers();
  const index = new SpecIndex(copy);
  for (const operation of index.operations())
    operation.node['x-codeSamples'] = codeSamples(operationView(index, operation), helpers);
  return copy;
}

/** The samples of one operation, in the order of `LANGUAGES`. */
export function codeSamples(view: OperationView, helpers: ReadonlySet<string> = clientHelpers()): CodeSample[] {
  const samples: CodeSample[] = [
    { ...LANGUAGES.curl, source: curlSample(view) },
    { ...LANGUAGES.typescript, source: typeScriptSample(view, helpers) },
  ];
  const sdk = SDK_SAMPLES[view.operationId];
  const values = new SampleValues(view);
  if (sdk?.csharp) samples.push({ ...LANGUAGES.csharp, source: `${CSHARP_PREAMBLE}\n${sdk.csharp(values)}` });
  if (sdk?.powershell)
    samples.push({ ...LANGUAGES.powershell, source: `${POWERSHELL_PREAMBLE}\n${sdk.powershell(values)}` });
  return samples;
}

/** Every operation of a spec, as the sample writers see it. */
export function operationViews(spec: object): OperationView[] {
  const index = new SpecIndex(spec);
  return index.operations().map((operation) => operationView(index, operation));
}

function operationView(index: SpecIndex, operation: SpecOperation): OperationView {
  const { operationId, method, path } = operation;
  if (operationId === undefined) throw new Error(`code samples: ${method.toUpperCase()} ${path} has no operationId`);
  const of = (location: 'path' | 'query' | 'header') =>
    operation.parametersIn(location).map(({ node: parameter }) => ({
      name: parameter.name,
      required: parameter.required === true,
      example: parameterExample(index, parameter),
    }));
  const order = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
  const pathParameters = of('path').sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const name of order) {
    if (!pathParameters.some((parameter) => parameter.name === name))
      throw new Error(`code samples: ${operationId}: path parameter ${name} is not declared`);
  }
  const requestBody = operation.requestBody?.node;
  return {
    operationId,
    method,
    path,
    pathParameters,
    queryParameters: of('query'),
    headerParameters: of('header'),
    body: requestBody
      ? { required: requestBody.required === true, example: requestExample(index, requestBody) }
      : undefined,
    secured: (operation.security ?? []).length > 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// curl

/** The headers every call carries, when the operation declares them. */
const REQUEST_ID = 'MS-RequestId';
const CORRELATION_ID = 'MS-CorrelationId';

function curlSample(view: OperationView): string {
  const lines = [
    `curl${view.method === 'get' ? '' : ` -X ${view.method.toUpperCase()}`} ${shellQuote(sampleUrl(view))}`,
  ];
  if (view.secured) lines.push(`-H "Authorization: Bearer $TOKEN"`);
  for (const header of view.headerParameters) {
    // A new MS-RequestId for every call (the spec: "take a new one for the next call"); a fixed one
    // would make a second, different call with it answer 422.
    if (header.name === REQUEST_ID) lines.push(`-H "${REQUEST_ID}: $(uuidgen)"`);
    else if (header.name === CORRELATION_ID || header.required)
      lines.push(`-H ${shellQuote(`${header.name}: ${String(header.example)}`)}`);
  }
  const body = view.body?.example;
  if (body !== undefined) {
    lines.push(`-H 'Content-Type: application/json'`);
    lines.push(`-d ${shellQuote(JSON.stringify(body, null, 2))}`);
  }
  return lines.join(' \\\n  ');
}

/** The sandbox URL of the operation: path parameters' examples, and the required query parameters. */
export function sampleUrl(view: OperationView): string {
  const path = view.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const parameter = view.pathParameters.find((candidate) => candidate.name === name)!;
    return encodeURIComponent(String(parameter.example));
  });
  const query = new URLSearchParams(
    view.queryParameters
      .filter((parameter) => parameter.required)
      .map((parameter) => [parameter.name, String(parameter.example)]),
  );
  return `${SANDBOX_URL}${path}${query.size > 0 ? `?${query}` : ''}`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------------
// TypeScript, with client/index.ts

/** The helpers of the kit's client (`createCartClient()`'s own methods, besides openapi-fetch's). */
export function clientHelpers(): ReadonlySet<string> {
  const client = createCartClient() as unknown as Record<string, unknown>;
  const openapiFetch = new Set([
    'GET',
    'PUT',
    'POST',
    'DELETE',
    'OPTIONS',
    'HEAD',
    'PATCH',
    'TRACE',
    'request',
    'use',
    'eject',
  ]);
  return new Set(Object.keys(client).filter((name) => typeof client[name] === 'function' && !openapiFetch.has(name)));
}

function typeScriptSample(view: OperationView, helpers: ReadonlySet<string>): string {
  const requiredQuery = view.queryParameters.filter((parameter) => parameter.required);
  const query = Object.fromEntries(requiredQuery.map((parameter) => [parameter.name, parameter.example]));
  const body = view.body?.required ? view.body.example : undefined;
  // The helpers send the client's headers (MS-RequestId, MS-CorrelationId, X-Locale) themselves and
  // take no other header, so an operation with a required header of its own uses openapi-fetch's call.
  const ownHeaders = view.headerParameters.filter((parameter) => parameter.required);
  let call: string;
  if (helpers.has(view.operationId) && ownHeaders.length === 0) {
    const args = view.pathParameters.map((parameter) => tsLiteral(parameter.example, 0));
    if (body !== undefined) args.push(tsLiteral(body, 0));
    if (requiredQuery.length > 0) args.push(tsLiteral(query, 0));
    call = `api.${view.operationId}(${args.join(', ')})`;
  } else {
    const params: Record<string, Json> = {};
    if (view.pathParameters.length > 0)
      params['path'] = Object.fromEntries(view.pathParameters.map((parameter) => [parameter.name, parameter.example]));
    if (requiredQuery.length > 0) params['query'] = query;
    if (ownHeaders.length > 0)
      params['header'] = Object.fromEntries(ownHeaders.map((parameter) => [parameter.name, parameter.example]));
    const init: Record<string, Json> = {};
    if (Object.keys(params).length > 0) init['params'] = params;
    if (body !== undefined) init['body'] = body;
    call = `api.${view.method.toUpperCase()}(${tsLiteral(view.path, 0)}${Object.keys(init).length > 0 ? `, ${tsLiteral(init, 0)}` : ''})`;
  }
  return [
    `import { createCartClient, unwrap } from '${CLIENT_IMPORT}';`,
    '',
    `const api = createCartClient({ baseUrl: '${SANDBOX_URL}', token: () => process.env.TOKEN ?? '' });`,
    `const answer = unwrap(await ${call});`,
    'console.log(answer);',
  ].join('\n');
}

/** A JSON value as a TypeScript literal: single quotes, bare keys where they are identifiers. */
function tsLiteral(value: Json | undefined, indent: number): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Array.isArray(value)
    ? value.map((item) => tsLiteral(item, indent + 1))
    : Object.entries(value).map(
        ([key, item]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : tsLiteral(key, 0)}: ${tsLiteral(item, indent + 1)}`,
      );
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{ ', ' }'];
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  const inline = `${open}${entries.join(', ')}${close}`;
  if (inline.length <= 72 && !inline.includes('\n')) return inline;
  const pad = '  '.repeat(indent + 1);
  return `${open.trim()}\n${entries.map((entry) => `${pad}${entry},`).join('\n')}\n${'  '.repeat(indent)}${close.trim()}`;
}

// ---------------------------------------------------------------------------------------------------
// C# (Partner Center .NET SDK) and PowerShell (Partner Center PowerShell module)
//
// The call chains below are those Microsoft's sources show, read in these files:
//
// microsoft/partner-center-sdk-for-dotNET (Source/):
// - PartnerSDK/Carts/ICartCollection.cs (`Create`, `ById`), PartnerSDK/Carts/ICart.cs (`Get`, `Put`,
//   `Checkout(customerUserUpn)`); PartnerSdk.FeatureSamples/Features/Carts/CreateCart.cs
//   (`partnerOperations.Customers.ById(id).Carts.Create(cart)`), .../Carts/UpdateCart.cs
//   (`Carts.ById(cartId).Put(cart)`), .../Carts/CheckoutCart.cs (`Carts.ById(cartId).Checkout()`).
// - PartnerSDK/Orders/IOrderCollection.cs (`Get`, `Get(includePrice)`, `ById`), IOrder.cs (`Get`,
//   `Patch`, `ProvisioningStatus`, `OrderLineItems`), IOrderProvisioningStatus.cs,
//   IOrderLineItemCollection.cs (`ById(string lineItemNumber)`), IOrderLineItem.cs (`ActivationLink`),
//   IOrderLineItemActivationLink.cs; FeatureSamples .../Orders/GetOrders.cs, GetOrder.cs,
//   GetOrderProvisioningStatus.cs; PartnerSDK/Configuration/PartnerSdkConfiguration.json maps them to
//   the paths (GetOrder, UpdateOrder, GetOrderProvisioningStatus, GetActivationLinksByLineItemNumber).
// - PartnerSDK/Products/IProductCollection.cs (`ByCountry`), IProductCollectionByCountry.cs (`ById`,
//   `ByTargetView`), IProductCollectionByCountryByTargetView.cs, IProduct.cs (`Skus`), ISkuCollection.cs,
//   ISku.cs (`Availabilities`), IAvailabilityCollection.cs, IAvailability.cs; FeatureSamples
//   .../Products/Products.cs, ProductDetails.cs, Skus.cs, SkuDetails.cs, Availabilities.cs,
//   AvailabilityDetails.cs (all `partnerOperations.Products.ByCountry("US")...`).
// - Models: PartnerSdk.Models/Carts/Cart.cs, CartLineItem.cs (property names and types),
//   Carts/Enums/ParticipantType.cs, Products/BillingCycleType.cs (enumeration members).
// - Cancelling an order: MicrosoftDocs/partner-center-sdk, develop/cancel-an-order-from-the-integration-
//   sandbox.md: get the order, set `Status = "cancelled"`, `Orders.ById(orderId).Patch(order)`.
//
// microsoft/Partner-Center-PowerShell (src/PowerShell/Commands/ and docs/help/):
// - NewPartnerCustomerCart.cs (`New-PartnerCustomerCart -CustomerId -LineItems`; of each PSCartLineItem
//   it copies BillingCycle, CatalogItemId, CurrencyCode, FriendlyName, Id, Participants, Quantity and
//   ProvisioningContext (and Error, OrderGroup), not TermDuration, and it sends no attestation),
//   GetPartnerCustomerCart.cs,
//   SetPartnerCustomerCart.cs (reads the cart, replaces its lines with copies of every PSCartLineItem
//   property, puts it), SubmitPartnerCustomerCart.cs (checkout), GetPartnerCustomerOrder.cs
//   (`-CustomerId`, `-OrderId`, `-BillingCycle`, `-IncludePrice`),
//   GetPartnerCustomerOrderProvisioningStatus.cs, GetPartnerCustomerOrderLineItemActivationLink.cs
//   (`-OrderLineItemNumber`), GetPartnerProduct.cs (`-Catalog` is the target view, `-CountryCode`,
//   `-ProductId`), GetPartnerProductSku.cs (`-ProductId`, `-SkuId`), GetPartnerProductAvailability.cs
//   (`-ProductId`, `-SkuId`, `-AvailabilityId`); src/PowerShell/Models/Carts/PSCartLineItem.cs; the
//   examples of docs/help/New-PartnerCustomerCart.md (`New-Object -TypeName ...PSCartLineItem`).
// - No cmdlet cancels an order (New-PartnerCustomerOrder -OrderId patches an order to add add-ons,
//   Set-PartnerCustomerSubscription to change a billing cycle), so updateOrder has no PowerShell sample.

const CSHARP_PREAMBLE =
  '// IAggregatePartner partnerOperations = PartnerService.Instance.CreatePartnerOperations(credentials);\n' +
  `// against the sandbox: PartnerService.Instance.ApiRootUrl = "${SANDBOX_URL}", with credentials that carry its token`;
const POWERSHELL_PREAMBLE = '# The PartnerCenter module, after Connect-PartnerCenter (it calls Partner Center itself)';

/** The example values of one operation's parameters and body, for the table below. */
export class SampleValues {
  readonly #view: OperationView;
  constructor(view: OperationView) {
    this.#view = view;
  }
  /** The example of a path or query parameter; an error when the operation has no such parameter. */
  param(name: string): Json {
    const parameter = [...this.#view.pathParameters, ...this.#view.queryParameters].find(
      (candidate) => candidate.name === name,
    );
    if (!parameter)
      throw new Error(
        `code samples: SDK_SAMPLES.${this.#view.operationId} uses parameter ${name}, which the operation does not have`,
      );
    return parameter.example;
  }
  /** The first named request example; an error when the operation has none. */
  body(): Record<string, Json> {
    const body = this.#view.body?.example;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new Error(`code samples: SDK_SAMPLES.${this.#view.operationId} needs a request example (an object)`);
    return body;
  }
}

type SdkSample = (values: SampleValues) => string;

/**
 * The .NET SDK's and the PowerShell module's call for each operation, by operationId. An operation
 * missing here, or without `csharp` or `powershell`, gets no sample in that language.
 */
export const SDK_SAMPLES: Readonly<Record<string, { csharp?: SdkSample; powershell?: SdkSample }>> = {
  listProducts: {
    csharp: (v) =>
      `var products = partnerOperations.Products.ByCountry(${cs(v.param('country'))}).ByTargetView(${cs(v.param('targetView'))}).Get();`,
    powershell: (v) =>
      `Get-PartnerProduct -Catalog ${ps(v.param('targetView'))} -CountryCode ${ps(v.param('country'))}`,
  },
  getProduct: {
    csharp: (v) =>
      `var product = partnerOperations.Products.ByCountry(${cs(v.param('country'))}).ById(${cs(v.param('productId'))}).Get();`,
    powershell: (v) =>
      `Get-PartnerProduct -ProductId ${ps(v.param('productId'))} -CountryCode ${ps(v.param('country'))}`,
  },
  listSkus: {
    csharp: (v) =>
      `var skus = partnerOperations.Products.ByCountry(${cs(v.param('country'))}).ById(${cs(v.param('productId'))}).Skus.Get();`,
    powershell: (v) =>
      `Get-PartnerProductSku -ProductId ${ps(v.param('productId'))} -CountryCode ${ps(v.param('country'))}`,
  },
  getSku: {
    csharp: (v) =>
      `var sku = partnerOperations.Products.ByCountry(${cs(v.param('country'))}).ById(${cs(v.param('productId'))})\n` +
      `    .Skus.ById(${cs(v.param('skuId'))}).Get();`,
    powershell: (v) =>
      `Get-PartnerProductSku -ProductId ${ps(v.param('productId'))} -SkuId ${ps(v.param('skuId'))} -CountryCode ${ps(v.param('country'))}`,
  },
  listAvailabilities: {
    csharp: (v) =>
      `var availabilities = partnerOperations.Products.ByCountry(${cs(v.param('country'))}).ById(${cs(v.param('productId'))})\n` +
      `    .Skus.ById(${cs(v.param('skuId'))}).Availabilities.Get();`,
    powershell: (v) =>
      `Get-PartnerProductAvailability -ProductId ${ps(v.param('productId'))} -SkuId ${ps(v.param('skuId'))} -CountryCode ${ps(v.param('country'))}`,
  },
  getAvailability: {
    csharp: (v) =>
      `var availability = partnerOperations.Products.ByCountry(${cs(v.param('country'))}).ById(${cs(v.param('productId'))})\n` +
      `    .Skus.ById(${cs(v.param('skuId'))}).Availabilities.ById(${cs(v.param('availabilityId'))}).Get();`,
    powershell: (v) =>
      `Get-PartnerProductAvailability -ProductId ${ps(v.param('productId'))} -SkuId ${ps(v.param('skuId'))} ` +
      `-AvailabilityId ${ps(v.param('availabilityId'))} -CountryCode ${ps(v.param('country'))}`,
  },
  createCart: {
    csharp: (v) => {
      const { lineItems, partnerOnRecordAttestationAccepted, ...rest } = v.body();
      return [
        'var cart = new Cart',
        '{',
        `    LineItems = ${csLines(lineItems, 1)},`,
        ...(partnerOnRecordAttestationAccepted === undefined
          ? []
          : [`    PartnerOnRecordAttestationAccepted = ${csValue(partnerOnRecordAttestationAccepted)},`]),
        ...unmapped(rest, "    // not in the SDK's Cart: "),
        '};',
        `cart = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Carts.Create(cart);`,
      ].join('\n');
    },
    powershell: (v) => {
      const { lineItems, ...rest } = v.body();
      const [script, names] = psLines(lineItems, NEW_CART_LINE_PROPERTIES, 'New-PartnerCustomerCart');
      return [
        ...script,
        ...unmapped(rest, '# not sent by New-PartnerCustomerCart: '),
        `New-PartnerCustomerCart -CustomerId ${ps(v.param('customerId'))} -LineItems ${names}`,
      ].join('\n');
    },
  },
  getCart: {
    csharp: (v) =>
      `var cart = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Carts.ById(${cs(v.param('cartId'))}).Get();`,
    powershell: (v) =>
      `Get-PartnerCustomerCart -CustomerId ${ps(v.param('customerId'))} -CartId ${ps(v.param('cartId'))}`,
  },
  updateCart: {
    // Read, change, put back: the SDK's Put sends the whole cart it read.
    csharp: (v) => {
      const { lineItems } = v.body();
      const cart = `partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Carts.ById(${cs(v.param('cartId'))})`;
      return [
        `var cart = ${cart}.Get();`,
        `cart.LineItems = ${csLines(lineItems, 0)};`,
        `cart = ${cart}.Put(cart);`,
      ].join('\n');
    },
    powershell: (v) => {
      const { lineItems } = v.body();
      const [script, names] = psLines(lineItems, SET_CART_LINE_PROPERTIES, 'Set-PartnerCustomerCart');
      return [
        ...script,
        `Set-PartnerCustomerCart -CustomerId ${ps(v.param('customerId'))} -CartId ${ps(v.param('cartId'))} -LineItems ${names}`,
      ].join('\n');
    },
  },
  checkoutCart: {
    csharp: (v) =>
      `var result = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Carts.ById(${cs(v.param('cartId'))}).Checkout();`,
    powershell: (v) =>
      `Submit-PartnerCustomerCart -CustomerId ${ps(v.param('customerId'))} -CartId ${ps(v.param('cartId'))}`,
  },
  listOrders: {
    csharp: (v) => `var orders = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Orders.Get();`,
    powershell: (v) => `Get-PartnerCustomerOrder -CustomerId ${ps(v.param('customerId'))}`,
  },
  getOrder: {
    csharp: (v) =>
      `var order = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Orders.ById(${cs(v.param('orderId'))}).Get();`,
    powershell: (v) =>
      `Get-PartnerCustomerOrder -CustomerId ${ps(v.param('customerId'))} -OrderId ${ps(v.param('orderId'))}`,
  },
  updateOrder: {
    // Microsoft's cancel-from-the-integration-sandbox sample; no PowerShell cmdlet cancels an order.
    csharp: (v) => {
      const order = `partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Orders.ById(${cs(v.param('orderId'))})`;
      return [`var order = ${order}.Get();`, 'order.Status = "cancelled";', `order = ${order}.Patch(order);`].join(
        '\n',
      );
    },
  },
  getOrderProvisioningStatus: {
    csharp: (v) =>
      `var status = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Orders.ById(${cs(v.param('orderId'))}).ProvisioningStatus.Get();`,
    powershell: (v) =>
      `Get-PartnerCustomerOrderProvisioningStatus -CustomerId ${ps(v.param('customerId'))} -OrderId ${ps(v.param('orderId'))}`,
  },
  listOrderLineItemActivationLinks: {
    csharp: (v) =>
      `var links = partnerOperations.Customers.ById(${cs(v.param('customerId'))}).Orders.ById(${cs(v.param('orderId'))})\n` +
      `    .OrderLineItems.ById(${cs(String(v.param('lineItemNumber')))}).ActivationLink.Get();`,
    powershell: (v) =>
      `Get-PartnerCustomerOrderLineItemActivationLink -CustomerId ${ps(v.param('customerId'))} -OrderId ${ps(v.param('orderId'))} ` +
      `-OrderLineItemNumber ${String(v.param('lineItemNumber'))}`,
  },
};

/** The SDK's BillingCycleType member of each wire value (PartnerSdk.Models/Products/BillingCycleType.cs). */
const BILLING_CYCLES: Record<string, string> = {
  unknown: 'Unknown',
  monthly: 'Monthly',
  annual: 'Annual',
  none: 'None',
  one_time: 'OneTime',
  triennial: 'Triennial',
  biennial: 'Biennial',
};

/** The SDK's ParticipantType member of each wire value (PartnerSdk.Models/Carts/Enums/ParticipantType.cs). */
const PARTICIPANT_TYPES: Record<string, string> = {
  unknown: 'Unknown',
  transaction_reseller: 'TransactionReseller',
  consumption_reseller: 'ConsumptionReseller',
  additional_transaction_reseller: 'AdditionalTransactionReseller',
};

function billingCycle(value: Json): string {
  const member = BILLING_CYCLES[String(value).toLowerCase()];
  if (!member) throw new Error(`code samples: no BillingCycleType member for ${JSON.stringify(value)}`);
  return member;
}

function cs(value: Json): string {
  return JSON.stringify(String(value));
}

function csValue(value: Json): string {
  return typeof value === 'string' ? cs(value) : JSON.stringify(value);
}

/** Cart lines as the SDK's `List<CartLineItem>` initializer (CartLineItem.cs). */
function csLines(lines: Json | undefined, indent: number): string {
  const pad = '    '.repeat(indent);
  const items = (Array.isArray(lines) ? lines : []).map(
    (line) => `${pad}    ${csLine(line as Record<string, Json>, indent + 1)},`,
  );
  return `new List<CartLineItem>\n${pad}{\n${items.join('\n')}\n${pad}}`;
}

function csLine(line: Record<string, Json>, indent: number): string {
  const pad = '    '.repeat(indent);
  const properties: string[] = [];
  const notes: string[] = [];
  for (const [key, value] of Object.entries(line)) {
    switch (key) {
      case 'billingCycle':
        properties.push(`BillingCycle = BillingCycleType.${billingCycle(value)}`);
        break;
      case 'participants':
        properties.push(
          `Participants = new List<KeyValuePair<ParticipantType, string>>\n${pad}    {\n` +
            (value as { key: string; value: string }[])
              .map(
                (participant) =>
                  `${pad}        new KeyValuePair<ParticipantType, string>(ParticipantType.${PARTICIPANT_TYPES[participant.key] ?? 'Unknown'}, ${cs(participant.value)}),`,
              )
              .join('\n') +
            `\n${pad}    }`,
        );
        break;
      case 'provisioningContext': {
        const entries = Object.entries(value as Record<string, Json>);
        properties.push(
          entries.length === 0
            ? 'ProvisioningContext = new Dictionary<string, string>()'
            : `ProvisioningContext = new Dictionary<string, string>\n${pad}    {\n${entries.map(([name, item]) => `${pad}        { ${cs(name)}, ${cs(item)} },`).join('\n')}\n${pad}    }`,
        );
        break;
      }
      case 'addonItems':
        properties.push(`AddonItems = ${csLines(value, indent + 1)}`);
        break;
      case 'renewsTo':
        properties.push(
          `RenewsTo = new RenewsTo { TermDuration = ${cs((value as Record<string, Json>)['termDuration'] ?? '')} }`,
        );
        break;
      case 'customTermEndDate':
        properties.push(
          `CustomTermEndDate = DateTime.Parse(${cs(value)}, null, System.Globalization.DateTimeStyles.RoundtripKind)`,
        );
        break;
      case 'id':
      case 'catalogItemId':
      case 'friendlyName':
      case 'quantity':
      case 'currencyCode':
      case 'termDuration':
      case 'promotionId':
      case 'purchaseSystem':
      case 'attestationAccepted':
        properties.push(`${key[0]!.toUpperCase()}${key.slice(1)} = ${csValue(value)}`);
        break;
      default:
        notes.push(key);
    }
  }
  const body = properties.map((property) => `${pad}    ${property},`);
  if (notes.length > 0) body.push(`${pad}    // not in the SDK's CartLineItem: ${notes.join(', ')}`);
  return `new CartLineItem\n${pad}{\n${body.join('\n')}\n${pad}}`;
}

/** What New-PartnerCustomerCart copies of each PSCartLineItem (NewPartnerCustomerCart.cs). */
const NEW_CART_LINE_PROPERTIES = new Set([
  'id',
  'catalogItemId',
  'friendlyName',
  'quantity',
  'currencyCode',
  'billingCycle',
  'provisioningContext',
]);
/**
 * What Set-PartnerCustomerCart copies: every property of PSCartLineItem (SetPartnerCustomerCart.cs, PSCartLineItem.cs).
 */
const SET_CART_LINE_PROPERTIES = new Set([...NEW_CART_LINE_PROPERTIES, 'termDuration']);

function ps(value: Json): string {
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** Cart lines as PSCartLineItem objects; returns the script and the `-LineItems` argument. */
function psLines(lines: Json | undefined, supported: ReadonlySet<string>, cmdlet: string): [string[], string] {
  const script: string[] = [];
  const names: string[] = [];
  (Array.isArray(lines) ? lines : []).forEach((raw, index) => {
    const line = raw as Record<string, Json>;
    const name = `$line${index}`;
    names.push(name);
    script.push(`${name} = New-Object -TypeName Microsoft.Store.PartnerCenter.PowerShell.Models.Carts.PSCartLineItem`);
    const left: string[] = [];
    for (const [key, value] of Object.entries(line)) {
      if (key === 'participants' && Array.isArray(value)) {
        // Both cmdlets copy Participants, a list of KeyValuePair[ParticipantType, string]; not written out here.
        const who = value
          .map(
            (participant) =>
              `${(participant as Record<string, Json>)['key']} ${(participant as Record<string, Json>)['value']}`,
          )
          .join(', ');
        script.push(`# ${name}.Participants: KeyValuePair[ParticipantType, string] items (${who}), left out here`);
      } else if (!supported.has(key)) {
        left.push(key);
      } else if (key === 'provisioningContext') {
        for (const [entry, item] of Object.entries(value as Record<string, Json>))
          script.push(`${name}.ProvisioningContext.Add(${ps(entry)}, ${ps(item)})`);
      } else {
        const property = `${key[0]!.toUpperCase()}${key.slice(1)}`;
        const literal =
          key === 'billingCycle' ? ps(billingCycle(value)) : typeof value === 'string' ? ps(value) : String(value);
        script.push(`${name}.${property} = ${literal}`);
      }
    }
    if (left.length > 0) script.push(`# not sent by ${cmdlet}: ${left.join(', ')}`);
  });
  return [script, names.join(', ')];
}

function unmapped(rest: Record<string, Json>, prefix: string): string[] {
  const keys = Object.keys(rest);
  return keys.length > 0 ? [`${prefix}${keys.join(', ')}`] : [];
}

// ---------------------------------------------------------------------------------------------------
// Reading the spec

/** Follows local `$ref`s (`#/components/...`) until a node that is not one. */
function resolve(index: SpecIndex, node: unknown): Node {
  try {
    return index.deref<Node>(node).node;
  } catch (error) {
    throw new Error(`code samples: ${(error as Error).message}`, { cause: error });
  }
}

function parameterExample(index: SpecIndex, parameter: Node): Json {
  if (parameter['example'] !== undefined) return parameter['example'];
  const named = Object.values<Node>(parameter['examples'] ?? {})[0];
  if (named) return resolve(index, named)['value'];
  return schemaExample(index, parameter['schema'] ?? {}) ?? `{${parameter['name']}}`;
}

function schemaExample(index: SpecIndex, raw: Node): Json | undefined {
  const schema = resolve(index, raw);
  if (schema['example'] !== undefined) return schema['example'];
  if (Array.isArray(schema['examples']) && schema['examples'].length > 0) return schema['examples'][0];
  if (schema['default'] !== undefined) return schema['default'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  for (const part of schema['allOf'] ?? []) {
    const example = schemaExample(index, part);
    if (example !== undefined) return example;
  }
  const type = Array.isArray(schema['type']) ? schema['type'][0] : schema['type'];
  return type === 'integer' || type === 'number'
    ? 0
    : type === 'boolean'
      ? true
      : type === 'string'
        ? 'string'
        : undefined;
}

/** The first named example of the JSON request body (else its `example`, else its schema's). */
function requestExample(index: SpecIndex, requestBody: Node): Json | undefined {
  const content = requestBody['content']?.['application/json'] as Node | undefined;
  if (!content) return undefined;
  const named = Object.values<Node>(content['examples'] ?? {})[0];
  if (named) return resolve(index, named)['value'];
  if (content['example'] !== undefined) return content['example'];
  return content['schema'] ? schemaExample(index, content['schema']) : undefined;
}
