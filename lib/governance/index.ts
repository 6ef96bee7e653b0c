export * from './acknowledge';
export * from './policy-packs';
