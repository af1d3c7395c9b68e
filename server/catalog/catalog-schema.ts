/**
 * What the catalog file is checked against, in one place for the two that build its validator: the
 * server at start (server/catalog/load-catalog.ts) and `npm run generate`, which compiles it ahead of
 * time into generated/catalog-validator.ts (server/catalog/generate-validator.ts), so that a start
 * does not compile the schema (and its meta-schema) with Ajv. The server uses that file when its
 * fingerprint is the one of the schema it would compile itself, and compiles otherwise.
 */
import { createHash } from 'node:crypto';
import { INTEGRATION_SANDBOX, ITEM_KINDS, PURCHASE_SYSTEMS } from '../domain/catalog.ts';
import schema from './catalog.schema.json' with { type: 'json' };

export { schema as catalogSchema };

export const ENUMERATIONS_ID = 'urn:partner-center-cart-kit:catalog-enumerations';

/**
 * Ajv's options. strictRequired off: the anyOf of an item requires properties declared beside it, not
 * in it. allowUnionTypes: a price table is an object or null. verbose: errors carry the value and the
 * schema, for the messages.
 */
export const AJV_OPTIONS = { strict: true, strictRequired: false, allowUnionTypes: true, verbose: true } as const;

/** The spec's enumerations the schema refers to (generated/api-types.ts, or another generation's). */
export interface SpecEnumerations {
  billingCycleValues: readonly string[];
  termDurationValues: readonly string[];
  renewsToTermDurationValues: readonly string[];
  targetViewValues: readonly string[];
}

/** The schema of the enumerations catalog.schema.json refers to, built from their sources. */
export function enumerationsSchema(values: SpecEnumerations): object {
  return {
    $id: ENUMERATIONS_ID,
    $defs: {
      // `unknown` is the spec's placeholder for a value it does not know, not a cycle an item is sold on.
      BillingCycle: { enum: values.billingCycleValues.filter((cycle) => cycle !== 'unknown') },
      TermDuration: { enum: values.termDurationValues },
      RenewalTerm: { enum: values.renewsToTermDurationValues },
      ItemKind: { enum: ITEM_KINDS },
      PurchaseSystem: { enum: PURCHASE_SYSTEMS },
      TargetView: { enum: values.targetViewValues },
      // `allowed` is what an absent value means; the file names only the exceptions.
      IntegrationSandbox: { enum: INTEGRATION_SANDBOX.filter((rule) => rule !== 'allowed') },
    },
  };
}

/** Identifies what a validator was compiled from: the two schemas and Ajv's options. */
export function schemaFingerprint(enumerations: object): string {
  return createHash('sha256')
    .update(JSON.stringify([AJV_OPTIONS, enumerations, schema]))
    .digest('hex');
}
