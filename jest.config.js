/** Jest: SWC transforms TypeScript (no type check here; `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  testTimeout: 120000,
  snapshotSerializers: ['<rootDir>/test/helpers/asset-hash-serializer.js'],
};
