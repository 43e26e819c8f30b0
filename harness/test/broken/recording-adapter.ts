import type { Capabilities, HttpEndpoint, ProcessInfo } from '../../src/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';

/**
 * The model with every capability declared and the process operations recorded: the inner
 * adapter for the wrappers' tests, so that forwarding of each operation is observable.
 */
export class RecordingAdapter extends ModelAdapter {
  override readonly capabilities: Capabilities = {
    durable: true,
    restartable: true,
    killable: true,
    pausable: true,
    simulatedPowerLoss: true,
    aggregates: true,
    arrow: true,
    auth: true,
    metrics: true,
    checkpoint: true,
    process: true,
    http: true,
    dataDirectory: true,
  };
  readonly calls: string[] = [];

  protected override async _kill(): Promise<void> {
    this.calls.push('kill');
  }
  protected override async _pause(): Promise<void> {
    this.calls.push('pause');
  }
  protected override async _resume(): Promise<void> {
    this.calls.push('resume');
  }
  protected override async _powerLoss(seed: number): Promise<void> {
    this.calls.push(`powerLoss ${seed}`);
  }
  protected override _processInfo(): ProcessInfo {
    return { pid: 4242 };
  }
  protected override _httpEndpoint(): HttpEndpoint {
    return { url: 'http://127.0.0.1:1', adminAuthorization: 'Bearer x' };
  }
  protected override _dataDirectory(): string {
    return '/data/recorded';
  }
  protected override async _metrics(): Promise<string> {
    return 'omendb_up 1\n';
  }
}
