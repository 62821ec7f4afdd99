import { hasColoBreakdown } from '../model/plans.js';
import type { ZoneDirectory } from '../stores/store.js';
import { ApiError } from './errors.js';

/** Throws the 403 `plan_required` error unless the zone's plan includes the breakdown by data center. */
export async function requireColoBreakdown(store: Pick<ZoneDirectory, 'zonePlan'>, zone: string): Promise<void> {
  const plan = await store.zonePlan(zone);
  if (hasColoBreakdown(plan)) return;
  throw new ApiError(
    'plan_required',
    `Status codes by data center are an enterprise feature; zone ${zone} is on the ${plan} plan (edgestat zone set ${zone} --plan enterprise)`,
  );
}
