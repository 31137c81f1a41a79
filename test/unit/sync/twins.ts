// In-memory twins of the sync service's ports: a kernel conntrack table and a broadcast UDP segment.
import type { CommitResult, ConntrackPort, CtEventHandlers, RecordStore } from '../../../src/conntrack/client.js';
import { OP_DELETE, OP_UPSERT, readRecord, RECORD_MAX, writeRecord } from '../../../src/conntrack/record.js';
import { entryKey, type ConntrackEntry } from '../../../src/conntrack/types.js';
import type { SyncTransport } from '../../../src/sync/channel.js';

export class MemoryKernel implements ConntrackPort {
  readonly table = new Map<string, ConntrackEntry>();
  readonly log: string[] = [];
  private handlers: CtEventHandlers | null = null;
  private readonly rec = Buffer.alloc(RECORD_MAX);

  /** A flow appears/changes in this kernel (as if packets went through it). */
  traffic(e: ConntrackEntry, kind: 'new' | 'update' | 'destroy' = 'new'): void {
    if (kind === 'destroy') this.table.delete(entryKey(e));
    else this.table.set(entryKey(e), e);
    writeRecord(kind === 'destroy' ? OP_DELETE : OP_UPSERT, e, this.rec, 0);
    this.handlers?.onRecord(kind, this.rec, 0);
  }
  async dump(): Promise<ConntrackEntry[]> {
    return [...this.table.values()];
  }
  async commit(entries: Iterable<ConntrackEntry>): Promise<CommitResult> {
    const r: CommitResult = { created: 0, updated: 0, failed: 0, errors: {} };
    for (const e of entries) {
      if (this.table.has(entryKey(e))) r.updated++;
      else r.created++;
      this.table.set(entryKey(e), e);
    }
    this.log.push(`commit ${r.created + r.updated}`);
    return r;
  }
  async commitRecords(store: RecordStore, refs: Iterable<number>): Promise<CommitResult> {
    const entries: ConntrackEntry[] = [];
    for (const ref of refs) entries.push(readRecord(store.bufferOf(ref), store.offsetOf(ref)));
    return this.commit(entries);
  }
  async setTimeouts(entries: Iterable<ConntrackEntry>, timeoutS: number): Promise<CommitResult> {
    let n = 0;
    for (const e of entries) {
      const cur = this.table.get(entryKey(e));
      if (cur) {
        this.table.set(entryKey(e), { ...cur, timeoutS });
        n++;
      }
    }
    this.log.push(`purge ${n}`);
    return { created: 0, updated: n, failed: 0, errors: {} };
  }
  async delete(entries: Iterable<ConntrackEntry>): Promise<CommitResult> {
    let n = 0;
    for (const e of entries) if (this.table.delete(entryKey(e))) n++;
    return { created: 0, updated: n, failed: 0, errors: {} };
  }
  subscribe(h: CtEventHandlers): void {
    this.handlers = h;
  }
  close(): void {
    this.handlers = null;
  }
}

export class MemorySegment {
  readonly members = new Set<MemoryTransport>();
  lossRate = 0;
}

export class MemoryTransport implements SyncTransport {
  readonly stats = { sent: 0, sendErrors: 0, received: 0 };
  private onData: ((d: Buffer) => void) | null = null;
  constructor(private readonly seg: MemorySegment, readonly localAddress: string) {}
  async start(on: (d: Buffer) => void): Promise<void> {
    this.onData = on;
    this.seg.members.add(this);
  }
  send(data: Buffer): void {
    this.stats.sent++;
    for (const m of this.seg.members) {
      if (m === this || Math.random() < this.seg.lossRate) continue;
      setImmediate(() => {
        m.stats.received++;
        // Like the UDP channel's reused receive buffer: the bytes are valid only during the call. Scribbling
        // over them afterwards makes a handler that keeps a view without copying fail these tests.
        const view = Buffer.from(data);
        m.onData?.(view);
        view.fill(0xee);
      });
    }
  }
  async close(): Promise<void> {
    this.seg.members.delete(this);
    this.onData = null;
  }
}
