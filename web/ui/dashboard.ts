/**
 * The dashboard: cards (peers, speeds, totals, ratio, transfers, storage), the upload and download
 * speed of the last 10 minutes as a chart.js line chart fed one sample a second in place (never
 * rebuilt), and transfer analytics from the transfer history. chart.js is loaded when the
 * dashboard first shows, not with the shell.
 */
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import type { Chart } from 'chart.js';
import type { Engine } from '../engine/engine.js';
import { connectionRows, dashboardCards, healthRows, SpeedFeed, type DashboardCards } from './dashboard-model.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';
import { engineContext } from './slice-controller.js';
import { panel } from './theme.js';

const STORAGE_REFRESH_MS = 10_000;
const SERVER_REFRESH_MS = 30_000;

@customElement('shoal-dashboard')
export class Dashboard extends LitElement {
  static override styles = [
    panel,
    css`
      .cards {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
        gap: 0.6rem;
      }
      .card {
        border: 1px solid var(--glass-border);
        border-radius: 12px;
        padding: 0.5rem 0.7rem;
        background: rgb(255 255 255 / 0.03);
      }
      .card dt {
        font-size: 0.72rem;
        letter-spacing: 0.08em;
        text-transform: uppercase;
        color: var(--muted);
      }
      .card dd {
        margin: 0.2rem 0 0;
        font-size: 1.15rem;
        font-variant-numeric: tabular-nums;
      }
      figure {
        margin: 1rem 0 0;
      }
      .chart {
        position: relative;
        height: 180px;
      }
      figcaption {
        font-size: 0.8rem;
        color: var(--muted);
        margin-top: 0.3rem;
      }
      .tables {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
        gap: 1rem;
        margin-top: 1rem;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 0.85rem;
      }
      caption {
        text-align: left;
        font-size: 0.72rem;
        letter-spacing: 0.08em;
        text-transform: uppercase;
        color: var(--muted);
        padding-bottom: 0.3rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.2rem 0.4rem 0.2rem 0;
        border-bottom: 1px solid var(--glass-border);
        overflow-wrap: anywhere;
      }
      .bad {
        color: var(--bad);
      }
    `,
  ];

  @state() private cards: DashboardCards | undefined;
  @state() private storage: { usage: number; quota: number } | undefined;
  @state() private server: string | undefined;
  @query('canvas') private canvas!: HTMLCanvasElement;
  #engine: Engine | undefined;
  #chart: Chart | undefined;
  readonly #feed = new SpeedFeed();
  #stops: (() => void)[] = [];

