import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../../config';
import { LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import { PRODUCT_STACK_BUDGET } from '../../lib/products/stack-plan';
import { LakeforgeStage } from '../../lib/stages/lakeforge-stage';
import { syntheticPlatform } from '../../tools/bench/synthetic-platform';

// The policy packs and all three stages at this size run in `npm run bench:synth` (about 10× this test's time).
describe('the Lakeforge app at 500 data products', () => {
  const platform = syntheticPlatform(500);
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-scale-')), context: LAKEFORGE_APP_CONTEXT });
  const stage = new LakeforgeStage(app, 'Dev', { config: loadConfig('dev'), platform });
  const stacks = stage.synth().stacks.map((s) => ({ id: s.stackName, resources: Object.keys(s.template.Resources ?? {}).length }));
  const baseline = new LakeforgeStage(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-scale-')), context: LAKEFORGE_APP_CONTEXT }), 'Dev', {
    config: loadConfig('dev'),
    platform: syntheticPlatform(0),
  })
    .synth()
    .stacks.map((s) => ({ id: s.stackName, resources: Object.keys(s.template.Resources ?? {}).length }));

  it(`synthesizes 500 data products (one contract each) with no stack over ${PRODUCT_STACK_BUDGET} resources`, () => {
    expect(platform.products.length).toBeGreaterThanOrEqual(500);
    for (const s of stacks) expect({ stack: s.id, over: s.resources > PRODUCT_STACK_BUDGET }).toEqual({ stack: s.id, over: false });
  });

  it('keeps the platform stacks (everything but the per-domain product and freshness stacks) the same size as without them', () => {
    const platformStacks = (list: typeof stacks) => list.filter((s) => !/^Dev-(Products|Freshness)/.test(s.id));
    expect(platformStacks(stacks)).toEqual(platformStacks(baseline));
  });
});
