/**
 * Jest snapshot serializer: replaces CDK asset hashes (64 hex chars, alone or in asset file/object names)
 * so a handler edit does not rewrite every template snapshot. Templates stay guarded; hashes do not.
 */
const HASH = /[0-9a-f]{64}/g;
module.exports = {
  test: (val) => typeof val === 'string' && /[0-9a-f]{64}/.test(val),
  serialize: (val, config, indentation, depth, refs, printer) => printer(val.replace(HASH, '[ASSET-HASH]'), config, indentation, depth, refs, printer),
};
