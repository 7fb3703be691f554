// Small DOM helpers: typed lookup of the page's fixed elements and element construction.

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`viewer: element #${id} is missing from the page`);
  return el as T;
}

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A definition list of label → value pairs. */
export function kvList(pairs: readonly (readonly [string, string])[]): HTMLDListElement {
  const dl = h("dl", { class: "kv" });
  for (const [k, v] of pairs) dl.append(h("dt", {}, k), h("dd", {}, v));
  return dl;
}

/** Copies `text`; false where the page may not (no clipboard API off a secure origin, or no permission). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // `navigator.clipboard` is undefined off a secure origin: the TypeError lands here too
  }
}

/** Shows `label` on a button for a moment, then its own text again. */
export function flashLabel(button: HTMLElement, label: string, ms = 2000): void {
  const own = button.dataset.label ?? button.textContent ?? "";
  button.dataset.label = own;
  button.textContent = label;
  setTimeout(() => (button.textContent = own), ms);
}
