import type { SimFileSystem } from '@omendb/engine';
import type { Capabilities } from '../adapter.ts';
import { EmbeddedAdapter } from '../adapters/embedded/adapter.ts';
import type { EmbeddedAdapterOptions } from '../adapters/embedded/options.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/**
 * Broken on purpose: the embedded engine with writes acknowledged before the WAL is fsynced
 * (sync 'none': the OS decides when the log reaches the disk), while it claims to be durable.
 * By default over the simulated file system, where a power loss drops what was never synced:
 * crash-power-loss must fail against it.
 */
export class AckBeforeFsync extends ForwardingAdapter {
  override readonly capabilities: Capabilities;
  private readonly embedded: EmbeddedAdapter;

  constructor(options: Omit<EmbeddedAdapterOptions, 'sync'> = {}) {
    const embedded = new EmbeddedAdapter({ simulated: true, ...options, sync: 'none' });
    super(embedded, 'ack-before-fsync');
    this.embedded = embedded;
    // The lie this wrapper exists for.
    this.capabilities = { ...embedded.capabilities, durable: true };
  }

  /** The simulated file system, as crash-power-loss asks of any adapter it drives. */
  simFileSystem(): SimFileSystem {
    return this.embedded.simFileSystem();
  }

  compact(): Promise<void> {
    return this.embedded.compact();
  }
}
