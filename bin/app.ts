#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, loadAllConfigs } from '../config';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../lib/app';

// Load config, create one Stage per environment (each registers the policy packs). Nothing else.
try {
  addLakeforgeStages(new App({ context: LAKEFORGE_APP_CONTEXT }), loadAllConfigs());
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
