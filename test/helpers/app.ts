import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadAllConfigs, type EnvironmentConfig } from '../../config';
import { loadPlatform } from '../../config/platform';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import type { LakeforgeStage } from '../../lib/stages/lakeforge-stage';

/** A synthesized Lakeforge app for tests: stages by id and templates by stack path. */
export interface TestApp {
  readonly app: App;
  readonly stages: Record<string, LakeforgeStage>;
  template(stackPath: string): Template;
  stack(stackPath: string): Stack;
}

let cached: TestApp | undefined;

/**
 * Builds (once per test file) the full app from the real config, as `bin/app.ts` does, without
 * running the policy packs' synth (use `synthesizeAll` for that).
 */
export function lakeforgeApp(configs?: readonly EnvironmentConfig[]): TestApp {
  if (cached && configs === undefined) return cached;
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-test-')), context: LAKEFORGE_APP_CONTEXT });
  const list = addLakeforgeStages(app, configs ?? loadAllConfigs(), loadPlatform());
  const stages = Object.fromEntries(list.map((s) => [s.stageName, s]));
  const templates = new Map<string, Template>();
  const stack = (p: string) => {
    const found = app.node.findAll().find((c) => Stack.isStack(c) && c.node.path === p);
    if (!found) throw new Error(`no stack ${p}`);
    return found as Stack;
  };
  const result: TestApp = {
    app,
    stages,
    stack,
    template: (p) => {
      if (!templates.has(p)) templates.set(p, Template.fromStack(stack(p)));
      return templates.get(p)!;
    },
  };
  if (configs === undefined) cached = result;
  return result;
}

/** Every stack path of the standard app, e.g. `Dev/Storage`. */
export function stackPaths(t: TestApp): string[] {
  return t.app.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c))
    .map((s) => s.node.path);
}
