// Moved to lambdas/shared/contracts/glue-types.ts so the registry publisher function (which may not import lib/) can check the table step.
export * from '../../lambdas/shared/contracts/glue-types';
