/**
 * The page's globals, as the tests' in-browser functions (page.evaluate, waitForFunction) use them.
 * TypeScript's DOM library cannot join this program: beside Node's types it retypes the global
 * WebCrypto that the server's certificate code relies on. In Chromium these are the DOM's own.
 */

interface PageRect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}

/** An element of the page, as far as the tests read it. */
interface HTMLElement {
  id: string;
  tagName: string;
  className: string;
  clientWidth: number;
  scrollWidth: number;
  textContent: string | null;
  parentElement: HTMLElement | null;
  getAttribute(name: string): string | null;
  closest(selector: string): HTMLElement | null;
  contains(other: HTMLElement | null): boolean;
  getBoundingClientRect(): PageRect;
  querySelector(selector: string): HTMLElement | null;
  querySelectorAll<E extends HTMLElement = HTMLElement>(selector: string): E[];
}

declare const document: {
  documentElement: HTMLElement;
  activeElement: HTMLElement | null;
  getElementById(id: string): HTMLElement | null;
  querySelector(selector: string): HTMLElement | null;
  querySelectorAll<E extends HTMLElement = HTMLElement>(selector: string): E[];
};

declare const window: { innerWidth: number; innerHeight: number };

declare function scrollTo(x: number, y: number): void;

/** An element's style as drawn, as far as the tests read it (its focus ring). */
declare function getComputedStyle(element: HTMLElement): {
  outlineStyle: string;
  outlineWidth: string;
  outlineColor: string;
};
