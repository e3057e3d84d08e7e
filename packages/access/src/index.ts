export * from './policy.ts';
export * from './data-plane.ts';
export * from './simulate.ts';
export * from './delivery.ts';
export * from './web-identity.ts';
export * from './front-desk.ts';
