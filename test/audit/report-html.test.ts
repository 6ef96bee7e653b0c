import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AuditEntry, StageReport } from '../../lib/governance/report/model';
import { renderHtml } from '../../lib/governance/report/render';
import { CHROMIUM, renderedDom } from '../helpers/chromium';


/** A report with one entry of each listed status; counts derived from the entries. */
function report(): StageReport {
  const entry = (status: AuditEntry['status'], rule: string, resource: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
    pack: 'AwsSolutions', rule, description: `${rule} description`, resource, logicalId: resource.replace(/\W/g, ''), type: 'AWS::S3::Bucket', status, ...extra,
  });
  const entries = [
    entry('finding', 'AwsSolutions-S10', 'Dev/Storage/Raw/Resource'),
    entry('acknowledged', 'AwsSolutions-S1', 'Dev/Storage/Logs/Resource', { reason: 'The access-logs bucket cannot log into itself.', owner: 'platform-team', approver: 'security-team', reviewBy: '2027-06-01' }),
    entry('compliant', 'AwsSolutions-S2', 'Dev/Storage/Raw/Resource'),
    entry('compliant', 'AwsSolutions-S2', 'Dev/Storage/Logs/Resource'),
  ];
  const count = (s: AuditEntry['status']) => entries.filter((e) => e.status === s).length;
  const counts = { findings: count('finding'), acknowledged: count('acknowledged'), compliant: count('compliant'), notApplicable: 7 };
  return {
    stage: 'Dev', account: '111111111111', region: 'eu-west-1', commit: 'a'.repeat(40), generatedAt: '2026-12-01T00:00:00.000Z',
    versions: { 'aws-cdk-lib': '2.276.0', 'cdk-nag': '3.0.2' },
    summary: counts,
    stacks: [{ path: 'Dev/Storage', stackName: 'lakeforge-dev-storage', terminationProtection: false, resources: 3 }],
    destroyedWithStack: [{ resource: 'Dev/Storage/Raw/Resource', logicalId: 'Raw', type: 'AWS::S3::Bucket' }],
    packs: [{ name: 'AwsSolutions', rules: 3, coverage: 'every-resource', ...counts, ruleSummaries: [] }],
    entries,
  };
}


(CHROMIUM ? describe : describe.skip)('the stage report page in headless Chromium (offline)', () => {
  const r = report();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-html-')), 'index.html');
  fs.writeFileSync(file, renderHtml(r));

  it('shows the verdict and the counts first, then every entry', () => {
    const dom = renderedDom(file);
    expect(dom).toContain('1 open finding(s)');
    expect(dom.indexOf('id="verdict"')).toBeLessThan(dom.indexOf('id="entries"'));
    expect(dom).toMatch(new RegExp(`<b>${r.summary.compliant}</b>compliant`));
    expect(dom).toMatch(/<span id="shown">4<\/span>/);
    expect(dom).toContain('approved by security-team, review by 2027-06-01');
  });

  it('filters the entries by status (#status=finding)', () => {
    const dom = renderedDom(file, '#status=finding');
    expect(dom).toMatch(new RegExp(`<span id="shown">${r.summary.findings}</span>`));
    const hidden = dom.match(/<tr class="(compliant|acknowledged)"[^>]*style="display: none;"/g) ?? [];
    expect(hidden).toHaveLength(r.entries.length - r.summary.findings);
  });
});
