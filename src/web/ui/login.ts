// The sign-in form of a token-protected server: posts the credentials as JSON to the login
// endpoint (the session lives in an HttpOnly cookie) and never places them in a URL.
import { HttpError, login } from "../data/api.js";
import { byId } from "./dom.js";

export class LoginForm {
  private readonly overlay = byId("login");
  private readonly form = byId<HTMLFormElement>("login-form");
  private readonly access = byId<HTMLInputElement>("access-key");
  private readonly secret = byId<HTMLInputElement>("secret-key");
  private readonly message = byId("login-message");
  private onDone: (() => void) | null = null;

  constructor() {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  get open(): boolean {
    return !this.overlay.hidden;
  }

  /** Shows the form; `done` runs once a session is open. */
  show(done: () => void): void {
    this.onDone = done;
    this.overlay.hidden = false;
    this.message.textContent = "";
    (this.access.value === "" ? this.access : this.secret).focus();
  }

  private async submit(): Promise<void> {
    this.message.textContent = "Signing in…";
    try {
      await login(this.access.value.trim(), this.secret.value);
    } catch (e) {
      this.message.textContent =
        e instanceof HttpError
          ? e.status === 401
            ? "Wrong access key or secret key."
            : e.message
          : `Cannot reach the server: ${(e as Error).message}`;
      this.secret.select();
      return;
    }
    this.secret.value = "";
    this.overlay.hidden = true;
    const done = this.onDone;
    this.onDone = null;
    done?.();
  }
}
