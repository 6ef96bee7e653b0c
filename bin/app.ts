#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../lib/app';
import { asAcknowledgementError } from '../lib/governance/acknowledge';
import { clearAuditReport } from '../lib/governance/report/plugin';

// Load config, gate the contracts and marts, create one Stage per environment, register the policy packs and, when
// config/delivery.ts has a delivery section, add the delivery pipeline. Nothing else.
try {
  // First, the previous audit report goes (the CLI's --output, as CDK_OUTDIR): a synth that fails leaves none behind.
  clearAuditReport(process.env.CDK_OUTDIR);
  // Required inside the try, not imported: loading the declarations (config/products, config/marts, the
  // contracts) runs their checks, and an error there must become one line below, not a stack trace.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadAllConfigs } = require('../config') as typeof import('../config');
  const { assertMarts, assertRepositoryContracts } = require('../config/synth-gates') as typeof import('../config/synth-gates');
  const { loadDeliveryConfig } = require('../config/delivery') as typeof import('../config/delivery');
  const configs = loadAllConfigs();
  const delivery = loadDeliveryConfig();
  assertRepositoryContracts();
  const { loadPlatform } = require('../config/platform') as typeof import('../config/platform');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const platform = loadPlatform();
  assertMarts(platform);
  addLakeforgeStages(new App({ context: LAKEFORGE_APP_CONTEXT }), configs, platform, delivery);
} catch (e) {
  // Invalid config, contracts or declarations: one line per problem, no stack trace (LAKEFORGE_DEBUG=1 shows it).
  if (process.env.LAKEFORGE_DEBUG) throw e;
  // An expired acknowledgement fails CDK's construct validation: print just its line.
  console.error((asAcknowledgementError(e) ?? (e instanceof Error ? e : new Error(String(e)))).message);
  process.exit(1);
}
