import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ICEBERG_TABLES_RESOURCE_TYPE as LAKEFORGE_ICEBERG_TABLES } from '../../../lambdas/shared/table-ddl-properties';
import { cfnProperties, dig, type LakeforgeRule, type RuleCompliance, targetOf } from './rule';

/** An Iceberg table location: the bucket resource and the key prefix (`''` for the whole bucket). */
interface IcebergLocation {
  readonly bucket: CfnResource;
  readonly prefix: string;
}

/**
 * The `s3://<bucket>/<prefix>` locations of every Iceberg table below the app root: `Custom::LakeforgeIcebergTables`
 * (`Tables[].Location`) and `AWS::Glue::Table`s with Iceberg input or `table_type=ICEBERG`. Only locations whose
 * bucket is a resource of the app (a reference, same stack or cross-stack) are returned.
 */
export function icebergLocations(scope: IConstruct): IcebergLocation[] {
  const root = scope.node.root;
  const cached = locationsByRoot.get(root);
  if (cached !== undefined) return cached;
  const out: IcebergLocation[] = [];
  for (const c of root.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const p = cfnProperties(c);
    const locations: unknown[] = [];
    if (c.cfnResourceType === LAKEFORGE_ICEBERG_TABLES) {
      for (const t of (Array.isArray(p.Tables) ? p.Tables : [])) locations.push(dig(t, 'Location'));
    } else if (c.cfnResourceType === 'AWS::Glue::Table') {
      const iceberg = dig(p, 'OpenTableFormatInput', 'IcebergInput') !== undefined || String(dig(p, 'TableInput', 'Parameters', 'table_type')).toUpperCase() === 'ICEBERG';
      if (iceberg) locations.push(dig(p, 'TableInput', 'StorageDescriptor', 'Location'));
    }
    for (const loc of locations) {
      const parsed = parseLocation(c, loc);
      if (parsed !== undefined) out.push(parsed);
    }
  }
  locationsByRoot.set(root, out);
  return out;
}

// Memoized per app root: the locations are final once the app is synthesized (rules run after synthesis).
const locationsByRoot = new WeakMap<IConstruct, IcebergLocation[]>();

/** `s3://` + bucket reference + `/prefix/` as CloudFormation renders it (`Fn::Join` of a literal, a reference, a literal). */
function parseLocation(from: CfnResource, location: unknown): IcebergLocation | undefined {
  const parts = dig(location, 'Fn::Join') as [string, unknown[]] | undefined;
  if (!Array.isArray(parts) || !Array.isArray(parts[1])) return undefined;
  const items = parts[1];
  for (let i = 0; i < items.length; i++) {
    const bucket = targetOf(from, items[i]);
    if (bucket?.cfnResourceType !== 'AWS::S3::Bucket') continue;
    const rest = items.slice(i + 1).map((x) => (typeof x === 'string' ? x : '*')).join(parts[0]);
    return { bucket, prefix: rest.replace(/^\//, '') };
  }
  return undefined;
}

/**
 * LF-ICEBERG-1: no lifecycle rule expires current objects under an Iceberg table's location (`ExpirationInDays`,
 * `ExpirationDate`). Iceberg tracks its data and metadata files itself: S3 deleting one of them corrupts the table
 * (snapshot expiry and orphan-file removal are done with Iceberg's own maintenance, e.g. Athena `VACUUM`,
 * https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html). Noncurrent-version expiration and aborting
 * incomplete uploads remain allowed. Evaluated on each bucket that holds an Iceberg table of the app.
 */
export const IcebergLocationNotExpired: LakeforgeRule = {
  id: 'LF-ICEBERG-1',
  description: 'No lifecycle rule expires current objects under the location of an Iceberg table.',
  explanation: 'S3 expiring an Iceberg data or metadata file corrupts the table; Iceberg maintenance removes files instead.',
  scope: 'resource',
  check(node: IConstruct): RuleCompliance {
    if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== 'AWS::S3::Bucket') return 'not_applicable';
    const prefixes = icebergLocations(node).filter((l) => l.bucket === node).map((l) => l.prefix);
    if (prefixes.length === 0) return 'not_applicable';
    const rules = dig(cfnProperties(node), 'LifecycleConfiguration', 'Rules');
    for (const rule of Array.isArray(rules) ? rules : []) {
      if (dig(rule, 'Status') === 'Disabled') continue;
      if (dig(rule, 'ExpirationInDays') === undefined && dig(rule, 'ExpirationDate') === undefined) continue;
      const rulePrefix = String(dig(rule, 'Prefix') ?? '');
      if (prefixes.some((p) => p.startsWith(rulePrefix) || rulePrefix.startsWith(p.split('*')[0]))) return 'non_compliant';
    }
    return 'compliant';
  },
};
