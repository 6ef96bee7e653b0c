import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnDynamicReference, CfnDynamicReferenceService, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MARTS } from '../../config/marts';
import { loadPlatform } from '../../config/platform';
import {
  DEFINITION_SUBSTITUTIONS,
  GUARD_EXPRESSION,
  INVALID_INPUT_ERROR,
  PipelineOrchestration,
  PLAN_FILES,
  renderPlanFiles,
  TOO_MANY_CHUNKS_ERROR,
  type PipelineOrchestrationProps,
} from '../../lib/constructs/analytics/pipeline-orchestration';
import { QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { renderPipelinePlan, windowSettingValues, type PipelinePlan, type PipelineStep } from '../../lib/pipeline/plan';
import { fillTemplate, PLACEHOLDERS } from '../../lib/pipeline/template';
import { allStates, definitionOf, evaluateField, mainPath, syntheticContract, type AslState } from '../helpers/state-machine';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const STATE_MACHINE_NAME = 'lakeforge-dev-pipeline';
const SAMPLE_PLAN = renderPipelinePlan('dev', MARTS, loadPlatform().contractTables, { goLiveDate: '2026-11-01', lookbackHours: 3 });

/** The sample plan with a second mart level (a copy of level 0 under other ids): the construct treats the plan as data. */
function twoLevelPlan(): PipelinePlan {
  const level1 = SAMPLE_PLAN.martLevels[0].map((s): PipelineStep => ({ ...s, id: `${s.id}_copy`, dependsOn: [s.id] }));
  return { ...SAMPLE_PLAN, martLevels: [SAMPLE_PLAN.martLevels[0], level1] };
}

/**
 * Storage, workgroup and alarm topic in a base stack (as in a stage), the orchestration in its own stack. The
 * lake key allows CloudWatch Logs of the account, as `LakeStorage` does.
 */
function setup(plan: PipelinePlan = SAMPLE_PLAN, overrides: Partial<PipelineOrchestrationProps> = {}, app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-po-')) })) {
  const base = new Stack(app, 'Base', { env: ENV });
  const key = new kms.Key(base, 'LakeKey', { enableKeyRotation: true });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${ENV.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
    }),
  );
  const bucket = (id: string) => new s3.Bucket(base, id, { encryptionKey: key, enforceSSL: true });
  const [raw, curated, marts, results] = ['Raw', 'Curated', 'Marts', 'Results'].map(bucket);
  const workgroup = new QueryWorkgroup(base, 'Platform', {
    workgroupName: 'lakeforge-dev-platform',
    description: 'platform',
    resultsBucket: results,
    encryptionKey: key,
    bytesScannedCutoffPerQuery: 10_000_000,
  });
  const alarmTopic = new sns.Topic(base, 'AlarmTopic', { masterKey: key, enforceSSL: true });
  const stack = new Stack(app, 'Pipeline', { env: ENV });
  const orchestration = new PipelineOrchestration(stack, 'Pipeline', {
    plan,
    goLiveDate: SAMPLE_PLAN.goLiveDate,
    curatedLookbackHours: SAMPLE_PLAN.lookbackHours,
    stateMachineName: STATE_MACHINE_NAME,
    workgroup,
    resultsBucket: results,
    rawBucket: raw,
    curatedBucket: curated,
    martsBucket: marts,
    encryptionKey: key,
    alarmTopic,
    scheduleExpression: 'cron(5 * * * ? *)',
    maintenanceScheduleExpression: 'cron(40 3 * * ? *)',
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...overrides,
  });
  return { app, base, stack, orchestration, key, raw, curated, marts, results, alarmTopic };
}

const shared = setup(twoLevelPlan());
const template = Template.fromStack(shared.stack);
const { definition, text } = definitionOf(template.toJSON());
const states = allStates(definition);
const stateNamed = (name: string): AslState => {
  const s = states[name];
  if (s === undefined) throw new Error(`no state "${name}" (states: ${Object.keys(states).join(', ')})`);
  return s;
};

/** The JSON file an item reader reads, from the staged asset in the cloud assembly. */
function itemReaderFile(app: App, state: AslState): unknown {
  const key = state.ItemReader!.Arguments.Key;
  return JSON.parse(fs.readFileSync(path.join(app.outdir, `asset.${key}`), 'utf8'));
}

