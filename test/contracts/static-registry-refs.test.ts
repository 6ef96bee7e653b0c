/**
 * Issue 12: a remote `$ref` in the Iglu static-registry layout (`http://<host>/schemas/<vendor>/<name>/jsonschema/<M-R-A>#…`,
 * as Iglu Central's own schemas write them) resolves from the registry folder exactly like the `iglu:` ref of the
 * same URI: the same columns, the same validation, the same compatibility verdict. Hand-written schemas only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalIgluRef, isIgluRef, JsonObject, splitIgluRef } from '../../lib/contracts/contract';
import { checkCompatibility } from '../../lib/contracts/compatibility';
import { mapContract } from '../../lib/contracts/glue-types';
import { loadContracts } from '../../lib/contracts/loader';
import { compileContract } from '../../lib/contracts/validators';
import { selfDescribing } from './contract-factory';

const SHARED: JsonObject = {
  type: 'object',
  definitions: { code: { type: 'string', maxLength: 4 } },
  properties: { code: { $ref: '#/definitions/code' }, label: { type: 'string' } },
  required: ['code'],
  additionalProperties: false,
};
const event = (ref: string): JsonObject => ({
  type: 'object',
  properties: { id: { type: 'integer', minimum: 0, maximum: 99 }, origin: { $ref: ref } },
  required: ['id', 'origin'],
  additionalProperties: false,
});

/** A registry folder with the shared schema and two events: one refs it by `iglu:`, one by static-registry URL. */
function registry(url: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-static-refs-'));
  const files: Record<string, JsonObject> = {
    'com.example/shared/jsonschema/1-0-0': selfDescribing(SHARED, '1-0-0', 'shared'),
    'com.example/by_iglu/jsonschema/1-0-0': selfDescribing(event('iglu:com.example/shared/jsonschema/1-0-0'), '1-0-0', 'by_iglu'),
    'com.example/by_url/jsonschema/1-0-0': selfDescribing(event(url), '1-0-0', 'by_url'),
  };
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), JSON.stringify(body));
  }
  return root;
}

describe('static-registry URL $refs', () => {
  it.each([
    ['http://iglucentral.com/schemas/com.example/shared/jsonschema/1-0-0#', 'iglu:com.example/shared/jsonschema/1-0-0', ''],
    ['https://registry.example.org/base/schemas/com.example/shared/jsonschema/1-0-0#/definitions/code', 'iglu:com.example/shared/jsonschema/1-0-0', '/definitions/code'],
    ['iglu:com.example/shared/jsonschema/1-0-0#/properties', 'iglu:com.example/shared/jsonschema/1-0-0', '/properties'],
  ])('%s names %s (fragment %j)', (ref, uri, fragment) => {
    expect(isIgluRef(ref)).toBe(true);
    expect(splitIgluRef(ref)).toEqual({ uri, fragment });
    expect(canonicalIgluRef(ref)).toBe(fragment === '' ? uri : `${uri}#${fragment}`);
  });

  it.each(['#/definitions/code', 'https://json-schema.org/draft-04/schema', 'http://example.com/other/com.example/shared/jsonschema/1-0-0'])(
    'leaves %s alone (not a registry schema)',
    (ref) => {
      expect(isIgluRef(ref)).toBe(false);
      expect(canonicalIgluRef(ref)).toBe(ref);
    },
  );

  it('maps, validates and compares a URL ref exactly like the iglu: ref of the same schema', () => {
    const contracts = loadContracts(registry('http://iglucentral.com/schemas/com.example/shared/jsonschema/1-0-0#')).map((l) => l.contract);
    const byIglu = contracts.find((c) => c.uri.name === 'by_iglu');
    const byUrl = contracts.find((c) => c.uri.name === 'by_url');
    if (byIglu === undefined || byUrl === undefined) throw new Error('registry folder not loaded');
    expect(Object.keys(byUrl.refs ?? {})).toEqual(['iglu:com.example/shared/jsonschema/1-0-0']);
    expect(mapContract(byUrl).columns).toEqual(mapContract(byIglu).columns);
    const viaUrl = compileContract(byUrl);
    const viaIglu = compileContract(byIglu);
    for (const instance of [{ id: 1, origin: { code: 'ab' } }, { id: 1, origin: { code: 'abcdef' } }, { id: 1, origin: { label: 'x' } }, { id: 1 }]) {
      expect(viaUrl(instance)).toBe(viaIglu(instance));
    }
    expect(viaUrl({ id: 1, origin: { code: 'abcdef' } })).toBe(false);
    // Rewriting the ref from one form to the other changes nothing an instance can see.
    const report = checkCompatibility({ ...byIglu, uri: { ...byIglu.uri } }, { ...byUrl, uri: { ...byIglu.uri, version: { model: 1, revision: 0, addition: 1 } } });
    expect(report.reasons).toEqual([]);
  });
});
