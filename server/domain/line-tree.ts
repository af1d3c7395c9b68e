/**
 * The line tree of a cart (lines and their nested addonItems), the ids of its lines, their
 * provisioning context and their order groups. Part of the evaluation of line items
 * (line-items.ts, which describes the evaluation order).
 */
import { findCatalogItem, type Catalog, type CatalogItem, type PurchaseSystem } from './catalog.ts';
import type { AddonLineItemInput, AnyLineInput, CartError, LineItemInput } from './line-items.ts';

/** The add-ons of a line (an add-on has none). */
export function addonsOf(line: AnyLineInput): readonly AddonLineItemInput[] {
  return 'addonItems' in line ? (line.addonItems ?? []) : [];
}

/** A line of the cart while it is evaluated: its input, and what evaluation gives it. */
export interface LineNode {
  input: AnyLineInput;
  id: number;
  parent: LineNode | undefined;
  children: LineNode[];
  item: CatalogItem | undefined;
  provisioningContext: Record<string, string>;
  orderGroup: string;
  error: CartError | undefined;
}

/**
 * Builds the line tree and numbers the lines. Ids are unique across the cart, add-ons included. When
 * the ids sent are unique, they are kept and every line without one gets the lowest non-negative
 * integer no line uses, in document order. When ids repeat (Microsoft's SDKs send 0 for every line
 * whose id the caller never set), the ids sent mean nothing and every line is numbered in document
 * order, 0, 1, 2, ...
 */
export function buildTree(lines: readonly LineItemInput[], catalog: Catalog): LineNode[] {
  const sent: number[] = [];
  const collect = (list: readonly AnyLineInput[]): void => {
    for (const line of list) {
      if (line.id !== undefined) sent.push(line.id);
      collect(addonsOf(line));
    }
  };
  collect(lines);
  const keepSentIds = new Set(sent).size === sent.length;
  const used = new Set(keepSentIds ? sent : []);
  let next = 0;
  const freshId = (): number => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  const build = (line: AnyLineInput, parent: LineNode | undefined): LineNode => {
    const node: LineNode = {
      input: line,
      id: keepSentIds && line.id !== undefined ? line.id : freshId(),
      parent,
      children: [],
      item: findCatalogItem(catalog, line.catalogItemId),
      provisioningContext: normalizeProvisioningContext(line.provisioningContext),
      orderGroup: '',
      error: undefined,
    };
    node.children = addonsOf(line).map((child) => build(child, node));
    return node;
  };
  return lines.map((line) => build(line, undefined));
}

/**
 * Provisioning context keys sent with a leading capital (`ParentSubscriptionId`, as the .NET SDK
 * and the published examples send them) are returned lower-camel (`parentSubscriptionId`); values
 * are unchanged and keys the item does not declare are kept. When both spellings of a key are
 * sent, the lower-camel one wins.
 */
export function normalizeProvisioningContext(
  context: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(context ?? {})) {
    const lower = key.charAt(0).toLowerCase() + key.slice(1);
    if (lower === key || !Object.hasOwn(context ?? {}, lower)) out.set(lower, value);
  }
  return Object.fromEntries(out);
}

/**
 * Order groups: the lines of one group are ordered together (one order per group at checkout).
 * The group of a top-level line is keyed by (purchase system, billingCycle). Legacy license-based
 * offers and the legacy Azure offer (purchase system OMS) are numbered "OMS-0", "OMS-1", ...;
 * every other line "0", "1", "2", ...; each series in order of first appearance. Nested addonItems
 * are ordered with their parent, so they take its group. Lines in error get a group too; a line
 * whose catalog item is unknown is placed by the shape of its id (a GUID or MS-AZR-... is OMS).
 */
export function assignOrderGroups(roots: readonly LineNode[]): void {
  const labels = new Map<string, string>();
  const counters: Record<PurchaseSystem, number> = { OMS: 0, modern: 0 };
  const inherit = (node: LineNode): void => {
    for (const child of node.children) {
      child.orderGroup = node.orderGroup;
      inherit(child);
    }
  };
  for (const node of roots) {
    const system = node.item?.purchaseSystem ?? inferPurchaseSystem(node.input.catalogItemId);
    const key = `${system}|${node.input.billingCycle}`;
    let label = labels.get(key);
    if (label === undefined) {
      const n = counters[system]++;
      label = system === 'OMS' ? `OMS-${n}` : String(n);
      labels.set(key, label);
    }
    node.orderGroup = label;
    inherit(node);
  }
}

function inferPurchaseSystem(catalogItemId: string): PurchaseSystem {
  const legacy =
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(catalogItemId) ||
    /^MS-AZR-/i.test(catalogItemId);
  return legacy ? 'OMS' : 'modern';
}
