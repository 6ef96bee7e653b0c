import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { JsonObject } from '../../lib/contracts/contract';
import { readIgluFolder } from '../../lib/contracts/loader';
import { contractTypeName, renderContractTypes, renderDataType } from '../../lib/contracts/typescript-types';
import { buildAction } from '../../tools/commands/contracts';
import { contractOf, contractWithProperty } from './contract-factory';
import { igluSampleDir } from '../../tools/local/data-sets';

const IGLU_SAMPLE = igluSampleDir();

/** Type-check a TypeScript source on its own; returns the diagnostics' messages. */
function typeErrors(source: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-types-'));
  const file = path.join(dir, 'check.ts');
  fs.writeFileSync(file, source);
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: [] });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('producer types', () => {
  it.each<[string, JsonObject, boolean, string]>([
    ['a nullable union', { type: ['string', 'null'] }, true, 'string | null'],
    ['an enum with null', { enum: ['wifi', null] }, true, '"wifi" | null'],
    ['an int-bounded $ref', { $ref: '#/definitions/id' }, true, 'number'],
    ['an array of strings', { type: 'array', items: { type: 'string' } }, true, 'Array<string>'],
    ['an open map', { type: 'object', additionalProperties: { type: 'integer' } }, true, '{\n    [key: string]: number;\n  }'],
  ])('renders %s', (_what, schema, required, expected) => {
    expect(renderDataType(contractWithProperty(schema, required))).toBe(`{\n  p: ${expected};\n}`);
  });

  it('marks non-required properties optional and names interfaces <Vendor><Name>_<M>_<R>_<A>', () => {
    const c = contractWithProperty({ type: 'string' }, false);
    expect(renderDataType(c)).toBe('{\n  p?: string;\n}');
    expect(contractTypeName(c)).toBe('ComExampleTestEvent_1_0_0');
  });

  it('renders the whole Iglu Central sample as TypeScript that type-checks, and envelopes are discriminated by schema', () => {
    const contracts = readIgluFolder(IGLU_SAMPLE).contracts.map((l) => l.contract);
    const source = `${renderContractTypes(contracts)}
const ok: AnyContractEnvelope = { schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1', data: { targetUrl: 'https://x' }, event_id: 'e', event_time: 't' };
// @ts-expect-error data of another contract
const bad: ContractEnvelope<'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1'> = { schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1', data: { mediaSessionId: 1 }, event_id: 'e', event_time: 't' };
export { ok, bad };
`;
    expect(typeErrors(source)).toEqual([]);
  });

  it('fails on an unknown type with the file and pointer', () => {
    expect(() => renderDataType(contractOf({ type: 'object', properties: { p: { type: 'date' } } }))).toThrow(/at \/properties\/p\/type: unknown type "date"/);
  });
});

describe('contracts build --check', () => {
  it('reports stale generated files with exit 1, then writes them, then reports them up to date', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-build-'));
    fs.cpSync(path.resolve(__dirname, '../../config/contracts'), path.join(root, 'config/contracts'), { recursive: true });
    const io = { out: (): void => undefined, err: (): void => undefined };
    expect(buildAction({ root, check: true }, io)).toBe(1);
    expect(buildAction({ root }, io)).toBe(0);
    expect(buildAction({ root, check: true }, io)).toBe(0);
    expect(fs.readdirSync(path.join(root, 'lambdas/ingest/generated')).sort()).toEqual(['validators.d.ts', 'validators.js']);
  });
});
