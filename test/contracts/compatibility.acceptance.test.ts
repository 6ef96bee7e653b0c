import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from '../../lib/contracts/contract';
import { CommandIo, diffAction } from '../../tools/commands/contracts';
import { selfDescribing } from './contract-factory';
import { tempDirs } from '../helpers/temp-dirs';

/**
 * Issue 12's acceptance for `lakeforge contracts diff`: MODEL for an ADDITION-labelled change from `integer` to
 * `number` of a column, ADDITION (nothing more) for description-only changes, REVISION or more for a new required
 * property; the human output names the step that decided, `--json` lists the reasons of both steps.
 */
const tempDir = tempDirs();
const VENDOR = 'com.example';
const NAME = 'video_played';

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

/** Writes both versions in the Iglu layout and runs `contracts diff` on them (human and JSON output). */
function diff(oldBody: JsonObject, newBody: JsonObject, newVersion = '1-0-1') {
  const dir = path.join(tempDir('lf-diff-'), VENDOR, NAME, 'jsonschema');
  fs.mkdirSync(dir, { recursive: true });
  const write = (body: JsonObject, version: string): string => {
    const file = path.join(dir, version);
    fs.writeFileSync(file, JSON.stringify(selfDescribing(body, version, NAME, VENDOR), null, 2));
    return file;
  };
  const [a, b] = [write(oldBody, '1-0-0'), write(newBody, newVersion)];
  const human = capture();
  const code = diffAction(a, b, {}, human);
  const json = capture();
  expect(diffAction(a, b, { json: true }, json)).toBe(code);
  return { code, text: human.stdout.join('\n'), json: JSON.parse(json.stdout.join('\n')) as Record<string, unknown>, stderr: [...human.stderr, ...json.stderr] };
}

const base: JsonObject = {
  type: 'object',
  properties: {
    title_id: { type: 'integer', description: 'Title id.' },
    quality: {
      description: 'Playback quality.',
      oneOf: [
        { type: 'object', description: 'A preset.', properties: { preset: { enum: ['sd', 'hd'] } }, required: ['preset'], additionalProperties: false },
        { type: 'object', description: 'A bitrate.', properties: { kbps: { type: 'integer', minimum: 1 } }, required: ['kbps'], additionalProperties: false },
      ],
    },
  },
  required: ['title_id'],
  additionalProperties: false,
};
const edit = (change: (s: JsonObject) => void): JsonObject => {
  const s = JSON.parse(JSON.stringify(base)) as JsonObject;
  change(s);
  return s;
};
const props = (s: JsonObject): JsonObject => s.properties as JsonObject;

describe('contracts diff (issue 12 acceptance)', () => {
  it('says MODEL for an ADDITION-labelled change of a column from integer to number: the table step decides', () => {
    const r = diff(base, edit((s) => { props(s).title_id = { type: 'number', description: 'Title id.' }; }));
    expect(r.code).toBe(1);
    expect(r.text.split('\n')[0]).toMatch(/declared ADDITION, required MODEL: NOT sufficient — the table step decides \(instance step ADDITION, table step MODEL\)/);
    expect(r.text).toMatch(/MODEL +column title_id \[column-type-changed\] bigint → double/);
    expect(r.json).toMatchObject({ declared: 'ADDITION', required: 'MODEL', sufficient: false, instanceStep: 'ADDITION', tableStep: 'MODEL', decidedBy: 'table' });
    expect(r.json.reasons).toEqual([expect.objectContaining({ rule: 'type-widened', step: 'ADDITION', pointer: '/properties/title_id/type' })]);
    expect(r.json.tableReasons).toEqual([expect.objectContaining({ rule: 'column-type-changed', step: 'MODEL', column: 'title_id', pointer: '/properties/title_id' })]);
  });

  it('says nothing more than ADDITION for description-only changes, including inside oneOf branches', () => {
    const r = diff(base, edit((s) => {
      s.description = 'Now documented.';
      props(s).title_id = { type: 'integer', description: 'Title id in the catalog.' };
      const branches = (props(s).quality as JsonObject).oneOf as JsonObject[];
      branches[0].description = 'A named preset.';
      (branches[1].properties as JsonObject).kbps = { type: 'integer', minimum: 1, description: 'Kilobits per second.' };
    }));
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/declared ADDITION, required NONE: sufficient — nothing changed for instances or the table .*the smallest bump, ADDITION, suffices/);
    expect(r.json).toMatchObject({ required: 'NONE', sufficient: true, reasons: [], tableReasons: [] });
  });

  it.each<[string, JsonObject, string, string]>([
    ['a new required property of a closed object (no historical event has it)', edit((s) => {
      props(s).device = { type: 'string' };
      s.required = ['title_id', 'device'];
    }), 'MODEL', 'required-added-closed'],
    ['an existing optional property made required', edit((s) => {
      s.required = ['title_id', 'quality'];
    }), 'REVISION', 'required-added'],
  ])('says REVISION or more for %s', (_what, next, step, rule) => {
    const r = diff(base, next);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ required: step, instanceStep: step, sufficient: false });
    expect(r.json.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ rule, step, pointer: '/required' })]));
    expect(r.text.split('\n')[0]).toContain(`required ${step}: NOT sufficient — the instance step decides`);
  });

  it('keeps the JSON shape of the report, adding the table fields', () => {
    const r = diff(base, edit((s) => { props(s).device = { type: 'string' }; }));
    expect(Object.keys(r.json).sort()).toEqual(['decidedBy', 'declared', 'from', 'instanceStep', 'reasons', 'required', 'sufficient', 'tableReasons', 'tableStep', 'to']);
    expect(r.json).toMatchObject({ required: 'ADDITION', sufficient: true, tableReasons: [expect.objectContaining({ rule: 'column-added', column: 'device' })] });
  });
});