  constructor() {
    super();
    new ContextConsumer(this, { context: engineContext, callback: (engine) => ((this.#engine = engine), this.#start()) });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const stop of this.#stops.splice(0)) stop();
    this.#chart?.destroy();
    this.#chart = undefined;
  }

  override render() {
    const c = this.cards;
    const summary = this.#engine?.transfers.summary();
    const card = (label: string, value: string) => html`<div class="card"><dt>${label}</dt><dd>${value}</dd></div>`;
    return html`
      <section class="panel" aria-labelledby="dashboard-title">
        <h2 id="dashboard-title">Dashboard</h2>
        <dl class="cards">
          ${card('Peers connected', c ? `${c.peersConnected} of ${c.peersInRoom}` : '—')}
          ${card('Upload', c ? formatSpeed(c.upload) : '—')}
          ${card('Download', c ? formatSpeed(c.download) : '—')}
          ${card('Shared', c ? formatBytes(c.totalSent) : '—')}
          ${card('Downloaded', c ? formatBytes(c.totalReceived) : '—')}
          ${card('Ratio', c?.ratio != null ? c.ratio.toFixed(2) : '—')}
          ${card('Active transfers', c ? String(c.activeTransfers) : '—')}
          ${card('Storage', this.storage ? `${formatBytes(this.storage.usage)} of ${formatBytes(this.storage.quota)}` : '—')}
          ${card('Success rate', summary?.successRate != null ? `${Math.round(summary.successRate * 100)}% of ${summary.finished + summary.failed}` : '—')}
          ${card('Median time', formatDuration(summary?.medianSeconds ?? null))}
          ${card('Average speed', summary?.averageBytesPerSecond != null ? formatSpeed(summary.averageBytesPerSecond) : '—')}
        </dl>
        <figure>
          <div class="chart"><canvas role="img" aria-label="Upload and download speed, last 10 minutes" data-points=${this.#feed.labels.length}></canvas></div>
          <figcaption>Last 10 minutes, MiB/s. Now: upload ${c ? formatSpeed(c.upload) : '—'}, download ${c ? formatSpeed(c.download) : '—'}.</figcaption>
        </figure>
        <div class="tables">
          <table>
            <caption>Connection quality</caption>
            <thead><tr><th scope="col">Peer</th><th scope="col">Path</th><th scope="col">RTT</th><th scope="col">Failures</th></tr></thead>
            <tbody>
              ${this.#engine
                ? connectionRows(this.#engine.store.state).map(
                    (row) => html`<tr>
                      <th scope="row">${row.name}</th>
                      <td>${row.path}</td>
                      <td>${row.rttMs === null ? '—' : `${row.rttMs} ms`}</td>
                      <td class=${row.failures > 0 ? 'bad' : ''} title=${row.lastFailure ?? ''}>${row.failures}</td>
                    </tr>`,
                  )
                : ''}
            </tbody>
          </table>
          <table>
            <caption>System health</caption>
            <tbody>
              ${this.#engine
                ? healthRows(this.#engine.store.state, this.#heap(), this.server).map(
                    (row) => html`<tr><th scope="row">${row.label}</th><td class=${row.ok ? '' : 'bad'}>${row.value}</td></tr>`,
                  )
                : ''}
            </tbody>
          </table>
        </div>
      </section>
    `;
  }

  #start(): void {
    const engine = this.#engine!;
    this.#feed.fill(engine.stats.history);
    const refresh = () => (this.cards = dashboardCards(engine.store.state, engine.stats.history));
    refresh();
    this.#stops.push(
      engine.stats.onSample(() => {
        const history = engine.stats.history;
        this.#feed.push(history.times.latest(), history.up.latest(), history.down.latest());
        this.#chart?.update('none');
        refresh();
      }),
      engine.transfers.onChange(() => this.requestUpdate()),
    );
    const estimate = () => void navigator.storage?.estimate?.().then(({ usage = 0, quota = 0 }) => (this.storage = { usage, quota }));
    estimate();
    const health = () =>
      void fetch('/api/health', { cache: 'no-store' })
        .then((r) => r.json() as Promise<{ status?: unknown }>)
        .then((h) => (this.server = typeof h.status === 'string' ? h.status : 'unknown'), () => (this.server = 'unreachable'));
    health();
    const timers = [setInterval(estimate, STORAGE_REFRESH_MS), setInterval(health, SERVER_REFRESH_MS)];
    this.#stops.push(() => timers.forEach(clearInterval));
    void this.#loadChart();
  }

  /** The JS heap where the browser exposes it (Chromium's performance.memory). */
  #heap(): { used: number; limit: number } | undefined {
    const memory = (performance as Performance & { memory?: { usedJSHeapSize: number; jsHeapSizeLimit: number } }).memory;
    return memory ? { used: memory.usedJSHeapSize, limit: memory.jsHeapSizeLimit } : undefined;
  }

  async #loadChart(): Promise<void> {
    const { Chart, LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip, Legend } = await import('chart.js');
    Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip, Legend);
    await this.updateComplete;
    if (!this.isConnected || this.#chart) return;
    const style = getComputedStyle(this);
    const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    const line = (label: string, data: number[], colour: string) => ({ label, data, borderColor: colour, backgroundColor: `${colour}22`, fill: true, pointRadius: 0, borderWidth: 2, tension: 0.25 });
    this.#chart = new Chart(this.canvas, {
      type: 'line',
      data: { labels: this.#feed.labels, datasets: [line('Upload', this.#feed.up, color('--neon-2', '#e879f9')), line('Download', this.#feed.down, color('--neon', '#22d3ee'))] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 6, color: color('--muted', '#94a3b8') } }, y: { beginAtZero: true, ticks: { color: color('--muted', '#94a3b8') } } },
        plugins: { legend: { labels: { color: color('--text', '#e2e8f0') } } },
      },
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-dashboard': Dashboard;
  }
}
