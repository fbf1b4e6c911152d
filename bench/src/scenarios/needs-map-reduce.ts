/** Why scenarios 1, 2 and 4 cannot run yet; remove its use from a scenario once that scenario is implemented. */
export const NEEDS_MAP_REDUCE = 'needs MAP_REDUCE support in the worker SDK (issue 3)';
