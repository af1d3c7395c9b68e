// Bodies shaped as Microsoft's .NET SDK writes them (../shared/reference/sdk-wire.md): PascalCase
// names at every depth, every unset property null, a zero expiry on the cart it sends back.

/** camelCase keys to PascalCase at every depth, as the .NET SDK's serializer names them. */
export function pascal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascal);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key.charAt(0).toUpperCase() + key.slice(1), pascal(child)]),
  );
}

/** The cart a .NET SDK user sends back after reading it: PascalCase, every unset property null, a zero expiry. */
export function dotnetEcho(cart: any): unknown {
  const unsetLine = {
    FriendlyName: null,
    CurrencyCode: null,
    PromotionId: null,
    Participants: null,
    ProvisioningContext: null,
    OrderGroup: null,
    PurchaseSystem: null,
    AddonItems: null,
    RenewsTo: null,
    Error: null,
    CustomTermEndDate: null,
    AttestationAccepted: null,
  };
  const echo = pascal(cart) as Record<string, any>;
  return {
    ...echo,
    ExpirationTimestamp: '0001-01-01T00:00:00',
    PartnerOnRecordAttestationAccepted: null,
    LineItems: echo['LineItems'].map((line: Record<string, unknown>) => ({ ...unsetLine, ...line })),
  };
}
