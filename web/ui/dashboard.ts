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
import { connectionRows, dashboardCards, healthRows, RttFeed, SpeedFeed, type DashboardCards, type Point } from './dashboard-model.js';
import type { RelayProbe } from '../engine/relay-probe.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';
import { engineContext } from './slice-controller.js';
import { panel } from './theme.js';

const STORAGE_REFRESH_MS = 10_000;
const SERVER_REFRESH_MS = 30_000;
const RELAY_REFRESH_MS = 5 * 60_000;

@customElement('shoal-dashboard')
export class Dashboard extends LitElement {
  static override styles = [
    panel,
    css`
      .start {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem 0.75rem;
        margin: 0 0 1rem;
        color: var(--muted);
      }
      .cards {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(8rem, 40%), 1fr));
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
      .chart.small {
        height: 130px;
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
        align-items: start;
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
  /** The JS heap where the browser exposes it, read with the storage estimate (reading it costs ms). */
  @state() private heap: { used: number; limit: number } | undefined;
  @state() private server: string | undefined;
  @query('canvas') private canvas!: HTMLCanvasElement;
  #engine: Engine | undefined;
  #chart: Chart | undefined;
  #rttChart: Chart | undefined;
  readonly #feed = new SpeedFeed();
  readonly #rtt = new RttFeed();
  #drawing = false;
  @state() private relay: RelayProbe | undefined;
  #stops: (() => void)[] = [];

  constructor() {
    super();
    new ContextConsumer(this, { context: engineContext, callback: (engine) => ((this.#engine = engine), this.#start()) });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const stop of this.#stops.splice(0)) stop();
    this.#chart?.destroy();
    this.#rttChart?.destroy();
    this.#chart = undefined;
    this.#rttChart = undefined;
  }

  override render() {
    const c = this.cards;
    const summary = this.#engine?.transfers.summary();
    const card = (label: string, value: string) => html`<div class="card"><dt>${label}</dt><dd>${value}</dd></div>`;
    return html`
      <section class="panel" aria-labelledby="dashboard-title">
        <h2 id="dashboard-title">Dashboard</h2>
        ${c && c.seeding === 0 && c.activeTransfers === 0
          ? html`<p class="start">Nothing shared yet. <a class="button" href="#/files">Share a file</a> Drop it or pick it: everyone in your room can then download it, verified chunk by chunk.</p>`
          : ''}
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
          <div class="chart"><canvas role="img" aria-label="Upload and download speed, last 10 minutes" data-points=${this.#feed.up.length}></canvas></div>
          <figcaption>Last 10 minutes, MiB/s. Now: upload ${c ? formatSpeed(c.upload) : '—'}, download ${c ? formatSpeed(c.download) : '—'}.</figcaption>
        </figure>
        <figure>
          <div class="chart small"><canvas class="rtt" role="img" aria-label="Round-trip time per peer, last 10 minutes" data-lines=${this.#rtt.datasets.length}></canvas></div>
          <figcaption>Round-trip time per connected peer, milliseconds${this.#rtt.datasets.length === 0 ? ' (no connection yet)' : ''}.</figcaption>
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
                ? healthRows(this.#engine.store.state, this.heap, this.server, this.relay).map(
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
    this.#rtt.fill(engine.stats.history, new Map(engine.store.state.peers.map((p) => [p.peerId, p.name])));
    const refresh = () => (this.cards = dashboardCards(engine.store.state, engine.stats.history));
    refresh();
    this.#stops.push(
      engine.stats.onSample(() => {
        const history = engine.stats.history;
        this.#feed.push(history.times.latest(), history.up.latest(), history.down.latest());
        this.#pushRtt();
        this.#drawCharts();
        refresh();
      }),
      engine.transfers.onChange(() => this.requestUpdate()),
    );
    const estimate = () => {
      this.heap = this.#heap();
      void navigator.storage?.estimate?.().then(({ usage = 0, quota = 0 }) => (this.storage = { usage, quota }));
    };
    estimate();
    const health = () =>
      void fetch('/api/health', { cache: 'no-store' })
        .then((r) => r.json() as Promise<{ status?: unknown }>)
        .then((h) => (this.server = typeof h.status === 'string' ? h.status : 'unknown'), () => (this.server = 'unreachable'));
    health();
    const relay = () => void engine.probeRelay().then((result) => (this.relay = result));
    relay();
    const timers = [setInterval(estimate, STORAGE_REFRESH_MS), setInterval(health, SERVER_REFRESH_MS), setInterval(relay, RELAY_REFRESH_MS)];
    this.#stops.push(() => timers.forEach(clearInterval));
    void this.#loadChart();
  }

  /**
   * Redraws the charts in the next animation frames, one chart per frame: no single task long
   * enough to hold up input, and nothing at all while the page is hidden (no frames then; the
   * data is still pushed, so the charts are current when it shows again).
   */
  #drawCharts(): void {
    if (this.#drawing) return;
    this.#drawing = true;
    requestAnimationFrame(() => {
      this.#chart?.update('none');
      requestAnimationFrame(() => {
        this.#rttChart?.update('none');
        this.#drawing = false;
      });
    });
  }

  /** One RTT sample per peer; a peer's first sample adds its line to the chart. */
  #pushRtt(): void {
    const engine = this.#engine!;
    const names = new Map(engine.store.state.peers.map((p) => [p.peerId, p.name]));
    const before = this.#rtt.datasets.length;
    this.#rtt.push(engine.stats.history.times.latest(), engine.stats.history.peers, names);
    if (this.#rttChart && (before !== this.#rtt.datasets.length || this.#rttChart.data.datasets.length !== this.#rtt.datasets.length)) {
      this.#rttChart.data.datasets = this.#rtt.datasets.map((d, i) => this.#rttLine(d, i));
    }
  }

  #rttLine(dataset: RttFeed['datasets'][number], index: number) {
    const palette = ['#22d3ee', '#e879f9', '#34d399', '#fbbf24', '#60a5fa', '#f472b6', '#a3e635', '#fb923c'];
    const colour = palette[index % palette.length]!;
    return { label: dataset.label, data: dataset.data, borderColor: colour, backgroundColor: colour, pointRadius: 0, borderWidth: 1.5, spanGaps: false, tension: 0 };
  }

  /** The JS heap where the browser exposes it (Chromium's performance.memory). */
  #heap(): { used: number; limit: number } | undefined {
    const memory = (performance as Performance & { memory?: { usedJSHeapSize: number; jsHeapSizeLimit: number } }).memory;
    return memory ? { used: memory.usedJSHeapSize, limit: memory.jsHeapSizeLimit } : undefined;
  }

