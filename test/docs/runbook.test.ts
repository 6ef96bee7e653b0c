/**
 * The README's runbook covers every alarm the synthesized app creates: each `AWS::CloudWatch::Alarm` of every stack
 * (the stages and the delivery pipeline) is matched, by its construct id, against the keys of the "## Runbook"
 * table (`<Placeholder>` stands for any PascalCase name, so one row covers the freshness alarm of every product).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { loadAllConfigs } from '../../config';
import { loadDeliveryConfig } from '../../config/delivery';
import { loadPlatform } from '../../config/platform';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The rows of the "## Runbook" table: the alarm keys of the first column and the other cells. */
function runbookRows(markdown: string): { keys: string[]; cells: string[] }[] {
  const start = markdown.indexOf('\n## Runbook\n');
  if (start < 0) throw new Error('README.md has no "## Runbook" section');
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
      return { keys: [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]), cells: cells.slice(1) };
    });
}

/** A key as a pattern: `<Product>` matches any PascalCase name (letters and digits). */
function keyPattern(key: string): RegExp {
  return new RegExp(`^${key.split(/<[A-Za-z]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[A-Z][A-Za-z0-9]*')}$`);
}

/** The alarm ids no runbook key matches. */
function uncovered(alarmIds: readonly string[], keys: readonly string[]): string[] {
  const patterns = keys.map(keyPattern);
  return [...new Set(alarmIds.filter((id) => !patterns.some((p) => p.test(id))))];
}

/** The construct id of an alarm: its L2 `Alarm`'s id (the scope of the CfnAlarm), or the CfnAlarm's own. */
const alarmId = (a: CfnAlarm): string => (a.node.id === 'Resource' ? a.node.scope!.node.id : a.node.id);

describe('README runbook', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-runbook-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, analyticsReporting: false, context: LAKEFORGE_APP_CONTEXT });
  addLakeforgeStages(app, loadAllConfigs(), loadPlatform(), loadDeliveryConfig());
  const alarms = app.node.findAll().filter((c): c is CfnAlarm => c instanceof CfnAlarm);
  const rows = runbookRows(README);
  const keys = rows.flatMap((r) => r.keys);

  it('finds every alarm of the synthesized templates in the construct tree (none is a raw CloudFormation resource)', () => {
    const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
    const inTemplates = stacks.reduce((n, s) => n + Object.keys(Template.fromStack(s).findResources('AWS::CloudWatch::Alarm')).length, 0);
    expect(alarms.length).toBeGreaterThan(0);
    expect(inTemplates).toBe(alarms.length);
  });

  it('has a row for every alarm the app creates', () => {
    expect(uncovered(alarms.map(alarmId), keys)).toEqual([]);
  });

  it('covers the freshness alarms of every data product with one pattern row, not one row per product', () => {
    const freshness = alarms.map(alarmId).filter((id) => id.startsWith('Freshness'));
    expect(freshness.length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.startsWith('Freshness'))).toEqual(['Freshness<Product><Table>Alarm']);
  });

  it('fails for an alarm added without a row', () => {
    expect(uncovered([...alarms.map(alarmId), 'IngestLatencyAlarm'], keys)).toEqual(['IngestLatencyAlarm']);
  });

  it('has no row for an alarm that no longer exists, and every row says what it means, what to check and how to recover', () => {
    const ids = alarms.map(alarmId);
    expect(keys.filter((k) => !ids.some((id) => keyPattern(k).test(id)))).toEqual([]);
    for (const r of rows) {
      expect(r.cells).toHaveLength(3);
      expect(r.cells.every((c) => c.length > 20)).toBe(true);
      expect(r.cells[1]).toMatch(/1\. .*2\. .*3\. /);
    }
  });

  it('names the three recoveries: redrive a failed refresh, replay the on-failure destination, re-publish a contract', () => {
    const recover = rows.map((r) => r.cells[2]).join('\n');
    expect(recover).toContain('aws stepfunctions redrive-execution');
    expect(recover).toMatch(/replay the on-failure destination/i);
    expect(recover).toMatch(/re-publish the contract/i);
  });
});
