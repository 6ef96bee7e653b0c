/** `npm run test:update`: placeholder, replaced in this session by the snapshot and stateful-id updater. */
console.error('npm run test:update is not implemented yet');
process.exit(1);
