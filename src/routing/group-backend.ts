// What an embedder implements per replication group so a Coordinator can serve keys of the routes
// that group owns. The coordinator never retries or interprets failures: it passes them through.

/** One write of a `dispatch`: a put (with a value) or a delete. */
export interface Mutation {
  type: "put" | "del";
  key: Uint8Array;
  /** Required for "put"; ignored for "del". */
  value?: Uint8Array;
}

export interface GroupBackend {
  /** Read after a linearizability check (e.g. Raft ReadIndex). Rejects when the check fails. */
  linearizableRead(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Read under the leader lease. Rejects when this node cannot serve it. */
  leaseRead(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Replicates and applies a batch of mutations (one route's share of a dispatch). */
  propose(mutations: Mutation[]): Promise<void>;
  /** Local belief: is this node the group's leader? Cheap and synchronous. */
  isLeader(): boolean;
  /** Confirms leadership with a quorum; rejects when this node is not the leader. */
  verifyLeader(): Promise<void>;
  /** Node id of the current leader as far as this node knows; null when unknown. */
  leader(): string | null;
  /** Current leader term of the group. */
  term(): number;
  /**
   * Optional: calls `listener` whenever the term changes; returns the unsubscribe function.
   * Without it a coordinator stamps the term read at its construction until the caller sets
   * another (`sampler.setLeaderTerm`). A value that is not a non-negative integer is ignored.
   */
  onTermChange?(listener: (term: number) => void): () => void;
}

/** Rejection of a group operation that needs the leader, on a node that is not. */
export class NotLeaderError extends Error {
  constructor(
    readonly groupId: number,
    /** The leader's node id when known: where the caller should retry. */
    readonly leaderHint: string | null,
  ) {
    super(`group ${groupId}: this node is not the leader${leaderHint === null ? "" : ` (leader is ${leaderHint})`}`);
    this.name = "NotLeaderError";
  }
}
