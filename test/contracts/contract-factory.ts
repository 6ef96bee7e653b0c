import { Contract, JsonObject, parseContract } from '../../lib/contracts/contract';

/** Iglu's self-describing meta-schema URI. */
export const SELF_DESC = 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#';

/** A self-describing schema document around `body` (root keywords), for tests. */
export function selfDescribing(body: JsonObject, version = '1-0-0', name = 'test_event', vendor = 'com.example'): JsonObject {
  return { $schema: SELF_DESC, self: { vendor, name, format: 'jsonschema', version }, ...body };
}

/** A parsed contract from root keywords. */
export function contractOf(body: JsonObject, version = '1-0-0', name = 'test_event'): Contract {
  return parseContract(JSON.stringify(selfDescribing(body, version, name)), `${name}/${version}.json`);
}

/** A contract whose only property `p` has the given schema (plus `definitions.id`, an int-bounded integer). */
export function contractWithProperty(schema: JsonObject, required = true): Contract {
  return contractOf({
    type: 'object',
    definitions: { id: { type: 'integer', minimum: 1, maximum: 100 } },
    properties: { p: schema },
    ...(required ? { required: ['p'] } : {}),
    additionalProperties: false,
  });
}
