import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import type { DataProduct } from './data-product';

/**
 * The most characters a customer-managed IAM policy document may have (white space not counted).
 * Source: AWS IAM User Guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
 * "Managed policy size: 6,144 characters"; the same page limits a role to 10 attached managed policies by
 * default (20 at most, on request).
 */
export const IAM_MANAGED_POLICY_MAX_CHARACTERS = 6144;

/**
 * Managed policies IAM lets one role have attached by default (adjustable to 20 through Service Quotas).
 * Source: AWS IAM User Guide, "IAM and AWS STS quotas" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 */
export const IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA = 10;

/**
 * The characters one CloudFormation reference (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`, …) is counted as when a
 * policy's size is estimated at synth: more than any value it stands for in a read policy (an S3 bucket ARN is
 * at most 76 characters, a KMS key ARN about 80, a Glue database name of the platform under 30).
 */
export const REFERENCE_CHARACTERS_ESTIMATE = 128;

/** Properties of {@link ConsumerReadPolicies}. */
export interface ConsumerReadPoliciesProps {
  /** The consumer's short name, e.g. `analysts` (in the policies' descriptions). */
  readonly consumerName: string;
  /** The consumer's role: the policies are attached to it. */
  readonly role: iam.IRole;
  /** The data products the consumer reads (at least one). */
  readonly products: DataProduct[];
  /**
   * Most characters of one policy document, as estimated at synth (see {@link estimatePolicyCharacters}).
   * @default IAM_MANAGED_POLICY_MAX_CHARACTERS (6,144)
   */
  readonly maxPolicyCharacters?: number;
}

/**
 * Read access of one consumer to some data products (those of one products stack): customer-managed IAM
 * policies, attached to the consumer's role, holding each product's {@link DataProduct.readStatements}. Products
 * are packed in declaration order into as few policies as fit IAM's managed policy size (6,144 characters); the
 * first is `Policy`, the next `Policy2`, … Each product's statement ids are prefixed with the product's name, so
 * they stay unique in a policy that holds several products. The prefix-scoped object ARNs (the only wildcard
 * resources) are acknowledged per policy.
 *
 * @example
 * new ConsumerReadPolicies(this, 'AnalystsRead', { consumerName: 'analysts', role: analystsRole, products: [viewerEngagement] });
 */
export class ConsumerReadPolicies extends Construct {
  /** The policies, in order (one unless the products' statements do not fit one). */
  public readonly policies: readonly iam.ManagedPolicy[];

  /** @throws Error when `products` is empty, or one product's statements alone exceed the size limit. */
  constructor(scope: Construct, id: string, props: ConsumerReadPoliciesProps) {
    super(scope, id);
    if (props.products.length === 0) throw new Error(`ConsumerReadPolicies ${props.consumerName}: needs at least one data product`);
    const max = props.maxPolicyCharacters ?? IAM_MANAGED_POLICY_MAX_CHARACTERS;
    const stack = Stack.of(this);
    const entries = props.products.map((product) => {
      const statements = namedStatements(product);
      return { product, statements, characters: estimatePolicyCharacters(stack, new iam.PolicyDocument({ statements })) };
    });
    const chunks = packBySize(entries, max, props.consumerName);
    this.policies = chunks.map((chunk, i) => {
      const policy = new iam.ManagedPolicy(this, i === 0 ? 'Policy' : `Policy${i + 1}`, {
        description: `Lakeforge consumer ${props.consumerName}: read ${chunk.map((e) => e.product.productName).join(', ')}`,
        roles: [props.role],
        statements: chunk.flatMap((e) => e.statements),
      });
      acknowledgeWildcardResources(
        policy.node.defaultChild as iam.CfnManagedPolicy,
        chunk.flatMap((e) => e.product.readableObjectArns()),
        "Prefix-scoped object ARNs of the data products' curated tables, batch tables and marts; naming an S3 key prefix needs a trailing wildcard.",
        SIGN_OFFS.platformSecurity,
      );
      return policy;
    });
  }
}

/** A product's read statements with its name (PascalCase) in front of each statement id. */
function namedStatements(product: DataProduct): iam.PolicyStatement[] {
  const prefix = product.productName
    .split('-')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('');
  return product.readStatements().map((statement) => {
    const json = statement.toStatementJson() as Record<string, unknown>;
    return json.Sid === undefined ? statement : iam.PolicyStatement.fromJson({ ...json, Sid: `${prefix}${String(json.Sid)}` });
  });
}

/**
 * The size of a policy document, in characters without white space, as IAM counts it, estimated at synth:
 * literal text counts as written, each CloudFormation reference as {@link REFERENCE_CHARACTERS_ESTIMATE}
 * characters (its value is only known at deploy time), `Fn::Join` as the sum of its parts.
 *
 * @param stack - the stack the policy belongs to (resolves the document's tokens).
 * @param document - the policy document.
 */
export function estimatePolicyCharacters(stack: Stack, document: iam.PolicyDocument): number {
  return resolvedLength(stack.resolve(document));
}

function resolvedLength(value: unknown): number {
  if (Array.isArray(value)) return 2 + value.reduce<number>((sum, v, i) => sum + (i > 0 ? 1 : 0) + resolvedLength(v), 0);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && entries[0][0] === 'Fn::Join') {
      const [separator, parts] = entries[0][1] as [string, unknown[]];
      // The joined string: its quotes, the literal parts, the references' values and the separators.
      return 2 + parts.reduce<number>((sum, part, i) => sum + (i > 0 ? separator.length : 0) + (typeof part === 'string' ? JSON.stringify(part).length - 2 : REFERENCE_CHARACTERS_ESTIMATE), 0);
    }
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) return 2 + REFERENCE_CHARACTERS_ESTIMATE;
    return 2 + entries.reduce((sum, [k, v], i) => sum + (i > 0 ? 1 : 0) + JSON.stringify(k).length + 1 + resolvedLength(v), 0);
  }
  return JSON.stringify(value).length;
}

/**
 * Packs entries, in order, into consecutive groups whose summed size stays within `max` (the envelope counted once).
 *
 * @throws Error naming the product when one entry alone is larger than `max`.
 */
function packBySize<T extends { product: DataProduct; characters: number }>(entries: readonly T[], max: number, consumer: string): T[][] {
  const envelope = JSON.stringify({ Version: '2012-10-17', Statement: [] }).length;
  const chunks: T[][] = [];
  let size = 0;
  for (const e of entries) {
    if (e.characters > max) {
      throw new Error(
        `ConsumerReadPolicies ${consumer}: the read statements of data product "${e.product.productName}" alone take about ${e.characters} characters, more than an IAM managed policy holds (${max})`,
      );
    }
    const added = e.characters - envelope + 1;
    if (chunks.length === 0 || size + added > max) {
      chunks.push([e]);
      size = e.characters;
    } else {
      chunks[chunks.length - 1].push(e);
      size += added;
    }
  }
  return chunks;
}
