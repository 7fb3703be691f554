// Binding and closing the node server, including a close() that arrives while listen() is still
// binding: node's `server.listening` is false until the bind completes, so a close() that only
// looked at it returned at once and the bind then left a server listening that nobody closes.
import { listen, type NodeServer } from "./listen.js";

export interface BoundAddress {
  host: string;
  port: number;
}

export class ServerLifecycle {
  /** Settles (never rejects) once the listen() in progress has bound or failed. */
  private binding: Promise<void> | undefined;
  /** close() was called while `binding`: the bind in progress must not leave the server open. */
  private closeRequested = false;

  constructor(
    private readonly server: NodeServer,
    private readonly where: { host: string; port: number; hasToken: boolean },
  ) {}

  /**
   * Binds. Rejects when a listen() is already in progress, and when close() is called before the
   * bind completed (close() then closes what the bind opened).
   */
  listen(): Promise<BoundAddress> {
    if (this.binding !== undefined) {
      return Promise.reject(new Error("keyviz server: listen() is already in progress"));
    }
    this.closeRequested = false;
    const { host, port, hasToken } = this.where;
    const attempt = listen(this.server, host, port, hasToken).then((address) => {
      if (this.closeRequested) throw new Error("keyviz server: close() was called before listen() completed");
      return address;
    });
    this.binding = attempt.then(
      () => void (this.binding = undefined),
      () => void (this.binding = undefined),
    );
    return attempt;
  }

  /** Stops accepting and closes every connection; waits for a bind in progress first. */
  async close(): Promise<void> {
    this.closeRequested = true;
    await this.binding;
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
