/** The shell's look (shoal-app.ts): header, the notices row, the navigation (bottom bar on phones, side rail from tablets up), and its icons. */
import { css } from 'lit';
import type { View } from '../settings.js';
import { buttons } from './theme.js';

export const ICONS: Record<View, string> = {
  dashboard: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z',
  network: 'M12 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM5 16a3 3 0 1 0 0 6 3 3 0 0 0 0-6zm14 0a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM11 8h2v3.5l5.2 3-1 1.7L12 13.2l-5.2 3-1-1.7 5.2-3z',
  transfers: 'M7 3 3 7h3v7h2V7h3zm10 14V10h-2v7h-3l4 4 4-4z',
  files: 'M4 4h6l2 2h8v14H4z',
  settings: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zm9 5v-2l-2.4-.5-.6-1.5 1.4-2-1.4-1.4-2 1.4-1.5-.6L14 3h-2l-.5 2.4-1.5.6-2-1.4-1.4 1.4 1.4 2-.6 1.5L3 11v2l2.4.5.6 1.5-1.4 2 1.4 1.4 2-1.4 1.5.6.5 2.4h2l.5-2.4 1.5-.6 2 1.4 1.4-1.4-1.4-2 .6-1.5z',
};

export const shellStyles = [
  buttons,
  css`
    :host {
      display: grid;
      grid-template-columns: minmax(0, 1fr);
      align-content: start;
      min-height: 100vh;
      /* room for the bottom bar on phones */
      padding-bottom: calc(4.2rem + env(safe-area-inset-bottom));
      box-sizing: border-box;
    }
    header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      flex-wrap: wrap;
      gap: 0.5rem 0.75rem;
      padding: 0.75rem 1rem;
    }
    h1 {
      margin: 0;
      font-size: 1.5rem;
      letter-spacing: 0.04em;
      background: linear-gradient(90deg, var(--neon), var(--neon-2));
      -webkit-background-clip: text;
      background-clip: text;
      color: transparent;
    }
    .status {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      font-size: 0.85rem;
      color: var(--muted);
      min-width: 0;
    }
    .status .name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
      max-width: 12rem;
    }
    .badge {
      padding: 0.15rem 0.6rem;
      border-radius: 999px;
      border: 1px solid currentColor;
    }
    .badge.open {
      color: var(--ok);
    }
    .badge.connecting {
      color: var(--neon);
    }
    .badge.closed {
      color: var(--bad);
    }
    nav {
      position: fixed;
      z-index: 10;
      left: 0;
      right: 0;
      bottom: 0;
      padding-bottom: env(safe-area-inset-bottom);
      background: rgb(7 11 23 / 0.94);
      border-top: 1px solid var(--glass-border);
    }
    nav ul {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(5, 1fr);
    }
    nav a {
      display: grid;
      justify-items: center;
      gap: 0.15rem;
      padding: 0.45rem 0.2rem;
      min-height: 3.2rem;
      box-sizing: border-box;
      color: var(--muted);
      text-decoration: none;
      font-size: 0.72rem;
      border-radius: 12px;
    }
    nav a[aria-current='page'] {
      color: var(--neon);
      text-shadow: 0 0 12px rgb(34 211 238 / 0.6);
    }
    nav a:focus-visible {
      outline: 2px solid var(--neon);
      outline-offset: -2px;
    }
    nav svg {
      width: 1.4rem;
      height: 1.4rem;
      fill: currentColor;
    }
    nav a[aria-current='page'] svg {
      filter: drop-shadow(0 0 6px rgb(34 211 238 / 0.7));
    }
    main {
      padding: 0 1rem 1rem;
      min-width: 0;
    }
    .notice {
      margin: 0 1rem 1rem;
      padding: 0.6rem 0.9rem;
      border-radius: 12px;
      border: 1px solid rgb(251 113 133 / 0.5);
      background: rgb(251 113 133 / 0.1);
      overflow-wrap: anywhere;
    }
    .notice.info {
      border-color: rgb(34 211 238 / 0.5);
      background: rgb(34 211 238 / 0.08);
    }
    .notice button {
      padding: 0.2rem 0.6rem;
      margin-left: 0.5rem;
    }
    /* Every notice and question in one row of the shell's grid, whatever their number. */
    .notices {
      display: grid;
      min-width: 0;
    }
    .mono {
      font-family: ui-monospace, monospace;
    }
    button.install {
      border-radius: 999px;
      padding: 0.15rem 0.7rem;
    }
    /* From tablets up: a side rail, the view beside it. */
    @media (min-width: 768px) {
      :host {
        grid-template-columns: 6rem minmax(0, 1fr);
        grid-template-rows: auto auto 1fr;
        padding-bottom: 0;
      }
      header,
      .notices,
      main {
        grid-column: 2;
      }
      nav {
        position: sticky;
        top: 0;
        grid-column: 1;
        grid-row: 1 / span 3;
        align-self: start;
        height: 100vh;
        padding: 4.2rem 0.4rem 0;
        box-sizing: border-box;
        border-top: 0;
        border-right: 1px solid var(--glass-border);
        background: rgb(255 255 255 / 0.02);
      }
      nav ul {
        grid-template-columns: 1fr;
        gap: 0.4rem;
      }
    }
    @media (min-width: 1280px) {
      main {
        max-width: 1200px;
      }
    }
  `,
];
