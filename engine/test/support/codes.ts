import { isOmenDbError } from '../../src/errors.ts';

/** The registry code of an error, or a text that names the error when it is not a registry error. */
function codeOfError(error: unknown): string {
  return isOmenDbError(error) ? error.code : `non-registry error: ${String(error)}`;
}

/** The registry code the promise rejects with, or undefined when it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return codeOfError(error);
  }
  return undefined;
}

/** The registry code the call throws, or undefined when it returns. */
export function codeOfCall(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return codeOfError(error);
  }
  return undefined;
}

/** An error with an errno code, as the file system reports it: for injected I/O failures. */
export function errno(code: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(code);
  error.code = code;
  return error;
}
