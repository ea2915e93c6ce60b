/** ajv validators compiled from the contract's schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses). */
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { componentSchema, type JsonSchema } from './openapi.js';
import type { ContentRequest, LessonScript, PushEnvelope, Understanding } from './types.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * `checkSchemas` validates each schema against the 2020-12 meta-schema as it compiles. The service skips it
 * (compiling the meta-schema was a tenth of the cold start); test/contract checks every schema with it on.
 */
export function createAjv(options: { checkSchemas?: boolean } = {}): Ajv2020 {
  // OpenAPI's own keywords (e.g. `example`) are allowed; types stay strict.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    useDefaults: true,
    coerceTypes: false,
    validateSchema: options.checkSchemas ?? false,
  });
  addFormats(ajv);
  return ajv;
}

export interface ContractValidators {
  envelope: ValidateFunction<PushEnvelope>;
  contentRequest: ValidateFunction<ContentRequest>;
  requestId: ValidateFunction<string>;
  understanding: ValidateFunction<Understanding>;
  lessonScript: ValidateFunction<LessonScript>;
}

export function compileValidators(ajv: Ajv2020 = createAjv()): ContractValidators {
  const compile = <T>(name: string): ValidateFunction<T> =>
    ajv.compile<T>(componentSchema(name) as JsonSchema);
  // The model-output validators are compiled on first use: a delivery that is refused never needs them.
  let understanding: ValidateFunction<Understanding> | undefined;
  let lessonScript: ValidateFunction<LessonScript> | undefined;
  return {
    envelope: compile<PushEnvelope>('PushEnvelope'),
    contentRequest: compile<ContentRequest>('ContentRequest'),
    requestId: compile<string>('RequestId'),
    get understanding() {
      return (understanding ??= compile<Understanding>('Understanding'));
    },
    get lessonScript() {
      return (lessonScript ??= compile<LessonScript>('LessonScript'));
    },
  };
}

/** One line a person can read, e.g. `/grade_level must be <= 12; must have required property 'student_id'`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.trim())
    .join('; ');
}
