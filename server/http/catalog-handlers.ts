// The thin handlers of the catalog operations (products, SKUs, availabilities): read-only, so none
// goes through the request log. The query arrives validated and read as Partner Center reads it
// (enumeration values in their canonical spelling); the domain upper-cases the country.
import type { ProductCatalog } from '../domain/products.ts';
import type { OperationHandlers } from './operations.ts';

export function catalogHandlers(products: ProductCatalog) {
  return {
    async listProducts({ query }) {
      return { status: 200, body: products.listProducts(query) };
    },

    async getProduct({ path, query }) {
      return { status: 200, body: products.getProduct(path.productId, query) };
    },

    async listSkus({ path, query }) {
      return { status: 200, body: products.listSkus(path.productId, query) };
    },

    async getSku({ path, query }) {
      return { status: 200, body: products.getSku(path.productId, path.skuId, query) };
    },

    async listAvailabilities({ path, query }) {
      return { status: 200, body: products.listAvailabilities(path.productId, path.skuId, query) };
    },

    async getAvailability({ path, query }) {
      return { status: 200, body: products.getAvailability(path.productId, path.skuId, path.availabilityId, query) };
    },
  } satisfies Partial<OperationHandlers>;
}
