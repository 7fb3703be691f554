// A complete in-memory replication group for tests and the demo: a key/value map behind a leader
// flag, a term, a leader lease that expires, and injectable failures. Single node, so "quorum"
// checks succeed whenever this node believes it leads.
import { NotLeaderError, type GroupBackend, type Mutation } from "../routing/group-backend.js";

/** Operations of a MemoryGroup that `failNext` can make fail. */
export type MemoryGroupOp = "linearizableRead" | "leaseRead" | "propose" | "verifyLeader";

const OPS: readonly MemoryGroupOp[] = ["linearizableRead", "leaseRead", "propose", "verifyLeader"];

export interface MemoryGroupOptions {
  groupId: number;
  /** Initial leader term (default 1). */
  term?: number;
  /** Whether this node starts as the leader (default true). */
  leader?: boolean;
  /** Lease length after each successful quorum contact, in ms (default 10 000). */
  leaseMs?: number;
  /** This node's id, reported by `leader()` while leading (default `node-<groupId>`). */
  nodeId?: string;
  /** Clock in ms (default Date.now); inject one to expire leases deterministically. */
  now?: () => number;
}

/** Counts of what the group did, for tests and the demo. */
export interface MemoryGroupStats {
  linearizableReads: number;
  leaseReads: number;
  /** Lease reads that found the lease expired and renewed it with a quorum check first. */
  leaseRenewals: number;
  proposals: number;
  verifications: number;
}

export class MemoryGroup implements GroupBackend {
  readonly groupId: number;
  readonly nodeId: string;
  readonly stats: MemoryGroupStats = {
    linearizableReads: 0,
    leaseReads: 0,
    leaseRenewals: 0,
    proposals: 0,
    verifications: 0,
  };
  private readonly data = new Map<string, Uint8Array>();
  private readonly failures = new Map<MemoryGroupOp, Error[]>();
  private readonly listeners = new Set<(term: number) => void>();
  private readonly leaseMs: number;
  private readonly now: () => number;
  private currentTerm: number;
  private leading: boolean;
  private leaseUntil = -Infinity;

  constructor(options: MemoryGroupOptions) {
    if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
    const { groupId, term = 1, leader = true, leaseMs = 10_000, now = Date.now } = options;
    if (!Number.isSafeInteger(groupId) || groupId < 0) {
      throw new RangeError(`groupId must be a non-negative safe integer, got ${groupId}`);
    }
    if (!Number.isSafeInteger(term) || term < 0)
      throw new RangeError(`term must be a non-negative safe integer, got ${term}`);
    if (typeof leader !== "boolean") throw new TypeError("leader must be a boolean");
    if (typeof leaseMs !== "number" || !(leaseMs >= 0))
      throw new RangeError(`leaseMs must be a number ≥ 0, got ${leaseMs}`);
    if (typeof now !== "function") throw new TypeError("now must be a function");
    this.groupId = groupId;
    this.nodeId = options.nodeId ?? `node-${groupId}`;
    this.currentTerm = term;
    this.leading = leader;
    this.leaseMs = leaseMs;
    this.now = now;
    if (leader) this.renewLease();
  }

  async linearizableRead(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.stats.linearizableReads++;
    this.consumeFailure("linearizableRead");
    this.confirmQuorum();
    return this.peek(key);
  }

  async leaseRead(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.stats.leaseReads++;
    this.consumeFailure("leaseRead");
    this.requireLeader();
    if (!this.leaseValid()) {
      // An expired lease falls back to a quorum round, which renews it.
      this.stats.leaseRenewals++;
      this.confirmQuorum();
    }
    return this.peek(key);
  }

  async propose(mutations: Mutation[]): Promise<void> {
    this.stats.proposals++;
    this.consumeFailure("propose");
    this.confirmQuorum();
    for (const m of mutations) {
      if (m.type === "put") this.data.set(keyString(m.key), (m.value ?? new Uint8Array(0)).slice());
      else this.data.delete(keyString(m.key));
    }
  }

  isLeader(): boolean {
    return this.leading;
  }

  async verifyLeader(): Promise<void> {
    this.stats.verifications++;
    this.consumeFailure("verifyLeader");
    this.confirmQuorum();
  }

  leader(): string | null {
    return this.leading ? this.nodeId : null;
  }

  term(): number {
    return this.currentTerm;
  }

  onTermChange(listener: (term: number) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("listener must be a function");
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The stored value of `key` with no consistency check (inspection for tests and the demo). */
  peek(key: Uint8Array): Uint8Array | undefined {
    return this.data.get(keyString(key))?.slice();
  }

  /** Number of stored keys. */
  get size(): number {
    return this.data.size;
  }

  /** Makes the next `op` reject with `error` (queued: several calls fail that many next ops). */
  failNext(op: MemoryGroupOp, error: Error = new Error(`group ${this.groupId}: injected ${op} failure`)): void {
    if (!OPS.includes(op)) throw new RangeError(`op must be one of ${OPS.join(", ")}, got ${String(op)}`);
    const queue = this.failures.get(op) ?? [];
    queue.push(error);
    this.failures.set(op, queue);
  }

  /** Gains or loses leadership; gaining it starts a fresh lease. The term is unchanged. */
  setLeader(leader: boolean): void {
    if (typeof leader !== "boolean") throw new TypeError("leader must be a boolean");
    this.leading = leader;
    if (leader) this.renewLease();
    else this.leaseUntil = -Infinity;
  }

  /** Starts a new term (as an election would) and tells the term listeners; returns it. */
  bumpTerm(): number {
    this.currentTerm++;
    for (const listener of [...this.listeners]) listener(this.currentTerm);
    return this.currentTerm;
  }

  /** Ends the current lease now; the next lease read renews it with a quorum check. */
  expireLease(): void {
    this.leaseUntil = -Infinity;
  }

  /** True while the leader lease is valid. */
  leaseValid(): boolean {
    return this.leading && this.now() < this.leaseUntil;
  }

  private consumeFailure(op: MemoryGroupOp): void {
    const queue = this.failures.get(op);
    const error = queue?.shift();
    if (error !== undefined) throw error;
  }

  private requireLeader(): void {
    if (!this.leading) throw new NotLeaderError(this.groupId, null);
  }

  // A single-node group reaches quorum whenever it leads; each contact extends the lease.
  private confirmQuorum(): void {
    this.requireLeader();
    this.renewLease();
  }

  private renewLease(): void {
    this.leaseUntil = this.now() + this.leaseMs;
  }
}

// Map key for bytes: one UTF-16 code unit per byte keeps order and is cheap to build.
function keyString(key: Uint8Array): string {
  let s = "";
  for (let i = 0; i < key.length; i++) s += String.fromCharCode(key[i]!);
  return s;
}
