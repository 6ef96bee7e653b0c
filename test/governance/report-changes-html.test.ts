import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffStage } from '../../lib/governance/report/baseline';
import type { AuditEntry, AuditStatus, StageReport } from '../../lib/governance/report/model';
import { renderHtml } from '../../lib/governance/report/render';
import { CHROMIUM, renderedDom } from '../helpers/chromium';


const entry = (status: AuditStatus, rule: string, resource: string, reviewBy?: string): AuditEntry => ({
  pack: 'AwsSolutions', rule, description: `${rule} description`, resource, logicalId: resource.replace(/\W/g, ''), type: 'AWS::S3::Bucket', status,
  ...(status === 'acknowledged' ? { reason: 'The access-logs bucket cannot log into itself.', owner: 'platform-team', reviewBy } : {}),
});

/** A report whose changes since a baseline hold one of each kind, derived by diffStage from the two entry lists. */
function report(): StageReport {
  const before = [
    entry('compliant', 'AwsSolutions-S10', 'Dev/Storage/Raw/Resource'),
    entry('acknowledged', 'AwsSolutions-S1', 'Dev/Storage/Logs/Resource', '2027-03-01'),
    entry('compliant', 'AwsSolutions-S2', 'Dev/Storage/Old/Resource'),
  ];
  const entries = [
    entry('finding', 'AwsSolutions-S10', 'Dev/Storage/Raw/Resource'),
    entry('acknowledged', 'AwsSolutions-S1', 'Dev/Storage/Logs/Resource', '2027-06-01'),
    entry('compliant', 'AwsSolutions-S2', 'Dev/Storage/New/Resource'),
  ];
  const source = { generatedAt: '2026-11-01T00:00:00.000Z', commit: 'b'.repeat(40) };
  const count = (s: AuditStatus) => entries.filter((e) => e.status === s).length;
  const counts = { findings: count('finding'), acknowledged: count('acknowledged'), compliant: count('compliant'), notApplicable: 0 };
  return {
    stage: 'Dev', account: '111111111111', region: 'eu-west-1', commit: 'a'.repeat(40), generatedAt: '2026-12-01T00:00:00.000Z', versions: {},
    summary: counts, stacks: [], destroyedWithStack: [],
    packs: [{ name: 'AwsSolutions', rules: 3, coverage: 'every-resource', ...counts, ruleSummaries: [] }],
    entries,
    changes: diffStage(entries, { stage: 'Dev', ...source, entries: before }, source),
  };
}


(CHROMIUM ? describe : describe.skip)('the changes section of a stage page in headless Chromium (offline)', () => {
  const r = report();
  const c = r.changes!;
  const total = c.counts.added + c.counts.removed + c.counts.statusChanged + c.counts.reviewByChanged;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-html-')), 'index.html');
  fs.writeFileSync(file, renderHtml(r));

  it('shows the baseline, a sentence and every change, and still filters the entries', () => {
    const dom = renderedDom(file, '#status=finding');
    expect(dom).toContain(`Changes since ${c.baseline.generatedAt}, commit ${'b'.repeat(12)}`);
    expect(dom).toContain(`${c.counts.statusChanged} status change(s), ${c.counts.added} added, ${c.counts.removed} removed, ${c.counts.reviewByChanged} review date change(s).`);
    expect(dom).toMatch(new RegExp(`<span id="changes-shown">${total}</span>`));
    expect(dom).toMatch(new RegExp(`<span id="shown">${r.summary.findings}</span>`));
  });

  it('filters the changes by kind (#change=added) without touching the entries', () => {
    const dom = renderedDom(file, '#change=added');
    expect(dom).toMatch(new RegExp(`<span id="changes-shown">${c.counts.added}</span>`));
    expect(dom.match(/<tr data-change="[a-z_]+" style="display: none;"/g) ?? []).toHaveLength(total - c.counts.added);
    expect(dom).toMatch(new RegExp(`<span id="shown">${r.entries.length}</span>`));
  });
});
