/**
 * Turns a self-describing contract into the plain JSON Schema that ajv (draft-07 mode) compiles.
 *
 * Iglu schemas are written against Iglu's self-describing meta-schema, which extends JSON Schema
 * draft-04 (Iglu docs "Self-describing JSON Schemas"). ajv 8 speaks draft-07 by default and would
 * need `ajv-draft-04` for draft-04; instead the few draft-04 differences Iglu schemas use are
 * rewritten here, so no extra dependency is needed:
 *
 * | draft-04 (Iglu)                                  | rewritten to (draft-07)            |
 * |---|---|
 * | root `$schema` (Iglu self-desc meta URI)          | removed (a meta annotation)         |
 * | root `self` block                                 | removed; `$id` = the Iglu URI       |
 * | `id` (draft-04 base URI) in a subschema           | removed                             |
 * | `minimum: x, exclusiveMinimum: true`              | `exclusiveMinimum: x`               |
 * | `maximum: x, exclusiveMaximum: true`              | `exclusiveMaximum: x`               |
 * | `exclusiveMinimum/Maximum: false`                 | removed                             |
 *
 * Sources: JSON Schema draft-06 release notes ("exclusiveMinimum/Maximum are now numbers",
 * "id renamed to $id"), https://json-schema.org/draft-06/json-schema-release-notes.
 */
import { normalizeDraft04 as normalizeSchemaNodes, toAjvContractSchema } from '../contract-ajv';
import { Contract, JsonObject } from './contract';

/**
 * The draft-04 → draft-07 rewrite of the module doc, applied to every schema node. Pure. One definition with
 * the ingest function's run-time registry (`lambdas/shared/contract-ajv.ts`).
 */
export function normalizeDraft04(schema: JsonObject): JsonObject {
  return normalizeSchemaNodes(schema) as JsonObject;
}

/**
 * The schema ajv compiles for a contract: draft-04 constructs rewritten (see module doc),
 * `$schema`/`self` removed, `$id` set to the full Iglu URI so local `$ref`s resolve against it, unknown custom
 * `format`s dropped, and the schemas its `iglu:` `$ref`s name ({@link Contract.refs}) embedded.
 * Pure; the contract is not modified.
 */
export function toAjvSchema(contract: Contract): JsonObject {
  return toAjvContractSchema(contract.schema, contract.id, contract.refs ?? {}) as JsonObject;
}
