export * from './ip-address';
export * from './address-policy';
export * from './host-allow-list';
export * from './http-target-refused.error';
export * from './http-target-guard';
export * from './guarded-http-client';
