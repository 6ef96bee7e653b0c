#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadAllConfigs } from '../config';
import { loadPlatform } from '../config/platform';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../lib/app';

// Load config, create one Stage per environment and register the policy packs. Nothing else.
try {
  addLakeforgeStages(new App({ context: LAKEFORGE_APP_CONTEXT }), loadAllConfigs(), loadPlatform());
} catch (e) {
  // Invalid config, contracts or declarations: one clear line, no stack trace (LAKEFORGE_DEBUG=1 shows it).
  if (process.env.LAKEFORGE_DEBUG) throw e;
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
