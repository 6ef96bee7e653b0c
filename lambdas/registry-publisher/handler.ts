/**
 * Registry publisher function: the provider of `Custom::LakeforgeSchemaPublication` resources (work in
 * progress: this entry point is replaced by the publishing gate; see lambdas/shared/schema-publication-properties.ts).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** Placeholder handler: refuses every request until the publishing gate lands. */
export async function handler(_event: CloudFormationCustomResourceEvent): Promise<void> {
  throw new Error('registry publisher: not implemented yet');
}