const policyStatements = (roleLogicalIdPrefix: string) => {
  const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(roleLogicalIdPrefix),
  );
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement as { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[];
};
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The state machine's definition substitutions, as CloudFormation applies them (`${key}` → value). */
const SUBSTITUTIONS = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionSubstitutions as Record<string, string>;
const substituted = (field: string): string => field.replace(/\$\{(\w+)\}/g, (_m, key: string) => SUBSTITUTIONS[key]);
const RUN = {
  backfillFrom: '',
  runStartedAt: '2026-12-01T10:05:00.123Z',
  executionId: `arn:aws:states:eu-west-1:123456789012:execution:${STATE_MACHINE_NAME}:5f0c2a3e-0000-4000-8000-000000000001`,
  goLiveDate: substituted(stateNamed('Read input').Assign!.goLiveDate as string),
  lookbackHours: substituted(stateNamed('Read input').Assign!.lookbackHours as string),
};
const curatedStep = SAMPLE_PLAN.curated[0];
const martStep = SAMPLE_PLAN.martLevels[0][0];

describe('PipelineOrchestration definition', () => {
  it('starts with the guard, then runs the curated steps before the mart levels in level order', () => {
    expect(definition.QueryLanguage).toBe('JSONata');
    expect(definition.StartAt).toBe('Guard: another run in progress?');
    expect(mainPath(definition)).toEqual([
      'Guard: another run in progress?',
      'Another run in progress?',
      'Validate input',
      'Read input',
      'Route by mode',
      'Curated steps',
      'Marts level 0',
      'Marts level 1',
      'Pipeline done',
    ]);
  });

  it('reads the curated steps and each mart level from the plan asset with an S3 JSON item reader', () => {
    const curated = stateNamed('Curated steps');
    expect(curated.ItemReader).toMatchObject({ Resource: expect.stringMatching(/:states:::s3:getObject$/), ReaderConfig: { InputType: 'JSON' } });
    expect((itemReaderFile(shared.app, curated) as PipelineStep[]).map((s) => s.id)).toEqual(SAMPLE_PLAN.curated.map((s) => s.id));
    const plan = twoLevelPlan();
    for (const level of [0, 1]) {
      expect((itemReaderFile(shared.app, stateNamed(`Marts level ${level}`)) as PipelineStep[]).map((s) => s.id)).toEqual(plan.martLevels[level].map((s) => s.id));
    }
    expect((itemReaderFile(shared.app, stateNamed('Maintenance')) as { id: string }[]).map((s) => s.id)).toEqual(SAMPLE_PLAN.maintenance.map((s) => s.id));
  });

  it('writes one plan file per phase and level, with content that depends only on the plan', () => {
    const files = renderPlanFiles(twoLevelPlan());
    expect(Object.keys(files)).toEqual([PLAN_FILES.curated, PLAN_FILES.martLevel(0), PLAN_FILES.martLevel(1), PLAN_FILES.maintenance]);
    expect(renderPlanFiles(twoLevelPlan())).toEqual(files);
  });

  it('runs table steps as Standard child executions, at most maxConcurrentCuratedSteps at a time, and a level\'s marts in parallel', () => {
    for (const name of ['Curated steps', 'Marts level 0', 'Marts level 1', 'Maintenance']) {
      const map = stateNamed(name);
      expect({ name, config: map.ItemProcessor!.ProcessorConfig, max: map.MaxConcurrency }).toEqual({ name, config: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, max: 5 });
    }
    const { orchestration } = setup(SAMPLE_PLAN, { maxConcurrentCuratedSteps: 12 });
    const other = definitionOf(Template.fromStack(Stack.of(orchestration)).toJSON()).definition;
    expect(other.States['Curated steps'].MaxConcurrency).toBe(12);
  });

  it('writes the chunks of a step one at a time, in order', () => {
    const map = stateNamed('Curated: Write chunks');
    expect(map).toMatchObject({ Type: 'Map', MaxConcurrency: 1, Items: '{% $chunks %}', ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' } } });
    expect(stateNamed('Maintenance: Statements')).toMatchObject({ Type: 'Map', MaxConcurrency: 1, Items: '{% $step.statements %}' });
  });

  it('runs every Athena statement as startQueryExecution.sync in the platform workgroup, in the step\'s database', () => {
    const athena = Object.entries(states).filter(([, s]) => s.Resource?.includes(':athena:'));
    const starts = athena.filter(([, s]) => s.Resource!.includes('startQueryExecution'));
    // Window, chunks, write chunk, write, watermark, freshness in each of 3 processors, and maintenance.
    expect(starts).toHaveLength(6 * 3 + 1);
    for (const [name, s] of starts) {
      expect({ name, resource: s.Resource }).toEqual({ name, resource: expect.stringMatching(/^arn:TOKEN:states:::athena:startQueryExecution\.sync$/) });
      expect({ name, wg: s.Arguments!.WorkGroup, db: s.Arguments!.QueryExecutionContext }).toEqual({ name, wg: 'lakeforge-dev-platform', db: { Database: '{% $step.database %}' } });
    }
    expect(Object.values(states).some((s) => s.Resource?.includes('lambda'))).toBe(false);
  });

  it('retries Athena throttling with exponential backoff and jitter, and a failed statement a few times', () => {
    for (const [name, s] of Object.entries(states).filter(([, x]) => x.Resource?.includes(':athena:'))) {
      const throttling = s.Retry!.find((r) => r.ErrorEquals.includes('Athena.TooManyRequestsException'));
      expect({ name, throttling }).toEqual({
        name,
        throttling: expect.objectContaining({ BackoffRate: 2, JitterStrategy: 'FULL', MaxAttempts: 8, MaxDelaySeconds: 300 }),
      });
      expect(s.Retry![0]).toBe(throttling);
      if (s.Resource!.includes('startQueryExecution')) {
        expect({ name, failed: s.Retry![1] }).toEqual({ name, failed: expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3, BackoffRate: 2 }) });
      }
    }
  });

  it('catches nothing at the top level, so a redrive continues from the state that failed', () => {
    for (const name of ['Guard: another run in progress?', 'Curated steps', 'Marts level 0', 'Marts level 1', 'Maintenance']) {
      expect({ name, catch: stateNamed(name).Catch }).toEqual({ name, catch: undefined });
    }
    const raw = JSON.stringify(Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionString);
    expect(raw).not.toContain(':states:::sns:publish');
  });

  it('publishes failed, timed-out and aborted executions of this state machine to the alarm topic with the redrive command', () => {
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0].Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: shared.stack.getLogicalId(shared.orchestration.stateMachine.node.defaultChild as never) }] },
    });
    expect(JSON.stringify(rule.Targets[0].Arn)).toContain('AlarmTopic');
    const transformer = rule.Targets[0].InputTransformer;
    expect(transformer.InputPathsMap).toEqual({ 'detail-executionArn': '$.detail.executionArn', 'detail-status': '$.detail.status', 'detail-error': '$.detail.error', 'detail-cause': '$.detail.cause' });
    expect(transformer.InputTemplate).toContain('redrive-execution');
  });

  it('lets EventBridge publish to the alarm topic (topic policy in the topic\'s own stack)', () => {
    const policies = Template.fromStack(shared.base).findResources('AWS::SNS::TopicPolicy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as { Principal?: { Service?: string }; Action: string }[]);
    expect(statements.some((st) => st.Principal?.Service === 'events.amazonaws.com' && st.Action === 'sns:Publish')).toBe(true);
  });

  it('keeps the definition the same size whatever the number of curated steps (300 tables fit)', () => {
    const lengthFor = (n: number) => {
      const plan = renderPipelinePlan('dev', [], Array.from({ length: n }, (_, k) => syntheticContract(k)), { goLiveDate: '2026-11-01', lookbackHours: 3 });
      const { stack } = setup(plan);
      return definitionOf(Template.fromStack(stack).toJSON()).text.length;
    };
    const small = lengthFor(2);
    expect(lengthFor(300)).toBe(small);
    expect(text.length).toBeLessThan(200_000);
  });
});

