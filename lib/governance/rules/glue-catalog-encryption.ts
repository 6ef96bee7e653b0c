import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnProperties, type LakeforgeRule, type RuleCompliance } from './rule';

const SETTINGS = 'AWS::Glue::DataCatalogEncryptionSettings';

/** `<account>/<region>` of the catalog a settings resource configures (its `CatalogId`, else its stack's account). */
function catalogKey(node: CfnResource): string {
  const stack = Stack.of(node);
  const catalogId = cfnProperties(node).CatalogId;
  return `${typeof catalogId === 'string' ? catalogId : stack.account}/${stack.region}`;
}

/**
 * LF-GLUE-1: the Data Catalog encryption settings of an account and region have exactly one owner in the whole
 * app, across stages. A Data Catalog has one set of encryption settings per account and region
 * (https://docs.aws.amazon.com/glue/latest/dg/encrypt-glue-data-catalog.html): two stacks declaring
 * `AWS::Glue::DataCatalogEncryptionSettings` for the same catalog overwrite each other on every deployment.
 * An app-level check: every settings resource is compared with all others below the app root.
 */
export const GlueCatalogEncryptionSingleOwner: LakeforgeRule = {
  id: 'LF-GLUE-1',
  description: 'Exactly one resource in the app owns the Glue Data Catalog encryption settings of an account and region.',
  explanation: 'Two owners of the same catalog settings overwrite each other on every deployment (e.g. dev and acc in one account).',
  scope: 'resource',
  check(node: IConstruct): RuleCompliance {
    if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== SETTINGS) return 'not_applicable';
    const key = catalogKey(node);
    const owners = node.node.root.node
      .findAll()
      .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === SETTINGS && catalogKey(c) === key);
    return owners.length === 1 ? 'compliant' : 'non_compliant';
  },
};
