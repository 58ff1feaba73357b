// A tiny element builder: panels rebuild their content on each block from plain data, so text is
// always set as text (never parsed as HTML) and there is no framework state to keep in sync.
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Replaces an element's content in one step, so a refresh never shows a half-built panel. */
export function render(target: Element, ...children: Child[]): void {
  const fragment = document.createDocumentFragment();
  for (const child of children) if (child) fragment.append(child);
  target.replaceChildren(fragment);
}

/** A table from a header row and data rows; `rowAttributes` tags rows for styling and tests. */
export function table(headers: string[], rows: { cells: Child[]; attributes?: Record<string, string | number | boolean> }[]) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...headers.map((text) => h("th", {}, text)))),
    h("tbody", {}, ...rows.map((row) => h("tr", row.attributes ?? {}, ...row.cells.map((cell) => h("td", {}, cell))))),
  );
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}
