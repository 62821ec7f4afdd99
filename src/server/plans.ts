import type { Plan, ZoneDirectory } from '../stores/store.js';
import { ApiError } from './errors.js';

/** Plans that include the breakdown by data center (as on the product page). */
export const COLO_BREAKDOWN_PLANS: ReadonlySet<Plan> = new Set(['enterprise']);

/** Whether a plan includes the breakdown by data center. */
export function hasColoBreakdown(plan: Plan): boolean {
  return COLO_BREAKDOWN_PLANS.has(plan);
}

/** Throws the 403 `plan_required` error unless the zone's plan includes the breakdown by data center. */
export async function requireColoBreakdown(store: Pick<ZoneDirectory, 'zonePlan'>, zone: string): Promise<void> {
  const plan = await store.zonePlan(zone);
  if (hasColoBreakdown(plan)) return;
  throw new ApiError(
    'plan_required',
    `Status codes by data center are an enterprise feature; zone ${zone} is on the ${plan} plan (edgestat zone set ${zone} --plan enterprise)`,
  );
}
