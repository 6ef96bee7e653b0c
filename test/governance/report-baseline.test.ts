import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditBaselineError, diffReports, diffStage, noChanges, parseBaselineReport } from '../../lib/governance/report/baseline';
import type { AuditEntry, AuditStatus, BaselineReport } from '../../lib/governance/report/model';
import { AUDIT_DIR, clearAuditReport, readAuditBaseline } from '../../lib/governance/report/plugin';

const SOURCE = { generatedAt: '2026-11-01T00:00:00.000Z', commit: 'b'.repeat(40) };

/** An entry of pack `P` on `resource` with `status` (and a review date when acknowledged). */
function entry(rule: string, resource: string, status: AuditStatus, reviewBy?: string): AuditEntry {
  return {
    pack: 'P',
    rule,
    description: `${rule} description`,
    resource,
    logicalId: resource.replace(/\W/g, ''),
    type: 'AWS::S3::Bucket',
    status,
    ...(status === 'acknowledged' ? { reason: 'A reason of substance for the test.', owner: 'platform-team', reviewBy } : {}),
  };
}

const baselineOf = (entries: AuditEntry[], stage = 'Dev'): BaselineReport => ({ stage, ...SOURCE, entries });

describe('diffStage: entries matched by pack, rule and resource', () => {
  const A = entry('R1', 'Dev/S/A', 'compliant');
  it.each<[string, AuditEntry[], AuditEntry[], Partial<Record<'added' | 'removed' | 'statusChanged' | 'reviewByChanged', unknown[]>>]>([
    ['nothing changed', [A], [A], {}],
    ['a new resource is added', [A], [A, entry('R1', 'Dev/S/B', 'compliant')], { added: [expect.objectContaining({ resource: 'Dev/S/B', status: 'compliant' })] }],
    ['a new rule on a known resource is added', [A], [A, entry('R2', 'Dev/S/A', 'finding')], { added: [expect.objectContaining({ rule: 'R2', status: 'finding' })] }],
    ['a resource that is gone is removed', [A, entry('R1', 'Dev/S/B', 'acknowledged', '2027-06-01')], [A], { removed: [expect.objectContaining({ resource: 'Dev/S/B', status: 'acknowledged', reviewBy: '2027-06-01' })] }],
    ['compliant → finding (a cutoff removed)', [A], [entry('R1', 'Dev/S/A', 'finding')], { statusChanged: [expect.objectContaining({ resource: 'Dev/S/A', from: 'compliant', to: 'finding' })] }],
    [
      'acknowledged → finding (an acknowledgement removed)',
      [entry('R1', 'Dev/S/A', 'acknowledged', '2027-06-01')],
      [entry('R1', 'Dev/S/A', 'finding')],
      { statusChanged: [expect.objectContaining({ from: 'acknowledged', to: 'finding' })] },
    ],
    [
      'an acknowledgement renewed: review date changed',
      [entry('R1', 'Dev/S/A', 'acknowledged', '2027-01-01')],
      [entry('R1', 'Dev/S/A', 'acknowledged', '2027-06-01')],
      { reviewByChanged: [expect.objectContaining({ resource: 'Dev/S/A', from: '2027-01-01', to: '2027-06-01' })] },
    ],
    ['the same resource in another pack is another entry', [A], [{ ...A, pack: 'Q' }], { added: [expect.objectContaining({ pack: 'Q' })], removed: [expect.objectContaining({ pack: 'P' })] }],
  ])('%s', (_name, before, after, expected) => {
    const c = diffStage(after, baselineOf(before), SOURCE);
    const lists = { added: [], removed: [], statusChanged: [], reviewByChanged: [], ...expected };
    expect({ added: c.added, removed: c.removed, statusChanged: c.statusChanged, reviewByChanged: c.reviewByChanged }).toEqual(lists);
    expect(c.counts).toEqual({ added: lists.added.length, removed: lists.removed.length, statusChanged: lists.statusChanged.length, reviewByChanged: lists.reviewByChanged.length });
    expect(c.baseline).toEqual({ ...SOURCE, stageFound: true });
    expect(noChanges(c)).toBe(Object.keys(expected).length === 0);
  });

  it('lists every entry as added when the baseline has no such stage, and says which baseline it compared with', () => {
    const current = [entry('R2', 'Dev/S/B', 'compliant'), A];
    const c = diffStage(current, undefined, SOURCE);
    expect(c.baseline).toEqual({ ...SOURCE, stageFound: false });
    expect(c.added.map((e) => [e.rule, e.resource])).toEqual([['R1', 'Dev/S/A'], ['R2', 'Dev/S/B']]);
    expect(c.counts).toEqual({ added: current.length, removed: 0, statusChanged: 0, reviewByChanged: 0 });
  });

  it('keeps a second entry of the same pack, rule and resource apart instead of dropping it', () => {
    const twice = [entry('CT.X.1', 'Dev/S/A', 'finding'), entry('CT.X.1', 'Dev/S/A', 'finding')];
    expect(diffStage(twice, baselineOf(twice.slice(0, 1)), SOURCE).counts.added).toBe(1);
  });
});

describe('diffReports', () => {
  it('compares each stage with the baseline report of the same stage and names stages only the baseline has', () => {
    const changes = diffReports(
      [
        { stage: 'Dev', entries: [entry('R1', 'Dev/S/A', 'finding')] },
        { stage: 'Acc', entries: [entry('R1', 'Acc/S/A', 'compliant')] },
      ],
      [baselineOf([entry('R1', 'Dev/S/A', 'compliant')], 'Dev'), baselineOf([], 'Old')],
    );
    expect(changes.stages.get('Dev')?.counts).toEqual({ added: 0, removed: 0, statusChanged: 1, reviewByChanged: 0 });
    expect(changes.stages.get('Acc')?.baseline.stageFound).toBe(false);
    expect(changes.baselineOnly).toEqual(['Old']);
  });
});

