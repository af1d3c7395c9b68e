// Magic values, in the manner of payment providers' test cards: catalog item ids that always give a
// cart line a chosen error, for integrations whose code cannot add a header or call the test controls.
// `SBXERRORCODE:0001:SBXE` followed by the error code in 8 digits (`SBXERRORCODE:0001:SBXE00010003`
// gives 10003). They are in no catalog and no product list; the controls' document lists them.
import { cartErrorCodeValues, type SchemaCartErrorCode } from '../../generated/api-types.ts';
import type { CartError } from './line-items.ts';

export const MAGIC_PRODUCT = 'SBXERRORCODE';
const MAGIC_ID = /^SBXERRORCODE:0001:SBXE(\d{8})$/i;

/** Every line error a magic id can give (the CartErrorCode values but `0`, "unknown"). */
export const MAGIC_ERROR_CODES: readonly SchemaCartErrorCode[] = cartErrorCodeValues.filter((code) => code !== 0);

/** The catalog item id that gives `code`. */
export function magicCatalogItemId(code: SchemaCartErrorCode): string {
  return `${MAGIC_PRODUCT}:0001:SBXE${String(code).padStart(8, '0')}`;
}

/** The error a magic catalog item id gives, or undefined for any other id (or a code that is no CartErrorCode). */
export function magicLineError(catalogItemId: string): CartError | undefined {
  const code = Number(MAGIC_ID.exec(catalogItemId)?.[1]);
  const known = MAGIC_ERROR_CODES.find((candidate) => candidate === code);
  if (known === undefined) return undefined;
  return {
    errorCode: known,
    errorDescription: `Line error ${known}, forced by the sandbox's magic catalog item ${catalogItemId.toUpperCase()}.`,
  };
}
