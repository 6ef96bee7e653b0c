import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { loadAllConfigs } from '../../config';
import { PlatformParameters, type PlatformParametersProps } from '../../lib/constructs/platform/platform-parameters';
import {
  DATABASE_HANDLES,
  OPTIONAL_PLATFORM_PARAMETERS,
  PLATFORM_PARAMETERS,
  platformParameterName,
  workgroupParameterKey,
} from '../../lib/platform/parameter-names';
import { CATALOG_ZONES, stageId, workgroupName } from '../../lib/shared/naming';
import { lakeforgeApp } from '../helpers/app';

const CONFIGS = loadAllConfigs();

/** The parameter names an environment's Handles stack must write, derived from the key layout and its config. */
function expectedNames(config: (typeof CONFIGS)[number]): string[] {
  const keys = [
    ...Object.values(PLATFORM_PARAMETERS),
    ...['platform', 'analysts', ...config.analytics.extraWorkgroups].map(workgroupParameterKey),
    ...(config.catalog.manageCatalogEncryption ? [OPTIONAL_PLATFORM_PARAMETERS.catalogKeyArn] : []),
  ];
  return keys.map((k) => platformParameterName(config.name, k)).sort();
}

function parameters(env: string): Record<string, { Properties: { Name: string; Type: string; Value: unknown } }> {
  const template = lakeforgeApp().template(`${stageId(env)}/Handles`);
  return template.findResources('AWS::SSM::Parameter') as never;
}

function valueOf(env: string, key: string): unknown {
  const name = platformParameterName(env, key);
  const found = Object.values(parameters(env)).find((p) => p.Properties.Name === name);
  if (!found) throw new Error(`no parameter ${name}`);
  return found.Properties.Value;
}

describe('PlatformParameters (the Handles stack of each stage)', () => {
  it.each(CONFIGS.map((c) => [c.name, c] as const))('writes every handle of %s under /lakeforge/<env>/ as a String parameter', (env, config) => {
    const written = Object.values(parameters(env));
    expect(written.map((p) => p.Properties.Name).sort()).toEqual(expectedNames(config));
    for (const p of written) {
      expect(p.Properties.Name.startsWith(`/lakeforge/${env}/`)).toBe(true);
      expect(p.Properties.Type).toBe('String');
    }
  });

  it.each(CONFIGS.map((c) => [c.name, c] as const))('publishes the names people type in %s as the platform builds them', (env, config) => {
    expect(valueOf(env, PLATFORM_PARAMETERS.goLiveDate)).toBe(config.pipeline.goLiveDate);
    for (const short of ['platform', 'analysts', ...config.analytics.extraWorkgroups]) {
      expect(valueOf(env, workgroupParameterKey(short))).toBe(workgroupName(env, short));
    }
    expect(valueOf(env, PLATFORM_PARAMETERS.tableDdlWorkgroupName)).toBe(workgroupName(env, 'platform'));
    // Glue databases are referenced from the Catalog stack (an export of each zone's database).
    const catalog = lakeforgeApp().stages[stageId(env)].catalog.catalog;
    for (const zone of CATALOG_ZONES) {
      const database = { raw: catalog.rawDatabase, curated: catalog.curatedDatabase, marts: catalog.martsDatabase }[zone];
      expect(JSON.stringify(valueOf(env, PLATFORM_PARAMETERS[DATABASE_HANDLES[zone]]))).toContain(`${stageId(env)}-Catalog:ExportsOutputRef${database.node.path.split('/').slice(2).join('')}`);
    }
  });

  it('publishes the resources of the stage it belongs to (stream, key, buckets, functions, topic)', () => {
    const { stages } = lakeforgeApp();
    const dev = stages.Dev;
    const stack = dev.handles;
    const imports = (key: string) => JSON.stringify(valueOf('dev', key));
    // Cross-stack values become Fn::ImportValue of the producing stack's exports: compare by the export's stack.
    expect(imports(PLATFORM_PARAMETERS.ingestStreamArn)).toMatch(/Dev-Ingestion:.*IngestionStream.*Arn/);
    expect(imports(PLATFORM_PARAMETERS.ingestStreamName)).toMatch(/Dev-Ingestion:.*RefIngestionStream/);
    expect(imports(PLATFORM_PARAMETERS.lakeKeyArn)).toMatch(/Dev-Storage:.*LakeKey.*Arn/);
    for (const zone of ['Raw', 'Curated', 'Marts', 'Quarantine', 'Registry']) {
      expect(imports(`storage/${zone.toLowerCase()}-bucket-name`)).toMatch(new RegExp(`Dev-Storage:.*Lake${zone}`));
    }
    expect(imports(PLATFORM_PARAMETERS.tableDdlFunctionArn)).toMatch(/Dev-Analytics:.*TableDdl.*Arn/);
    expect(imports(PLATFORM_PARAMETERS.tableDdlFunctionName)).toMatch(/Dev-Analytics:.*RefTableDdl/);
    expect(imports(PLATFORM_PARAMETERS.registryPublisherFunctionArn)).toMatch(/Dev-Analytics:.*RegistryPublisher.*Arn/);
    expect(imports(PLATFORM_PARAMETERS.alarmTopicArn)).toMatch(/Dev-Monitoring:.*AlarmTopic/);
    expect(imports(OPTIONAL_PLATFORM_PARAMETERS.catalogKeyArn)).toMatch(/Dev-Catalog:.*CatalogEncryption/);
    expect(valueOf('dev', PLATFORM_PARAMETERS.producerPolicyArn)).toEqual({ Ref: stack.getLogicalId(stack.handles.producerPolicy.node.defaultChild as never) });
  });

  it('creates a producer policy with exactly the statements DataProduct.produceStatements grants', () => {
    lakeforgeApp()
      .template('Dev/Handles')
      .hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Sid: 'PutRecords', Action: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards', 'kinesis:DescribeStreamSummary'] }),
            Match.objectLike({ Sid: 'EncryptRecords', Action: 'kms:GenerateDataKey' }),
          ],
        },
      });
  });

  it('fails when the go-live date is not a calendar date', () => {
    const props = { environmentName: 'dev', goLiveDate: '2024-02-30' } as PlatformParametersProps;
    expect(() => new PlatformParameters(new Stack(new App(), 'S'), 'P', props)).toThrow(/PlatformParameters: goLiveDate: .*"2024-02-30"/);
  });

  it('fails when the environment name is not one', () => {
    const props = { environmentName: 'Dev', goLiveDate: '2024-01-01' } as PlatformParametersProps;
    expect(() => new PlatformParameters(new Stack(new App(), 'S'), 'P', props)).toThrow(/Invalid environment name "Dev"/);
  });
});
