import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  diffStatefulIds,
  parseStatefulIds,
  renderStatefulIds,
  renderUpdateReport,
  STATEFUL_IDS_FILE,
  STATEFUL_IDS_GUARD_TEST,
  statefulIdGuardMessage,
  testFilesToUpdate,
  type StatefulIds,
} from '../../tools/test-update';

const ACCEPTED: StatefulIds = {
  'Dev/Storage': { LakeRawBucket28F84711: 'AWS::S3::Bucket' },
  'Prod/Storage': { LakeRawBucket28F84711: 'AWS::S3::Bucket', LakeLakeKey2B659715: 'AWS::KMS::Key' },
};

describe('the stateful logical-id list (npm run test:update)', () => {
  it('finds no change between a list and itself', () => {
    expect(diffStatefulIds(ACCEPTED, structuredClone(ACCEPTED))).toEqual([]);
  });

  it('reports a new stateful resource, a removed or renamed one and a retyped one, each with its stack and id', () => {
    const now: StatefulIds = {
      'Dev/Storage': { LakeRawBucket28F84711: 'AWS::S3::Bucket' },
      'Dev/ProductsPlayback': { PlaybackVideoPlayedV1RawTableC63064F6: 'AWS::Glue::Table' },
      'Prod/Storage': { LakeRawBucketRenamed00000000: 'AWS::S3::Bucket', LakeLakeKey2B659715: 'AWS::KMS::ReplicaKey' },
    };
    expect(diffStatefulIds(ACCEPTED, now)).toEqual([
      { kind: 'added', stackPath: 'Dev/ProductsPlayback', logicalId: 'PlaybackVideoPlayedV1RawTableC63064F6', type: 'AWS::Glue::Table' },
      { kind: 'added', stackPath: 'Prod/Storage', logicalId: 'LakeRawBucketRenamed00000000', type: 'AWS::S3::Bucket' },
      { kind: 'retyped', stackPath: 'Prod/Storage', logicalId: 'LakeLakeKey2B659715', type: 'AWS::KMS::ReplicaKey', previousType: 'AWS::KMS::Key' },
      { kind: 'removed', stackPath: 'Prod/Storage', logicalId: 'LakeRawBucket28F84711', type: 'AWS::S3::Bucket' },
    ]);
  });

  it('fails the guard with a message that names each resource and says to run npm run test:update and review the diff', () => {
    const message = statefulIdGuardMessage(diffStatefulIds(ACCEPTED, { ...ACCEPTED, 'Dev/ProductsPlayback': { PlaybackVideoPlayedV1RawTableC63064F6: 'AWS::Glue::Table' } }));
    expect(message.split('\n')).toEqual([
      `The stateful resources of the app differ from ${STATEFUL_IDS_FILE}:`,
      '  Dev/ProductsPlayback: new stateful resource PlaybackVideoPlayedV1RawTableC63064F6 (AWS::Glue::Table)',
      expect.stringMatching(/run `npm run test:update` and review the diff of test\/app\/stateful-logical-ids\.json before committing/),
    ]);
  });

  it('calls a renamed or removed Prod id out loudly in the update report, and a new one only as an addition', () => {
    const renamed = renderUpdateReport(diffStatefulIds(ACCEPTED, { ...ACCEPTED, 'Prod/Storage': { LakeLakeKey2B659715: 'AWS::KMS::Key' } }));
    expect(renamed).toMatch(/^!!! DATA LOSS RISK: 1 stateful resource\(s\) of Prod/m);
    expect(renamed).toMatch(/^!!! {3}Prod\/Storage: stateful resource LakeRawBucket28F84711 \(AWS::S3::Bucket\) is gone/m);
    expect(renamed).toContain('  - Prod/Storage  LakeRawBucket28F84711  AWS::S3::Bucket');
    const added = renderUpdateReport(diffStatefulIds(ACCEPTED, { ...ACCEPTED, 'Prod/ProductsPlayback': { PlaybackVideoPlayedV1RawTableC63064F6: 'AWS::Glue::Table' } }));
    expect(added).not.toContain('DATA LOSS');
    expect(added).toContain('  + Prod/ProductsPlayback  PlaybackVideoPlayedV1RawTableC63064F6  AWS::Glue::Table');
    expect(renderUpdateReport([])).toMatch(/no change of stateful logical ids/);
  });

  it('writes the list as two-space JSON that parses back to the same ids', () => {
    const text = renderStatefulIds(ACCEPTED);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseStatefulIds(text)).toEqual(ACCEPTED);
    expect(renderStatefulIds(parseStatefulIds(fs.readFileSync(path.join(__dirname, 'stateful-logical-ids.json'), 'utf8')))).toBe(
      fs.readFileSync(path.join(__dirname, 'stateful-logical-ids.json'), 'utf8'),
    );
  });

  it.each([
    ['not JSON', '{', /^test\/app\/stateful-logical-ids\.json: not JSON/],
    ['a stack that is not an object of types', '{"Dev/Storage": {"Key": 1}}', /^test\/app\/stateful-logical-ids\.json: Dev\/Storage: expected an object of logical id → resource type$/],
  ])('fails on a list that is %s, naming the file', (_what, text, message) => {
    expect(() => parseStatefulIds(text)).toThrow(message);
  });

  it('updates the guard test and every test file that holds snapshots, and no other', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-test-update-'));
    try {
      fs.mkdirSync(path.join(root, 'test', 'app'), { recursive: true });
      fs.mkdirSync(path.join(root, 'test', 'docs'), { recursive: true });
      fs.writeFileSync(path.join(root, STATEFUL_IDS_GUARD_TEST), "it('guards', () => undefined);\n");
      // Spelled in two parts so this file itself does not look like a snapshot test to testFilesToUpdate.
      fs.writeFileSync(path.join(root, 'test', 'docs', 'render.test.ts'), `it('renders', () => expect('x').toMatch${'InlineSnapshot'}());\n`);
      fs.writeFileSync(path.join(root, 'test', 'docs', 'plain.test.ts'), "it('adds', () => expect(1 + 1).toBe(2));\n");
      expect(testFilesToUpdate(root)).toEqual([STATEFUL_IDS_GUARD_TEST, 'test/docs/render.test.ts']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    expect(testFilesToUpdate(path.join(__dirname, '..', '..'))).toContain(STATEFUL_IDS_GUARD_TEST);
  });
});