describe('parseBaselineReport', () => {
  const good = { stage: 'Dev', generatedAt: SOURCE.generatedAt, commit: SOURCE.commit, entries: [{ pack: 'P', rule: 'R', resource: 'Dev/S/A', status: 'compliant' }] };
  it('reads a report of an earlier version (no commit, no logical ids) and ignores other fields', () => {
    const { commit: _commit, ...noCommit } = good;
    expect(parseBaselineReport({ ...noCommit, summary: {} }, 'x.json')).toEqual({ stage: 'Dev', generatedAt: SOURCE.generatedAt, commit: 'unknown', entries: good.entries });
  });
  it.each([
    ['not an object', [], /^x\.json: \(root\): expected a stage report object/],
    ['no stage', { ...good, stage: undefined }, /^x\.json: stage: expected a non-empty string/],
    ['no entries', { ...good, entries: undefined }, /^x\.json: entries: expected an array$/],
    ['an unknown status', { ...good, entries: [{ ...good.entries[0], status: 'ok' }] }, /^x\.json: entries\.0\.status: expected one of .*got "ok"$/],
    ['an entry without resource', { ...good, entries: [{ ...good.entries[0], resource: 1 }] }, /^x\.json: entries\.0\.resource: /],
  ])('fails on %s with one line naming the file and the field', (_name, json, message) => {
    expect(() => parseBaselineReport(json, 'x.json')).toThrow(AuditBaselineError);
    expect(() => parseBaselineReport(json, 'x.json')).toThrow(message);
  });
});

describe('readAuditBaseline: which folders it accepts', () => {
  const report = (stage: string) => JSON.stringify({ stage, generatedAt: SOURCE.generatedAt, commit: SOURCE.commit, entries: [] });
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-baseline-'));

  it('reads an audit folder (<stage>/report.json, as synth writes cdk.out/audit), stage names from the reports', () => {
    const dir = tmp();
    for (const stage of ['Dev', 'Prod']) {
      fs.mkdirSync(path.join(dir, stage));
      fs.writeFileSync(path.join(dir, stage, 'report.json'), report(stage));
      fs.writeFileSync(path.join(dir, stage, 'index.html'), '<html></html>');
    }
    fs.writeFileSync(path.join(dir, 'index.html'), '<html></html>');
    expect(readAuditBaseline(dir).map((r) => r.stage)).toEqual(['Dev', 'Prod']);
  });

  it('reads a folder that holds the stages’ report files directly (e.g. Dev.json, Acc.json)', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'Dev.json'), report('Dev'));
    fs.writeFileSync(path.join(dir, 'Acc.json'), report('Acc'));
    expect(readAuditBaseline(dir).map((r) => r.stage).sort()).toEqual(['Acc', 'Dev']);
  });

  it.each([
    ['does not exist', (d: string) => path.join(d, 'missing'), /^audit baseline .*missing: no such directory$/],
    ['holds no report', (d: string) => d, /^audit baseline .*: no report found \(expected <stage>\/report\.json/],
    [
      'holds two reports of one stage',
      (d: string) => {
        fs.writeFileSync(path.join(d, 'a.json'), report('Dev'));
        fs.writeFileSync(path.join(d, 'b.json'), report('Dev'));
        return d;
      },
      /: two reports of stage Dev: .*a\.json and .*b\.json$/,
    ],
    [
      'holds a JSON file that is not JSON',
      (d: string) => {
        fs.writeFileSync(path.join(d, 'Dev.json'), '{');
        return d;
      },
      /Dev\.json: not JSON \(/,
    ],
  ])('fails with one line naming the path when the folder %s', (_name, make, message) => {
    const dir = make(tmp());
    let error: unknown;
    try {
      readAuditBaseline(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuditBaselineError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('says to copy the previous report first when the baseline is the audit folder being replaced', () => {
    const outdir = tmp();
    expect(() => readAuditBaseline(path.join(outdir, AUDIT_DIR), outdir)).toThrow(/this is the report the synthesis replaces .*copy it elsewhere first/);
  });
});

describe('clearAuditReport: no previous report survives the start of a synthesis', () => {
  it('removes <outdir>/audit and nothing else, leaving a page that says there is no report', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-clear-'));
    fs.mkdirSync(path.join(outdir, AUDIT_DIR, 'Dev'), { recursive: true });
    fs.writeFileSync(path.join(outdir, AUDIT_DIR, 'Dev', 'report.json'), '{}');
    fs.writeFileSync(path.join(outdir, 'manifest.json'), '{}');
    fs.writeFileSync(path.join(outdir, 'Dev.template.json'), '{}');
    clearAuditReport(outdir, new Date('2026-12-01T10:00:00Z'));
    expect(fs.readdirSync(outdir).sort()).toEqual(['Dev.template.json', AUDIT_DIR, 'manifest.json']);
    expect(fs.readdirSync(path.join(outdir, AUDIT_DIR))).toEqual(['index.html']);
    expect(fs.readFileSync(path.join(outdir, AUDIT_DIR, 'index.html'), 'utf8')).toMatch(/id="incomplete".*2026-12-01T10:00:00\.000Z.*no report/s);
  });

  it('creates nothing when the cloud assembly directory does not exist (or none is given)', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-clear-')), 'cdk.out');
    clearAuditReport(outdir);
    clearAuditReport(undefined);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