describe('PipelineOrchestration guard and input', () => {
  const guard = stateNamed('Guard: another run in progress?');
  const me = { Id: RUN.executionId, StartTime: '2026-12-01T10:05:00.123Z' };
  const other = (arn: string, start: string | number) => ({ ExecutionArn: arn, StartDate: start, Status: 'RUNNING' });
  const blocker = (executions: unknown[]) => evaluateField(`{% ${GUARD_EXPRESSION} %}`, { states: { context: { Execution: me }, result: { Executions: executions } } });
  const earlierArn = `arn:aws:states:eu-west-1:123456789012:execution:${STATE_MACHINE_NAME}:earlier`;

  it('lists the RUNNING executions of its own state machine first', () => {
    expect(guard.Resource).toMatch(/:states:::aws-sdk:sfn:listExecutions$/);
    expect(guard.Arguments).toEqual({ StateMachineArn: `arn:TOKEN:states:eu-west-1:123456789012:stateMachine:${STATE_MACHINE_NAME}`, StatusFilter: 'RUNNING', MaxResults: 1000 });
    expect(guard.Assign).toEqual({ blocker: `{% ${GUARD_EXPRESSION} %}` });
    expect(stateNamed('Another run in progress?').Choices).toEqual([{ Condition: '{% $blocker != "" %}', Next: 'Skipped: another run in progress' }]);
  });

  it.each([
    ['only this execution runs', [{ ExecutionArn: RUN.executionId, StartDate: me.StartTime }], ''],
    ['an execution that started earlier runs (ISO timestamp)', [other(earlierArn, '2026-12-01T09:05:00.001Z')], earlierArn],
    ['an execution that started earlier runs (epoch seconds)', [other(earlierArn, 1_764_579_900.001)], earlierArn],
    ['an execution that started later runs', [other(earlierArn, '2026-12-01T10:06:00.000Z')], ''],
    ['another one started at the same time with a smaller ARN', [other(`${RUN.executionId.slice(0, -1)}0`, me.StartTime)], `${RUN.executionId.slice(0, -1)}0`],
    ['another one started at the same time with a larger ARN', [other(`${RUN.executionId.slice(0, -1)}2`, me.StartTime)], ''],
    ['no execution is listed', [], ''],
  ])('finds the blocking execution when %s', async (_case, executions, expected) => {
    await expect(blocker(executions)).resolves.toBe(expected);
  });

  it('names the oldest of several earlier executions, and ends the execution with "skipped: <arn> is running"', async () => {
    await expect(blocker([other(`${earlierArn}-2`, '2026-12-01T09:30:00Z'), other(earlierArn, '2026-12-01T09:00:00Z'), { ExecutionArn: RUN.executionId, StartDate: me.StartTime }])).resolves.toBe(earlierArn);
    const skipped = stateNamed('Skipped: another run in progress');
    expect(skipped.Type).toBe('Succeed');
    await expect(evaluateField((skipped.Output as { skipped: string }).skipped, { blocker: earlierArn })).resolves.toBe(`skipped: ${earlierArn} is running`);
  });

  it.each([
    [{}, true],
    [{ backfillFrom: '2026-10-15' }, true],
    [{ mode: 'maintenance' }, true],
    [{ backfillFrom: '2026-10-5' }, false],
    [{ backfillFrom: "2026-10-15' OR '1'='1" }, false],
    [{ backfillFrom: 20261015 }, false],
    [{ mode: 'everything' }, false],
  ])('treats the execution input %j as valid: %s', async (input, valid) => {
    const choice = stateNamed('Validate input').Choices![0];
    expect(choice.Next).toBe('Invalid input');
    await expect(evaluateField(choice.Condition, { states: { input } })).resolves.toBe(!valid);
  });

  it('fails an invalid input with a clear error, and routes {"mode":"maintenance"} to maintenance', async () => {
    expect(stateNamed('Invalid input')).toMatchObject({ Type: 'Fail', Error: INVALID_INPUT_ERROR });
    const route = stateNamed('Route by mode');
    expect(route.Choices![0].Next).toBe('Maintenance');
    await expect(evaluateField(route.Choices![0].Condition, { states: { input: { mode: 'maintenance' } } })).resolves.toBe(true);
    await expect(evaluateField(route.Choices![0].Condition, { states: { input: {} } })).resolves.toBe(false);
    expect(stateNamed('Maintenance').Next).toBe('Maintenance done');
  });

  it('takes the go-live date and the lookback from its definition substitutions, into every table step\'s run values', async () => {
    expect(SUBSTITUTIONS).toEqual({ [DEFINITION_SUBSTITUTIONS.goLiveDate]: SAMPLE_PLAN.goLiveDate, [DEFINITION_SUBSTITUTIONS.lookbackHours]: String(SAMPLE_PLAN.lookbackHours) });
    const assign = stateNamed('Read input').Assign!;
    expect({ goLiveDate: assign.goLiveDate, lookbackHours: assign.lookbackHours }).toEqual({ goLiveDate: '${goLiveDate}', lookbackHours: '${curatedLookbackHours}' });
    // The substitution keys are the only ${…} of the definition: CloudFormation touches nothing else.
    expect([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).sort()).toEqual(Object.values(DEFINITION_SUBSTITUTIONS).sort());
    const selector = stateNamed('Curated steps').ItemSelector!;
    const item = await evaluateField(selector, { states: { context: { Map: { Item: { Value: curatedStep } } } }, ...RUN });
    expect(item).toEqual({ step: curatedStep, run: RUN });
  });

  it('defaults backfillFrom to the empty string and takes the run start and id from the context', async () => {
    const assign = stateNamed('Read input').Assign!;
    const ctx = { context: { Execution: { Id: RUN.executionId, StartTime: RUN.runStartedAt } } };
    await expect(evaluateField(assign.backfillFrom, { states: { input: {}, ...ctx } })).resolves.toBe('');
    await expect(evaluateField(assign.backfillFrom, { states: { input: { backfillFrom: '2026-10-15' }, ...ctx } })).resolves.toBe('2026-10-15');
    await expect(evaluateField(assign.runStartedAt, { states: ctx })).resolves.toBe(RUN.runStartedAt);
    await expect(evaluateField(assign.executionId, { states: ctx })).resolves.toBe(RUN.executionId);
  });
});