  async #loadChart(): Promise<void> {
    const { Chart, LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend } = await import('chart.js');
    Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend);
    await this.updateComplete;
    if (!this.isConnected || this.#chart) return;
    const style = getComputedStyle(this);
    const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
    // Updated in place once a second, so kept cheap (chart.js's performance advice): no animation,
    // points already {x, y} and in order (no parsing), straight segments, and a linear time axis
    // (a category axis would lay out 600 labels on every update).
    const options = () => ({
      animation: false as const,
      maintainAspectRatio: false,
      parsing: false as const,
      normalized: true,
      interaction: { mode: 'nearest' as const, axis: 'x' as const, intersect: false },
      scales: {
        x: {
          type: 'linear' as const,
          // Before the first sample the axis runs 0..1 ms: no labels then, not "00:00:00" six times.
          ticks: { maxTicksLimit: 6, maxRotation: 0, color: color('--muted', '#94a3b8'), callback: (value: number | string) => (Number(value) > EPOCH_2001_MS ? clockTime(Number(value)) : '') },
        },
        // (chart.js's default number format goes through Intl on every tick of every update)
        y: { beginAtZero: true, ticks: { maxTicksLimit: 5, color: color('--muted', '#94a3b8'), callback: (value: number | string) => String(Math.round(Number(value) * 100) / 100) } },
      },
      plugins: { legend: { labels: { color: color('--text', '#e2e8f0') } }, tooltip: { callbacks: { title: (items: { parsed: { x: number | null } }[]) => clockTime(items[0]?.parsed.x ?? 0) } } },
    });
    const line = (label: string, data: Point[], colour: string) => ({ label, data, borderColor: colour, backgroundColor: `${colour}22`, fill: true, pointRadius: 0, borderWidth: 2, tension: 0 });
    this.#chart = new Chart(this.canvas, {
      type: 'line',
      data: { datasets: [line('Upload', this.#feed.up, color('--neon-2', '#e879f9')), line('Download', this.#feed.down, color('--neon', '#22d3ee'))] },
      options: options(),
    });
    this.#rttChart = new Chart(this.renderRoot.querySelector<HTMLCanvasElement>('canvas.rtt')!, {
      type: 'line',
      data: { datasets: this.#rtt.datasets.map((d, i) => this.#rttLine(d, i)) },
      options: options(),
    });
  }
}

/** Any real sample time is later than this; an axis value below it is chart.js's placeholder range. */
const EPOCH_2001_MS = 978_307_200_000;

/** A time axis label: the local wall-clock time of `ms` since the epoch (one formatter: making one is slow). */
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const clockTime = (ms: number) => CLOCK.format(ms);

declare global {
  interface HTMLElementTagNameMap {
    'shoal-dashboard': Dashboard;
  }
}
