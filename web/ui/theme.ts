/** Design tokens and shared styles: dark, glassy, neon-accented. */
import { css } from 'lit';

/** Buttons and button-like links: neon-edged glass, a glow on hover, a ring on keyboard focus; `.quiet` for secondary ones. */
export const buttons = css`
  button,
  a.button {
    font: inherit;
    color: var(--text);
    background: linear-gradient(135deg, rgb(34 211 238 / 0.22), rgb(232 121 249 / 0.22));
    border: 1px solid rgb(34 211 238 / 0.55);
    border-radius: 10px;
    padding: 0.45rem 0.9rem;
    cursor: pointer;
    text-decoration: none;
    transition: box-shadow 0.15s, border-color 0.15s;
  }
  button:hover,
  a.button:hover {
    border-color: var(--neon);
    box-shadow: 0 0 12px rgb(34 211 238 / 0.55);
  }
  button:focus-visible,
  a.button:focus-visible {
    outline: 2px solid var(--neon);
    outline-offset: 2px;
  }
  button.quiet {
    background: transparent;
    border-color: var(--glass-border);
  }
  button:disabled {
    opacity: 0.45;
    cursor: not-allowed;
    box-shadow: none;
  }
`;

export const panel = css`
  ${buttons}
  .panel {
    /* Glass without backdrop-filter: a live blur is re-rendered (in software here) on every progress
       update and cost about a fifth of a core during transfers; over the page's smooth gradients a
       translucent sheen looks the same. */
    background: linear-gradient(160deg, rgb(255 255 255 / 0.075), var(--glass) 55%);
    border: 1px solid var(--glass-border);
    border-radius: 16px;
    box-shadow: 0 8px 32px rgb(0 0 0 / 0.35);
    padding: 1rem 1.25rem;
  }
  h2 {
    margin: 0 0 0.75rem;
    font-size: 0.8rem;
    letter-spacing: 0.14em;
    text-transform: uppercase;
    color: var(--muted);
    font-weight: 600;
  }
  .empty {
    color: var(--muted);
    font-size: 0.9rem;
  }
  progress {
    width: 100%;
    height: 6px;
    appearance: none;
    border: none;
    border-radius: 3px;
    background: rgb(255 255 255 / 0.08);
    overflow: hidden;
  }
  progress::-webkit-progress-bar {
    background: rgb(255 255 255 / 0.08);
  }
  progress::-webkit-progress-value {
    background: linear-gradient(90deg, var(--neon), var(--neon-2));
    box-shadow: 0 0 10px var(--neon);
  }
  .mono {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    font-size: 0.75rem;
    color: var(--muted);
    word-break: break-all;
  }
`;

/** Text inputs and selects: dark glass fields with a visible focus ring. */
export const fields = css`
  input:not([type='checkbox']),
  select {
    font: inherit;
    color: var(--text);
    background: rgb(255 255 255 / 0.06);
    border: 1px solid var(--glass-border);
    border-radius: 8px;
    padding: 0.35rem 0.5rem;
  }
  input:focus-visible,
  select:focus-visible {
    outline: 2px solid var(--neon);
    outline-offset: 1px;
  }
  input:invalid {
    border-color: var(--bad);
  }
  option {
    background: #0b1020;
  }
`;

/** A list of shares (Files, Transfers): one card per share, its name, state badge, meta and actions. */
export const shareItems = css`
  ul.shares {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 0.7rem;
  }
  ul.shares > li {
    display: grid;
    gap: 0.4rem;
    padding: 0.7rem;
    border-radius: 12px;
    background: rgb(255 255 255 / 0.03);
    border: 1px solid var(--glass-border);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem 1rem;
    align-items: center;
    justify-content: space-between;
  }
  .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .status {
    font-size: 0.75rem;
    padding: 0.1rem 0.5rem;
    border-radius: 999px;
    border: 1px solid currentColor;
    color: var(--neon);
  }
  .status.seeding {
    color: var(--ok);
  }
  .status.error {
    color: var(--bad);
  }
  .status.paused,
  .status.stalled {
    color: var(--muted);
  }
  .meta {
    font-size: 0.8rem;
    color: var(--muted);
    display: flex;
    gap: 0.3rem 1rem;
    flex-wrap: wrap;
    align-items: center;
  }
  .error {
    color: var(--bad);
    font-size: 0.85rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
`;

/** A view of two columns from wide screens (the second beside the first), one below that. */
/** A question or notice of the shell's notices row (`.question`): cyan-edged, its lines in a grid, its buttons in a row (`.choices`). */
export const question = css`
  .question {
    display: grid;
    gap: 0.4rem;
    margin: 0 1rem 1rem;
    padding: 0.6rem 0.9rem;
    border-radius: 12px;
    border: 1px solid rgb(34 211 238 / 0.5);
    background: rgb(34 211 238 / 0.08);
    overflow-wrap: anywhere;
  }
  .choices {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
`;

export const viewColumns = css`
  :host {
    display: grid;
    gap: 1rem;
    grid-template-columns: minmax(0, 1fr);
  }
  @media (min-width: 1100px) {
    :host {
      grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
      align-items: start;
    }
  }
`;
