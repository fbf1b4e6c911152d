import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'jobnest:public-route';

/**
 * A route anyone may call without credentials (a login, /health). Every other route carries one of the auth
 * guards: the server refuses to boot with a route that has neither (RoutePolicyCheck). `why` is for the reader.
 */
export const PublicRoute = (why: string): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, why);
