// Moved to lambdas/shared/contracts/schemaver.ts so the registry publisher function (which may not import lib/) can use it.
export * from '../../lambdas/shared/contracts/schemaver';