describe('PipelineOrchestration statements (same SQL as fillTemplate)', () => {
  const query = (name: string) => stateNamed(name).Arguments!.QueryString;
  const window = { sinceDt: '2026-11-30', sinceHour: '07' };
  const chunk = { chunk: '205', lo: '2026-11-24', hi: '2026-11-30' };

  it.each(['', '2026-10-15'])('fills the window query of a curated step with backfillFrom "%s", the go-live date and the lookback', async (backfillFrom) => {
    const sql = await evaluateField(query('Curated: Window query'), { step: curatedStep, run: { ...RUN, backfillFrom }, window: {} });
    expect(sql).toBe(fillTemplate(curatedStep.windowQuery!, { backfillFrom, ...windowSettingValues(SAMPLE_PLAN) }));
    expect(sql).toContain(`CAST('${SAMPLE_PLAN.goLiveDate}' AS timestamp)`);
    expect(sql).toContain(`INTERVAL '${SAMPLE_PLAN.lookbackHours}' HOUR`);
  });

  it.each([
    ['go_live_date', { goLiveDate: "2026-11-01' OR '1'='1" }],
    ['go_live_date', { goLiveDate: '{{resolve:ssm:/lakeforge/dev/pipeline/go-live-date}}' }],
    ['lookback_hours', { lookbackHours: '3 HOUR' }],
    ['lookback_hours', { lookbackHours: '0' }],
  ])('fails the window query\'s state, like fillTemplate, when the deployed %s is %j', async (name, bad) => {
    const values = { ...windowSettingValues(SAMPLE_PLAN), ...bad };
    expect(() => fillTemplate(curatedStep.windowQuery!, values)).toThrow(/does not match/);
    await expect(evaluateField(query('Curated: Window query'), { step: curatedStep, run: { ...RUN, ...bad }, window: {} })).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^Pipeline template value ${name} = ".*" does not match`)),
    });
  });

  it('fills the chunks query with the window', async () => {
    const sql = await evaluateField(query('Curated: Chunks query'), { step: curatedStep, run: RUN, window });
    expect(sql).toBe(fillTemplate(curatedStep.chunksQuery!, window));
  });

  it('fills the write of one chunk with the window and the chunk\'s bounds', async () => {
    const sql = await evaluateField(query('Curated: Write chunk'), { step: curatedStep, run: RUN, window, states: { input: chunk } });
    expect(sql).toBe(fillTemplate(curatedStep.writeStatement, { ...window, ...chunk }));
  });

  it('fills the watermark with the execution start time and id', async () => {
    const sql = await evaluateField(query('Curated: Watermark'), { step: curatedStep, run: RUN, window });
    expect(sql).toBe(fillTemplate(curatedStep.watermarkStatement!, { runStartedAt: RUN.runStartedAt, executionId: RUN.executionId }));
    expect(sql).toContain(`'${RUN.executionId}'`);
  });

  it('fills the write of a mart (no window) and of one chunk of a partitioned mart', async () => {
    const run = { step: martStep, run: RUN, window: {} };
    await expect(evaluateField(query('Marts 0: Write'), run)).resolves.toBe(fillTemplate(martStep.writeStatement, {}));
    const partitioned: PipelineStep = { ...martStep, chunksQuery: 'SELECT 1', writeStatement: "MERGE INTO x USING (SELECT 1) AS s ON s.c = '{{chunk}}' WHEN NOT MATCHED THEN INSERT (c) VALUES ('{{chunk}}')" };
    const mart = { chunk: '3', lo: '3', hi: '3' };
    await expect(evaluateField(query('Marts 0: Write chunk'), { ...run, step: partitioned, states: { input: mart } })).resolves.toBe(fillTemplate(partitioned.writeStatement, mart));
  });

  it.each([
    ['lo', { ...chunk, lo: "2026-11-24' OR '1'='1" }],
    ['chunk', { ...chunk, chunk: '1; DROP' }],
  ])('fails the state, like fillTemplate, when %s does not match its pattern', async (_name, bad) => {
    const bindings = { step: curatedStep, run: RUN, window, states: { input: bad } };
    expect(() => fillTemplate(curatedStep.writeStatement, { ...window, ...bad })).toThrow(/does not match/);
    await expect(evaluateField(query('Curated: Write chunk'), bindings)).rejects.toMatchObject({ message: expect.stringMatching(/^Pipeline template value (lo|chunk) = ".*" does not match \//) });
  });

  it('fails the state rather than send a statement that still holds a placeholder (window result missing)', async () => {
    await expect(evaluateField(query('Curated: Chunks query'), { step: curatedStep, run: RUN, window: {} })).rejects.toMatchObject({ message: expect.stringMatching(/still holds a placeholder/) });
  });

  it('reads the window, the chunks (always an array) and the freshness from GetQueryResults rows', async () => {
    const rows = (...r: (string | null)[][]) => ({ ResultSet: { Rows: r.map((cells) => ({ Data: cells.map((c) => (c === null ? {} : { VarCharValue: c })) })) } });
    const windowAssign = stateNamed('Curated: Window result').Assign!;
    await expect(evaluateField(windowAssign.window, { states: { result: rows(['since_dt', 'since_hour'], ['2026-11-30', '07']) } })).resolves.toEqual(window);
    const chunksAssign = stateNamed('Curated: Chunks result').Assign!;
    const header = ['chunk', 'lo', 'hi', 'partitions', 'row_count'];
    await expect(evaluateField(chunksAssign.chunks, { states: { result: rows(header, ['205', '2026-11-24', '2026-11-30', '7', '12']) } })).resolves.toEqual([chunk]);
    await expect(evaluateField(chunksAssign.chunks, { states: { result: rows(header) } })).resolves.toEqual([]);
    await expect(evaluateField(chunksAssign.chunksTruncated, { states: { result: { ...rows(header), NextToken: 'abc' } } })).resolves.toBe(true);
    expect(stateNamed('Curated: Chunks fit one page?').Choices![0]).toEqual({ Condition: '{% $chunksTruncated %}', Next: 'Curated: Too many chunks' });
    expect(stateNamed('Curated: Too many chunks')).toMatchObject({ Type: 'Fail', Error: TOO_MANY_CHUNKS_ERROR });
    const fresh = stateNamed('Curated: Freshness result').Assign!.freshness;
    await expect(evaluateField(fresh, { states: { result: rows(['freshness_seconds', 'event_lag_seconds'], ['120.5', '-3.0']) } })).resolves.toEqual({ freshness: 120.5, eventLag: -3 });
    await expect(evaluateField(fresh, { states: { result: rows(['freshness_seconds', 'event_lag_seconds'], [null, null]) } })).resolves.toEqual({});
  });

  it('publishes the two freshness metrics of the table only when known, and never fails the run on a freshness error', async () => {
    const known = stateNamed('Curated: Freshness known?').Choices![0];
    expect(known.Next).toBe('Curated: Publish freshness');
    await expect(evaluateField(known.Condition, { freshness: {} })).resolves.toBe(false);
    await expect(evaluateField(known.Condition, { freshness: { freshness: 1, eventLag: 2 } })).resolves.toBe(true);
    const publish = stateNamed('Curated: Publish freshness');
    expect(publish.Resource).toMatch(/:states:::aws-sdk:cloudwatch:putMetricData$/);
    expect(publish.Arguments).toMatchObject({
      Namespace: 'Lakeforge',
      MetricData: [
        { MetricName: 'CuratedFreshnessSeconds', Unit: 'Seconds', Dimensions: [{ Name: 'service', Value: 'lakeforge-pipeline' }, { Name: 'Table', Value: '{% $step.table.table %}' }] },
        { MetricName: 'CuratedEventLagSeconds', Unit: 'Seconds', Dimensions: [{ Name: 'service', Value: 'lakeforge-pipeline' }, { Name: 'Table', Value: '{% $step.table.table %}' }] },
      ],
    });
    for (const name of ['Curated: Freshness query', 'Curated: Freshness result', 'Curated: Publish freshness']) {
      expect({ name, catch: stateNamed(name).Catch }).toEqual({ name, catch: [{ ErrorEquals: ['States.ALL'], Next: 'Curated: Freshness read failed' }] });
    }
  });
});

describe('PipelineOrchestration resources', () => {
  it('is a Standard state machine with its physical name, logging ALL without execution data, and tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: STATE_MACHINE_NAME,
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [Match.objectLike({})] },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('logs to a log group encrypted with the lake key, retained by default', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: { LogGroupName: `/aws/vendedlogs/states/${STATE_MACHINE_NAME}`, RetentionInDays: 30, KmsKeyId: Match.anyValue() },
    });
  });

  it('starts the pipeline with {} and maintenance with {"mode":"maintenance"}, with retries and an encrypted dead-letter queue', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules.map((s) => [s.Properties.ScheduleExpression, s.Properties.Target.Input]).sort()).toEqual([
      ['cron(40 3 * * ? *)', '{"mode":"maintenance"}'],
      ['cron(5 * * * ? *)', '{}'],
    ]);
    for (const s of schedules) {
      expect(s.Properties.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(s.Properties.Target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelinePipelineScheduleDeadLetterQueue/), 'Arn'] });
      expect(s.Properties.Target.Arn).toEqual({ Ref: expect.stringMatching(/^PipelinePipelineStateMachine/) });
    }
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('grants in one managed policy per role, with no inline policy and no wildcard action', () => {
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toEqual([]);
    for (const role of ['PipelinePipelineRole', 'PipelinePipelineSchedulerRole']) {
      for (const s of policyStatements(role)) for (const a of actionsOf(s)) expect({ sid: s.Sid, a }).toEqual({ sid: s.Sid, a: expect.not.stringContaining('*') });
    }
  });

  it('may delete objects in the curated and marts buckets (VACUUM) but only read raw events and batch files', () => {
    const statements = policyStatements('PipelinePipelineRole');
    const deleting = statements.filter((s) => actionsOf(s).includes('s3:DeleteObject'));
    expect(deleting).toHaveLength(1);
    const resources = JSON.stringify(deleting[0].Resource);
    expect(resources).toMatch(/GetAttCurated.*\/\*/);
    expect(resources).toMatch(/GetAttMarts.*\/\*/);
    expect(resources).not.toMatch(/GetAttRaw|GetAttResults/);
    const raw = statements.find((s) => s.Sid === 'ReadRawData')!;
    expect(actionsOf(raw)).toEqual(['s3:GetObject']);
    expect(JSON.stringify(raw.Resource)).toMatch(/\/events\/\*.*\/batch\/\*/);
  });

  it('limits PutMetricData to the Lakeforge namespace and lets the role run and redrive its own Map Run children', () => {
    const statements = policyStatements('PipelinePipelineRole');
    expect(statements.find((s) => actionsOf(s).includes('cloudwatch:PutMetricData'))!.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Lakeforge' } });
    const children = statements.find((s) => s.Sid === 'ManageMapRunChildren')!;
    expect(actionsOf(children)).toEqual(['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']);
    expect(JSON.stringify(children.Resource)).toContain(`:execution:${STATE_MACHINE_NAME}/Curated:*`);
    expect(JSON.stringify(children.Resource)).toContain(`:execution:${STATE_MACHINE_NAME}/MartsLevel1:*`);
    expect(JSON.stringify(statements.find((s) => s.Sid === 'GuardListExecutions')!.Resource)).toContain(`:stateMachine:${STATE_MACHINE_NAME}`);
    expect(statements.flatMap(actionsOf)).not.toContain('sns:Publish');
  });

  it('lets the schedules start only this state machine', () => {
    const statements = policyStatements('PipelinePipelineSchedulerRole');
    expect(statements.map((s) => actionsOf(s))).toEqual([['states:StartExecution'], ['sqs:SendMessage'], ['kms:Decrypt', 'kms:GenerateDataKey']]);
  });

  it.each([
    [{ maxConcurrentCuratedSteps: 0 }, /maxConcurrentCuratedSteps must be a whole number from 1 to 40, got 0/],
    [{ maxConcurrentCuratedSteps: 2.5 }, /maxConcurrentCuratedSteps must be a whole number from 1 to 40, got 2.5/],
    [{ stateMachineName: 'lakeforge dev pipeline' }, /stateMachineName must be 1–80 letters, digits, '-' or '_', got "lakeforge dev pipeline"/],
    [{ goLiveDate: '1 Nov 2026' }, /PipelineOrchestration: goLiveDate must be YYYY-MM-DD, got "1 Nov 2026"/],
    [{ curatedLookbackHours: 0 }, /PipelineOrchestration: curatedLookbackHours must be a whole number from 1 to 99999, got 0/],
    [{ curatedLookbackHours: 1.5, goLiveDate: Token.asString({ resolve: () => '2026-11-01' }) }, /curatedLookbackHours must be a whole number from 1 to 99999, got 1.5/],
    [{ martsBucket: undefined }, /martsBucket is required unless a dataScope without mart prefixes runs a plan without marts/],
    [{ dataScope: { rawPrefixes: [], curatedPrefixes: ['events/x/'] } }, /dataScope needs at least one raw prefix and one curated prefix/],
    [{ dataScope: { rawPrefixes: ['events/x'], curatedPrefixes: ['events/x/'] } }, /dataScope prefix "events\/x" must be a key prefix ending in '\/'/],
  ])('fails when %j', (overrides, message) => {
    expect(() => setup(SAMPLE_PLAN, overrides)).toThrow(message);
  });

  it('synthesizes with zero unacknowledged policy findings in its stack (all four packs)', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-po-nag-')) });
    // The fixture keeps its logs a month, as dev/acc do: Control Tower's one-year minimum is acknowledged for that retention.
    registerPolicyPacks(app, { logRetentionDays: 30 });
    setup(SAMPLE_PLAN, {}, app);
    try {
      app.synth();
    } catch {
      // Findings in the base stack's fixtures (buckets without access logs) fail synth; only ours are asserted.
    }
    const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs: { constructPath?: string }[] }[] }[];
    };
    const ours = report.pluginReports.flatMap((r) =>
      r.violations.flatMap((v) => v.violatingConstructs.filter((c) => c.constructPath?.startsWith('Pipeline/')).map((c) => `${v.ruleName} ${c.constructPath}`)),
    );
    expect(ours).toEqual([]);
    expect(report.pluginReports.map((r) => r.pluginName).length).toBeGreaterThan(0);
  });
});

describe('PipelineOrchestration metrics', () => {
  it('exposes the freshness metric of a curated table with the dimensions the pipeline publishes', () => {
    const m = shared.orchestration.metricCuratedFreshness('rating_submitted_v1', 'eventLag');
    expect({ ns: m.namespace, name: m.metricName, dims: m.dimensions, stat: m.statistic }).toEqual({
      ns: 'Lakeforge',
      name: 'CuratedEventLagSeconds',
      dims: { service: 'lakeforge-pipeline', Table: 'rating_submitted_v1' },
      stat: 'Maximum',
    });
  });

  it('counts failed executions of its own state machine', () => {
    const m = shared.orchestration.metricFailedExecutions();
    expect({ ns: m.namespace, name: m.metricName, stat: m.statistic }).toEqual({ ns: 'AWS/States', name: 'ExecutionsFailed', stat: 'Sum' });
    expect(Object.keys(m.dimensions ?? {})).toEqual(['StateMachineArn']);
  });
});

describe('PipelineOrchestration with deploy-time window settings (a product team\'s handles)', () => {
  const goLive = new CfnDynamicReference(CfnDynamicReferenceService.SSM, '/lakeforge/dev/pipeline/go-live-date').toString();
  const lookback = Token.asNumber(new CfnDynamicReference(CfnDynamicReferenceService.SSM, '/lakeforge/dev/pipeline/curated-lookback-hours'));
  const tokens = setup(SAMPLE_PLAN, { goLiveDate: goLive, curatedLookbackHours: lookback });
  const machine = Template.fromStack(tokens.stack).findResources('AWS::StepFunctions::StateMachine');
  const props = Object.values(machine)[0].Properties;

  it('passes dynamic references to the state machine as definition substitutions, which CloudFormation resolves', () => {
    expect(props.DefinitionSubstitutions).toEqual({
      goLiveDate: '{{resolve:ssm:/lakeforge/dev/pipeline/go-live-date}}',
      curatedLookbackHours: '{{resolve:ssm:/lakeforge/dev/pipeline/curated-lookback-hours}}',
    });
    // The definition itself is the one of literal values: only the substitutions differ.
    const literal = Object.values(Template.fromStack(setup(SAMPLE_PLAN).stack).findResources('AWS::StepFunctions::StateMachine'))[0].Properties;
    expect(JSON.stringify(props.DefinitionString) === JSON.stringify(literal.DefinitionString)).toBe(true);
    expect(literal.DefinitionSubstitutions).toEqual({ goLiveDate: SAMPLE_PLAN.goLiveDate, curatedLookbackHours: String(SAMPLE_PLAN.lookbackHours) });
  });

  it('publishes a plan asset free of deploy-time values (CloudFormation resolves nothing inside an asset)', () => {
    const files = fs.readdirSync(path.join(tokens.app.outdir, '.lakeforge')).map((f) => fs.readFileSync(path.join(tokens.app.outdir, '.lakeforge', f), 'utf8'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(f).not.toContain('resolve:ssm');
      expect(f).not.toContain('${Token');
    }
    expect(files.join('\n')).toContain(PLACEHOLDERS.goLiveDate);
  });
});
