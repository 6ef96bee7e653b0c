import jsonata from 'jsonata';
import type { ContractTable } from '../../lib/marts/contract-adapter';

/** One state of an Amazon States Language definition (the fields the tests read). */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Arguments?: Record<string, unknown>;
  readonly Assign?: Record<string, unknown>;
  readonly Output?: unknown;
  readonly Items?: string;
  readonly ItemSelector?: string;
  readonly ItemReader?: { Resource: string; ReaderConfig: { InputType: string }; Arguments: { Bucket: unknown; Key: string } };
  readonly ItemProcessor?: AslMachine & { ProcessorConfig: { Mode: string; ExecutionType?: string } };
  readonly MaxConcurrency?: number;
  readonly Choices?: readonly { Condition: string; Next: string }[];
  readonly Retry?: readonly { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string }[];
  readonly Catch?: readonly { ErrorEquals: string[]; Next: string; Assign?: Record<string, unknown> }[];
  readonly Error?: string;
  readonly Cause?: string;
}

/** A state machine definition or an item processor. */
export interface AslMachine {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly QueryLanguage?: string;
  readonly TimeoutSeconds?: number;
}

/**
 * The definition of the only `AWS::StepFunctions::StateMachine` of a template, as ASL JSON (tokens in the
 * `Fn::Join` rendered as `TOKEN`), and its length in characters.
 */
export function definitionOf(template: { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> }): { definition: AslMachine; text: string } {
  const machines = Object.values(template.Resources ?? {}).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const raw = machines[0].Properties!.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(raw['Fn::Join'][0]);
  return { definition: JSON.parse(text) as AslMachine, text };
}

/** Every state of a machine, nested item processors included, by state name. */
export function allStates(machine: AslMachine): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(machine.States)) {
    out[name] = state;
    if (state.ItemProcessor) Object.assign(out, allStates(state.ItemProcessor));
  }
  return out;
}

/** The states reached from `StartAt` by `Next`/`Default` (the main path, Choice defaults followed). */
export function mainPath(machine: AslMachine): string[] {
  const path: string[] = [];
  let name: string | undefined = machine.StartAt;
  while (name !== undefined && !path.includes(name)) {
    path.push(name);
    const s: AslState = machine.States[name];
    name = s.Next ?? s.Default;
  }
  return path;
}

/** The JSONata expression of a `{% … %}` field. @throws Error when the value is not a JSONata field. */
export function expressionOf(field: unknown): string {
  if (typeof field !== 'string' || !field.startsWith('{%') || !field.endsWith('%}')) throw new Error(`not a JSONata field: ${JSON.stringify(field)}`);
  return field.slice(2, -2).trim();
}

/**
 * Evaluates a `{% … %}` field as Step Functions would: `$states` and the workflow variables as bindings.
 *
 * @param field - the field value, e.g. a state's `Arguments.QueryString`.
 * @param bindings - `states` (`{ input, result, context }`) and workflow variables by name.
 */
export async function evaluateField(field: unknown, bindings: Record<string, unknown>): Promise<unknown> {
  return jsonata(expressionOf(field)).evaluate({}, bindings);
}

/**
 * A synthetic contract table (`com.example/<name>` MODEL 1) with a few typed columns, for plans of any size.
 *
 * @param n - the table number, used in the name (`event_<n>_v1`).
 */
export function syntheticContract(n: number): ContractTable {
  const name = `event_${n}`;
  const cols = [
    { name: 'user_id', type: 'string' },
    { name: 'amount', type: 'bigint' },
    { name: 'happened_at', type: 'timestamp', rawType: 'string' },
  ];
  return {
    vendor: 'com.example',
    contractName: name,
    model: 1,
    tableName: `${name}_v1`,
    schemaUri: `iglu:com.example/${name}/jsonschema/1-0-0`,
    versions: [`iglu:com.example/${name}/jsonschema/1-0-0`],
    rawPrefix: `events/com.example/${name}/v1/`,
    columns: cols.map((c) => ({ name: c.name, type: c.type, sourcePointer: `/properties/${c.name}`, nullable: true })),
    rawColumns: cols.map((c) => ({ name: c.name.replace(/_/g, ''), type: c.rawType ?? c.type, sourcePointer: `/properties/${c.name}`, nullable: true })),
  };
}
