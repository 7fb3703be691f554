// A budget of bytes shared by every in-flight peer call of a server (issue 10.6): 20 concurrent
// fan-outs to endless peers used to hold 20 × the per-peer cap (+576 MB).
//
// Each peer call opens an account; every received chunk is taken from the budget before it is
// kept. When the budget is spent the chunk waits and the peer's response is paused (TCP flow
// control makes the peer wait) until earlier calls finish and give their bytes back, in arrival
// order. Calls that each hold part of the budget and all wait would deadlock, so the OLDEST open
// call is never made to wait: it always completes (or hits its own deadline) and frees its bytes.
// Memory held is therefore at most the budget plus one per-peer body cap.
export class ByteBudget {
  private used = 0;
  private readonly accounts: BudgetAccount[] = [];
  private readonly waiters: { account: BudgetAccount; bytes: number; resolve: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** Bytes held now. */
  get inUse(): number {
    return this.used;
  }

  /** An account for one call; close it when the call ends, however it ends. */
  open(): BudgetAccount {
    const account = new BudgetAccount(this);
    this.accounts.push(account);
    return account;
  }

  /** @internal Takes at once (null) or returns when the bytes will have been taken. */
  take(account: BudgetAccount, bytes: number): Promise<void> | null {
    if (this.isOldest(account) || (this.waiters.length === 0 && this.fits(bytes))) {
      this.charge(account, bytes);
      return null;
    }
    return new Promise((resolve) => this.waiters.push({ account, bytes, resolve }));
  }

  /** @internal */
  close(account: BudgetAccount): void {
    const i = this.accounts.indexOf(account);
    if (i < 0) return;
    this.accounts.splice(i, 1);
    for (let w = this.waiters.length - 1; w >= 0; w--)
      if (this.waiters[w]!.account === account) this.waiters.splice(w, 1);
    this.used -= account.held;
    account.held = 0;
    this.grant();
  }

  private isOldest(account: BudgetAccount): boolean {
    return this.accounts[0] === account;
  }

  private fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  private charge(account: BudgetAccount, bytes: number): void {
    this.used += bytes;
    account.held += bytes;
  }

  private grant(): void {
    // The oldest call first, wherever it queued; then arrival order while the budget allows.
    const oldest = this.waiters.findIndex((w) => this.isOldest(w.account));
    if (oldest >= 0) this.resolve(oldest);
    while (this.waiters.length > 0 && (this.fits(this.waiters[0]!.bytes) || this.isOldest(this.waiters[0]!.account)))
      this.resolve(0);
  }

  private resolve(index: number): void {
    const [w] = this.waiters.splice(index, 1);
    this.charge(w!.account, w!.bytes);
    w!.resolve();
  }
}

export class BudgetAccount {
  /** Bytes this call holds. */
  held = 0;

  constructor(private readonly budget: ByteBudget) {}

  /** null: taken now; else a promise that resolves once taken (never, if the account is closed first). */
  take(bytes: number): Promise<void> | null {
    return this.budget.take(this, bytes);
  }

  /** Gives every held byte back and withdraws pending takes. */
  close(): void {
    this.budget.close(this);
  }
}
