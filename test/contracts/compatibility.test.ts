import { JsonObject } from '../../lib/contracts/contract';
import { COMPATIBILITY_RULES, checkCompatibility, formatReport, renderCompatibilityRulesMarkdown } from '../../lib/contracts/compatibility';
import { readIgluFolder } from '../../lib/contracts/loader';
import { schemaKey } from '../../lib/contracts/schemaver';
import { contractOf } from './contract-factory';
import { igluSampleDir } from '../../tools/local/data-sets';

const IGLU_SAMPLE = igluSampleDir();

const closed = (properties: JsonObject, required: string[] = []): JsonObject => ({ type: 'object', properties, required, additionalProperties: false });
const open = (properties: JsonObject, required: string[] = []): JsonObject => ({ type: 'object', properties, required });
const id: JsonObject = { type: 'integer', minimum: 1, maximum: 100 };

const verdict = (oldBody: JsonObject, newBody: JsonObject, newVersion = '1-0-1') =>
  checkCompatibility(contractOf(oldBody, '1-0-0'), contractOf(newBody, newVersion));

describe('compatibility checker', () => {
  it.each<[string, string, string, string, JsonObject, JsonObject]>([
    ['optional property added to a closed object', 'ADDITION', 'property-added-closed', '/properties/b', closed({ a: id }), closed({ a: id, b: { type: 'string' } })],
    ['optional property added to an open object', 'REVISION', 'property-added-open', '/properties/b', open({ a: id }), open({ a: id, b: { type: 'string' } })],
    ['required relaxed', 'ADDITION', 'required-relaxed', '/required', closed({ a: id }, ['a']), closed({ a: id })],
    ['required added', 'REVISION', 'required-added', '/required', closed({ a: id }), closed({ a: id }, ['a'])],
    ['integer widened to number', 'ADDITION', 'type-widened', '/properties/a/type', closed({ a: { type: 'integer' } }), closed({ a: { type: 'number' } })],
    ['null added to a type', 'ADDITION', 'type-widened', '/properties/a/type', closed({ a: { type: 'string' } }), closed({ a: { type: ['string', 'null'] } })],
    ['number narrowed to integer', 'REVISION', 'type-narrowed', '/properties/a/type', closed({ a: { type: 'number' } }), closed({ a: { type: 'integer' } })],
    ['optional property type changed', 'REVISION', 'type-narrowed', '/properties/a/type', closed({ a: { type: 'string' } }), closed({ a: { type: 'boolean' } })],
    ['required property type changed', 'MODEL', 'required-property-type-changed', '/properties/a/type', closed({ a: { type: 'string' } }, ['a']), closed({ a: { type: 'boolean' } }, ['a'])],
    ['root type changed', 'MODEL', 'root-type-changed', '/type', closed({}), { type: 'array' }],
    ['enum value added', 'ADDITION', 'enum-widened', '/properties/a/enum', closed({ a: { enum: ['x'] } }), closed({ a: { enum: ['x', 'y'] } })],
    ['enum value removed', 'REVISION', 'enum-narrowed', '/properties/a/enum', closed({ a: { enum: ['x', 'y'] } }), closed({ a: { enum: ['x'] } })],
    ['maxLength raised', 'ADDITION', 'bound-relaxed', '/properties/a/maxLength', closed({ a: { type: 'string', maxLength: 5 } }), closed({ a: { type: 'string', maxLength: 9 } })],
    ['maxLength lowered', 'REVISION', 'bound-tightened', '/properties/a/maxLength', closed({ a: { type: 'string', maxLength: 9 } }), closed({ a: { type: 'string', maxLength: 5 } })],
    ['minimum removed', 'ADDITION', 'bound-relaxed', '/properties/a/minimum', closed({ a: id }), closed({ a: { type: 'integer', maximum: 100 } })],
    ['minimum made exclusive at the same value', 'REVISION', 'bound-tightened', '/properties/a/exclusiveMinimum', closed({ a: id }), closed({ a: { type: 'integer', exclusiveMinimum: 1, maximum: 100 } })],
    ['draft-04 exclusiveMinimum relaxed to inclusive', 'ADDITION', 'bound-relaxed', '/properties/a/minimum', closed({ a: { type: 'number', minimum: 0, exclusiveMinimum: true } }), closed({ a: { type: 'number', minimum: 0 } })],
    ['multipleOf 1 → 0.5', 'ADDITION', 'multiple-of-relaxed', '/properties/a/multipleOf', closed({ a: { type: 'number', multipleOf: 1 } }), closed({ a: { type: 'number', multipleOf: 0.5 } })],
    ['multipleOf 0.5 → 0.1 (not exact in binary)', 'REVISION', 'multiple-of-changed', '/properties/a/multipleOf', closed({ a: { type: 'number', multipleOf: 0.5 } }), closed({ a: { type: 'number', multipleOf: 0.1 } })],
    ['property removed under additionalProperties:false', 'REVISION', 'property-removed-closed', '/properties/b', closed({ a: id, b: id }), closed({ a: id })],
    ['property removed from an open object', 'ADDITION', 'property-removed-open', '/properties/b', open({ a: id, b: id }), open({ a: id })],
    ['additionalProperties closed', 'REVISION', 'additional-properties-restricted', '/additionalProperties', open({ a: id }), closed({ a: id })],
    ['additionalProperties opened', 'ADDITION', 'additional-properties-allowed', '/additionalProperties', closed({ a: id }), open({ a: id })],
    ['pattern added', 'REVISION', 'pattern-changed', '/properties/a/pattern', closed({ a: { type: 'string' } }), closed({ a: { type: 'string', pattern: '^x' } })],
    ['format removed', 'ADDITION', 'format-removed', '/properties/a/format', closed({ a: { type: 'string', format: 'uuid' } }), closed({ a: { type: 'string' } })],
    ['an unanalysed keyword added', 'REVISION', 'keyword-changed', '/properties/a/uniqueItems', closed({ a: { type: 'array' } }), closed({ a: { type: 'array', uniqueItems: true } })],
    ['array items widened', 'ADDITION', 'type-widened', '/properties/a/items/type', closed({ a: { type: 'array', items: { type: 'integer' } } }), closed({ a: { type: 'array', items: { type: 'number' } } })],
  ])('%s needs %s (%s at %s)', (_what, required, rule, pointer, oldBody, newBody) => {
    const report = verdict(oldBody, newBody);
    expect(report.required).toBe(required);
    expect(report.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ rule, pointer, step: required })]));
  });

  it('ignores description-only changes and resolves local $refs on both sides', () => {
    const before: JsonObject = { ...closed({ a: { $ref: '#/definitions/id' } }), definitions: { id } };
    const after: JsonObject = { ...closed({ a: { ...id, description: 'now documented' } }), description: 'changed' };
    expect(verdict(before, after)).toMatchObject({ required: 'NONE', reasons: [], sufficient: true });
  });

  it.each([
    ['1-0-1', 'ADDITION', 'REVISION', false],
    ['1-1-0', 'REVISION', 'REVISION', true],
    ['2-0-0', 'MODEL', 'REVISION', true],
  ])('a bump to %s declares %s; against a required %s it is sufficient: %s', (to, declared, required, sufficient) => {
    const report = verdict(closed({ a: id }), closed({ a: id }, ['a']), to);
    expect(report).toMatchObject({ declared, required, sufficient });
  });

  it('is never sufficient when the version does not increase', () => {
    const report = checkCompatibility(contractOf(closed({ a: id }), '1-1-0'), contractOf(closed({ a: id }), '1-0-5'));
    expect(report.sufficient).toBe(false);
  });

  it('refuses to compare different schemas', () => {
    expect(() => checkCompatibility(contractOf(closed({}), '1-0-0', 'one'), contractOf(closed({}), '1-0-1', 'two'))).toThrow(/different vendor\/name/);
  });

  it('formats one line per reason naming step, pointer and rule', () => {
    const text = formatReport(verdict(closed({ a: id }), closed({ a: id }, ['a'])));
    expect(text.split('\n')).toEqual([expect.stringMatching(/declared ADDITION, required REVISION: NOT sufficient/), expect.stringMatching(/REVISION +\/required \[required-added\]/)]);
  });

  it('documents every rule once, and the table renders them', () => {
    expect(new Set(COMPATIBILITY_RULES.map((r) => r.id)).size).toBe(COMPATIBILITY_RULES.length);
    expect(renderCompatibilityRulesMarkdown().split('\n')).toHaveLength(COMPATIBILITY_RULES.length + 2);
  });

  it('diffs every consecutive version pair of the Iglu Central sample; only the maxLength implied by a pattern is flagged', () => {
    const { contracts, errors } = readIgluFolder(IGLU_SAMPLE);
    expect(errors).toEqual([]);
    const pairs = contracts.slice(1).flatMap((c, i) =>
      schemaKey(c.contract.uri) === schemaKey(contracts[i].contract.uri) ? [[contracts[i].contract, c.contract] as const] : [],
    );
    expect(pairs.length).toBe(8);
    const reports = pairs.map(([a, b]) => checkCompatibility(a, b));
    expect(reports.every((r) => r.reasons.length > 0)).toBe(true);
    // client_session 1-0-1 adds maxLength 36 to userId, already implied by its pattern: regex inclusion is not analysed (sound, not complete).
    expect(reports.filter((r) => !r.sufficient).map((r) => [r.to, r.reasons.filter((x) => x.step !== 'ADDITION').map((x) => `${x.pointer} ${x.rule}`)])).toEqual([
      ['iglu:com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-1', ['/properties/userId/maxLength bound-tightened']],
    ]);
  });
});
