// libnftables through the vipd_net addon (native/vipd_net.c, loaded with dlopen at first use): text in, one
// atomic transaction per run, text or JSON out. No `nft` process (brief: nothing on the data path spawns).
import { VipdError } from '../../errors/vipdError.js';
import { nativeNet, type NativeNet, type NftHandle, type NftRunResult } from '../../net/native.js';

/** enum nft_output_flags: NFT_CTX_OUTPUT_JSON = 1 << 4 (libnftables.h, stable since nftables 0.9.1). */
export const NFT_CTX_OUTPUT_JSON = 1 << 4;

/** The narrow port the plane uses; the unit tests' twin records the buffers. */
export interface NftRunner {
  /** Run a buffer of nft commands as one transaction (rc 0: all committed; otherwise none). */
  run(commands: string, opts?: { json?: boolean }): Promise<NftRunResult>;
  close(): void;
}

export class LibNftables implements NftRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly native: NativeNet,
    private readonly handle: NftHandle,
  ) {}

  /** Throws VIPD_ERR_NFT_UNAVAILABLE (naming the package) where libnftables cannot be loaded. */
  static open(native: NativeNet = nativeNet()): LibNftables {
    if (!native.nftOpen || !native.nftRun || !native.nftClose) {
      throw new VipdError('VIPD_ERR_NFT_UNAVAILABLE', 'the vipd_net addon has no libnftables wrapper (rebuild it: `npm rebuild`)');
    }
    try {
      return new LibNftables(native, native.nftOpen());
    } catch (err) {
      throw new VipdError(
        'VIPD_ERR_NFT_UNAVAILABLE',
        `libnftables could not be loaded (${(err as Error).message}): install it with \`apt-get install libnftables1\` (it comes with the nftables package)`,
      );
    }
  }

  run(commands: string, opts: { json?: boolean } = {}): Promise<NftRunResult> {
    // One run at a time per context: its output buffers belong to the run in flight.
    const go = async (): Promise<NftRunResult> => {
      if (this.closed) return { rc: -1, output: '', error: 'libnftables context closed' };
      return this.native.nftRun!(this.handle, commands, opts.json ? NFT_CTX_OUTPUT_JSON : 0);
    };
    const p = this.queue.then(go, go);
    this.queue = p.catch(() => undefined);
    return p;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.queue.then(() => {
      try {
        this.native.nftClose!(this.handle);
      } catch {
        /* a run still pending frees nothing twice; the context goes with the process */
      }
    });
  }
}
