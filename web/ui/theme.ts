/** Design tokens and shared styles: dark, glassy, neon-accented. */
import { css } from 'lit';

export const panel = css`
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
  .empty {
    color: var(--muted);
    font-size: 0.9rem;
  }
  .mono {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    font-size: 0.75rem;
    color: var(--muted);
    word-break: break-all;
  }
`;
