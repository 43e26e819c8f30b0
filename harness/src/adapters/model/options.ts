import type { EngineState } from '../../history/history.ts';

export interface ModelAdapterOptions {
  /** The state to start from (copied); default empty. */
  readonly initial?: EngineState;
}

export const modelDefaults = {
  /** The model's own version, reported by describe(): it changes when its semantics do. */
  version: '1',
} as const;
