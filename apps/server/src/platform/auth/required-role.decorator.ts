import { SetMetadata } from '@nestjs/common';
import type { AppRole } from '@jobnest/persistence';

export const REQUIRED_ROLE = 'jobnest:required-role';

/**
 * The least role a caller needs in the request's app to call this route (see AppAuthGuard). Every route behind
 * AppAuthGuard declares one: the server refuses to boot when one does not (RoutePolicyCheck).
 */
export const RequiresRole = (role: AppRole): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);
