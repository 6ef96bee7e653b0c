// Moved to lambdas/shared/contracts/table-step.ts with the compatibility checker, which the registry publisher function uses.
export * from '../../lambdas/shared/contracts/table-step';
