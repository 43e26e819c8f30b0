import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * The one way the harness checks a document against its JSON schema (results, readiness reports,
 * policies): Ajv in strict mode, compiled once, on first use. The returned function gives the
 * problems found, each as `path message`, or none.
 */
export function schemaChecker(schemaPath: URL): (value: unknown) => string[] {
  let validator: ValidateFunction | undefined;
  return (value) => {
    validator ??= new Ajv({
      allErrors: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    if (validator(value)) return [];
    return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  };
}
