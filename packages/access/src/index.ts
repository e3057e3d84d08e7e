export * from './policy.ts';
export * from './data-plane.ts';
export * from './simulate.ts';
