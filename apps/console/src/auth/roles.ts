import type { AppRole } from '../api/admin-types';

/** What a role may do on its app; each role has every ability of the roles before it. */
export type Ability = 'read' | 'operate' | 'develop' | 'administer';

const RANK: Record<AppRole, number> = { OBSERVER: 0, OPERATOR: 1, DEVELOPER: 2, ADMIN: 3 };
const NEEDS: Record<Ability, AppRole> = {
  read: 'OBSERVER',
  // run, stop, retry, cancel, mark-succeeded
  operate: 'OPERATOR',
  // create, edit, delete, enable, disable jobs and workflows
  develop: 'DEVELOPER',
  // the app's grants and audit log
  administer: 'ADMIN',
};

export function can(role: AppRole | null | undefined, ability: Ability): boolean {
  if (!role) return false;
  return RANK[role] >= RANK[NEEDS[ability]];
}
