// Which partner the sandbox plays: a production partner (the default: Partner Center's rules, no
// sandbox limits), or an integration-sandbox account, with the limits and cancellation rules Microsoft
// documents for those (reference: partner-center-catalog-and-fulfilment.md §2.7 and §3.2).
export const SANDBOX_PROFILES = ['production', 'integration'] as const;
export type SandboxProfile = (typeof SANDBOX_PROFILES)[number];

/** The integration sandbox's documented limits (test-and-debug.md, since 2017). */
export const INTEGRATION_LIMITS = Object.freeze({
  customersPerPartner: 75,
  subscriptionsPerCustomer: 5,
  licencesPerSubscription: 25,
  /** Azure reserved VM instances per customer. */
  reservedInstancesPerCustomer: 2,
  /** Sandbox orders older than this cannot be cancelled (rule added April 2021). */
  cancelWithinDays: 60,
});

/**
 * A production partner's self-service cancellation windows by order (cancel-software-purchases.md; Microsoft's NCE
 * cancellation policy).
 */
export const PRODUCTION_CANCELLATION_DAYS = Object.freeze({
  perpetualSoftware: 30,
  softwareSubscription: 7,
});
