/** Plans a zone can be on, and what each includes (as on the product page). */

export const PLANS = ['free', 'pro', 'business', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];
/** A zone nobody set a plan for: a self-hosted operator owns every feature until they say otherwise. */
export const DEFAULT_PLAN: Plan = 'enterprise';

/** Plans that include the breakdown by data center (as on the product page). */
export const COLO_BREAKDOWN_PLANS: ReadonlySet<Plan> = new Set(['enterprise']);

/** Whether a plan includes the breakdown by data center. */
export function hasColoBreakdown(plan: Plan): boolean {
  return COLO_BREAKDOWN_PLANS.has(plan);
}
