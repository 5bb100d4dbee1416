/**
 * Network: the interactive graph of this browser and its peers, and beside it the same data as a
 * table (name, connection, path, RTT, throughput, bytes each way). Both refresh with the stats
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
      .table-wrap {
        overflow-x: auto;
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
        white-space: nowrap;
      }
      th {
        color: var(--muted);
        font-weight: 600;
      }
      /* Names wrap between words, and break inside one only when it is longer than the column
         (anywhere-breaking made "Golden Squid" read "Golde / n / Squid" in a squeezed table). */
      td.name {
        white-space: normal;
        overflow-wrap: break-word;
        min-width: 10ch;
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
          : html`<div class="table-wrap" tabindex="0" role="region" aria-label="Peers, scrollable">
              <table aria-labelledby="peers-title">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Connection</th>
                    <th scope="col">Path</th>
                    <th scope="col">RTT</th>
                    <th scope="col">Speed</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Received</th>
                  </tr>
                </thead>
                <tbody>
                  ${peers.map((node) => {
                    const link = this.model.links.find((l) => l.peerId === node.id)!;
                    return html`<tr data-peer-id=${node.id}>
                      <td class="name">${node.name}</td>
                      <td>${node.connection === 'none' ? 'not connected' : node.connection}</td>
                      <td>${link.connected ? pathText(link.path) : '—'}</td>
                      <td>${link.rtt === undefined ? '—' : `${link.rtt} ms`}</td>
                      <td>${formatSpeed(link.rate)}</td>
                      <td>${formatBytes(link.sent)}</td>
                      <td>${formatBytes(link.received)}</td>
                    </tr>`;
                  })}
                </tbody>
              </table>
            </div>`}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-network-view': NetworkView;
  }
}
