import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildProductTeamApp, DEV_HANDLES } from '../../examples/product-team-app/app';

const EXAMPLE = path.join(__dirname, '../../examples/product-team-app/app.ts');

describe('the product-team example app', () => {
  it('imports Lakeforge only through its public API', () => {
    const imports = [...fs.readFileSync(EXAMPLE, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    const local = imports.filter((i) => i.startsWith('.'));
    expect(local).toEqual(['../../lib']);
  });

  it('synthesizes its data product with zero policy findings', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-example-'));
    const app = buildProductTeamApp(DEV_HANDLES, outdir);
    const assembly = app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations)).toEqual([]);
    const template = Template.fromJSON(assembly.getStackByName('CheckoutOrders').template);
    const names = Object.values(template.findResources('AWS::Glue::Table')).map((t) => t.Properties.TableInput.Name);
    expect(names).toEqual(['order_placed_v1']);
    const [curated] = Object.values(template.findResources('Custom::LakeforgeIcebergTables'));
    const columns = curated.Properties.Tables[0].Columns.map((c: { Name: string; Type: string }) => `${c.Name}:${c.Type}`);
    expect(columns).toEqual(expect.arrayContaining(['order_id:string', 'customer_id:int', 'amount_cents:bigint', 'currency:string']));
    expect(curated.Properties.ServiceToken).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:eu-west-1:111111111111:function:Dev-Analytics-TableDdlFunction-example']] });
  });
});
