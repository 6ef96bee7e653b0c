import { ContractError } from '../../lib/contracts/contract-error';
import { ACCEPTED_META_SCHEMAS, JsonObject, parseContract } from '../../lib/contracts/contract';
import { checkCompatibility } from '../../lib/contracts/compatibility';
import { mapContract } from '../../lib/contracts/glue-types';
import { compileContract } from '../../lib/contracts/validators';
import { contractOf, selfDescribing } from './contract-factory';

// Hand-written schemas: Iglu metadata found in real registries that must neither refuse a schema nor change a
// verdict (Snowplow docs "Superseding and patching schemas").
const body: JsonObject = {
  type: 'object',
  properties: { label: { type: 'string', maxLength: 20 }, count: { type: 'integer', minimum: 0, maximum: 1000 } },
  required: ['label'],
  additionalProperties: false,
};

describe('Iglu metadata in contracts', () => {
  it('accepts every listed meta-schema, the unversioned "latest draft" URI included, and maps it the same way', () => {
    expect(ACCEPTED_META_SCHEMAS).toContain('http://json-schema.org/schema#');
    const reference = mapContract(contractOf(body)).columns;
    for (const meta of ACCEPTED_META_SCHEMAS) {
      const c = parseContract(JSON.stringify({ ...selfDescribing(body), $schema: meta }), 'x/1-0-0');
      expect(mapContract(c).columns).toEqual(reference);
      const validate = compileContract(c);
      expect(validate({ label: 'a', count: 3 })).toBe(true);
      expect(validate({ label: 'a', count: -1 })).toBe(false);
    }
  });

  it('still refuses a meta-schema outside the list with one line naming the field', () => {
    const text = JSON.stringify({ ...selfDescribing(body), $schema: 'http://example.com/not-a-meta-schema#' });
    expect(() => parseContract(text, 'x/1-0-0')).toThrow(ContractError);
    expect(() => parseContract(text, 'x/1-0-0')).toThrow(/x\/1-0-0 at \/\$schema: unsupported meta-schema/);
  });

  it('compiles a schema with $supersedes and validates exactly as without it', () => {
    const plain = compileContract(contractOf(body, '1-0-1'));
    const superseding = compileContract(contractOf({ ...body, $supersedes: ['1-0-0'] }, '1-0-1'));
    for (const instance of [{ label: 'ok' }, { label: 'x'.repeat(21) }, { count: 1 }, { label: 'a', extra: true }]) {
      expect(superseding(instance)).toBe(plain(instance));
    }
  });

  it('treats $supersedes as an annotation in the compatibility check', () => {
    const report = checkCompatibility(contractOf(body, '1-0-0'), contractOf({ ...body, $supersedes: ['1-0-0'] }, '1-0-1'));
    expect(report.reasons).toEqual([]);
    expect(report.sufficient).toBe(true);
  });

  it('refuses a malformed $supersedes with one line naming the field', () => {
    expect(() => contractOf({ ...body, $supersedes: '1-0-0' }, '1-0-1')).toThrow(/at \/\$supersedes: "\$supersedes" must be an array of SchemaVer versions/);
    expect(() => contractOf({ ...body, $supersedes: ['one'] }, '1-0-1')).toThrow(/\$supersedes/);
  });
});
