/**
 * Network: the interactive graph of this browser and its peers, and beside it the same data as a
 * table (name, connection and its path, RTT, throughput, bytes each way). Both refresh with the stats
 * sample (once a second) and when the peers change. The graph's code (d3-force) loads with this view.
 */
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { EngineState } from '../../engine/state.js';
import { formatBytes, formatSpeed } from '../format.js';
import { graphModel, pathText, type GraphModel } from '../graph-model.js';
import { EngineWatch } from '../engine-watch.js';
import { watchSlice } from '../slice-controller.js';
import { panel, viewColumns } from '../theme.js';

@customElement('shoal-network-view')
export class NetworkView extends LitElement {
  static override styles = [
    panel,
    viewColumns,
    css`
      /* The table fits its panel: five columns where there is room, and below 34rem (a phone, or
         the narrow column beside the graph) each peer is a card of labelled values. Explicit roles
         keep it a table for assistive technology whatever its display. */
      .table-wrap {
        container-type: inline-size;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.85rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.3rem 0.4rem;
        border-bottom: 1px solid var(--glass-border);
      }
      th {
        color: var(--muted);
        font-weight: 600;
        white-space: nowrap;
      }
      td {
        white-space: nowrap;
      }
      /* Names wrap between words, and break inside one only when it is longer than the column
         (anywhere-breaking made "Golden Squid" read "Golde / n / Squid" in a squeezed table). */
      td.name {
        white-space: normal;
        overflow-wrap: break-word;
        min-width: 8ch;
      }
      .both {
        display: flex;
        flex-wrap: wrap;
        column-gap: 0.6rem;
      }
      @container (max-width: 34rem) {
        table,
        tbody,
        tr,
        td {
          display: block;
        }
        thead {
          position: absolute;
          width: 1px;
          height: 1px;
          overflow: hidden;
          clip-path: inset(50%);
        }
        tr {
          display: grid;
          grid-template-columns: repeat(auto-fit, minmax(7.5rem, 1fr));
          gap: 0.2rem 0.8rem;
          padding: 0.5rem 0.2rem;
          border-bottom: 1px solid var(--glass-border);
        }
        td {
          border: 0;
          padding: 0;
          white-space: normal;
        }
        td.name {
          grid-column: 1 / -1;
          font-weight: 600;
        }
        td[data-label]::before {
          /* shown, not read: the cell's column header already names it */
          content: attr(data-label) / '';
          display: block;
          color: var(--muted);
          font-size: 0.75rem;
        }
      }
      .loading {
        color: var(--muted);
      }
    `,
  ];

  @state() private model: GraphModel = { nodes: [], links: [] };
  @state() private graphLoaded = false;
  readonly watch = new EngineWatch(this, (engine) => {
    const refresh = () => (this.model = graphModel(engine.store.state, engine.stats.history));
    // Who is there, how connected and named: at once; counters and rates: with the 1 Hz sample (the
    // peers' byte counters change on every 200 ms state batch during a transfer).
    const shape = (state: EngineState) => `${state.selfName}\n${state.peers.map((p) => `${p.peerId} ${p.connection} ${p.path} ${p.name}`).join('\n')}`;
    return [watchSlice(engine.store, shape, refresh), engine.stats.onSample(refresh)];
  });

  constructor() {
    super();
    void import('../network-graph.js').then(() => (this.graphLoaded = true));
  }

  override render() {
    const peers = this.model.nodes.filter((node) => !node.self);
    return html`
      <section class="panel" aria-labelledby="graph-title">
        <h2 id="graph-title">Network</h2>
        ${this.graphLoaded ? html`<shoal-network-graph .model=${this.model}></shoal-network-graph>` : html`<p class="loading">Loading the graph…</p>`}
      </section>
      <section class="panel" aria-labelledby="peers-title">
        <h2 id="peers-title">Peers (${peers.length})</h2>
        ${peers.length === 0
          ? html`<p class="empty">Waiting for others. Open Shoal on another device on this network, or share the room link from Settings.</p>`
          : html`<div class="table-wrap">
              <table role="table" aria-labelledby="peers-title">
                <thead role="rowgroup">
                  <tr role="row">
                    <th role="columnheader" scope="col">Name</th>
                    <th role="columnheader" scope="col">Connection</th>
                    <th role="columnheader" scope="col">RTT</th>
                    <th role="columnheader" scope="col">Speed</th>
                    <th role="columnheader" scope="col">Sent · Received</th>
                  </tr>
                </thead>
                <tbody role="rowgroup">
                  ${peers.map((node) => {
                    const link = this.model.links.find((l) => l.peerId === node.id)!;
                    return html`<tr role="row" data-peer-id=${node.id}>
                      <td role="cell" class="name">${node.name}</td>
                      <td role="cell" data-label="Connection">${connectionText(node.connection, link.connected ? link.path : undefined)}</td>
                      <td role="cell" data-label="RTT">${link.rtt === undefined ? '—' : `${link.rtt} ms`}</td>
                      <td role="cell" data-label="Speed">${formatSpeed(link.rate)}</td>
                      <td role="cell" data-label="Sent · Received"><span class="both"><span>↑ ${formatBytes(link.sent)}</span><span>↓ ${formatBytes(link.received)}</span></span></td>
                    </tr>`;
                  })}
                </tbody>
              </table>
            </div>`}
      </section>
    `;
  }
}

/** "connected · direct", "connected · relayed", "connecting", "not connected". */
export function connectionText(connection: string, path: string | undefined): string {
  if (connection === 'none') return 'not connected';
  return path === undefined ? connection : `${connection} · ${pathText(path)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-network-view': NetworkView;
  }
}
