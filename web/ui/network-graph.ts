/**
 * The interactive peer graph: this browser in the middle, each peer a node labelled by its name,
 * each link as thick as its live throughput, dashed when relayed. Layout by d3-force; drawing is a
 * Lit SVG template. Drag a node; drag the background to pan; wheel or pinch to zoom; from the
 * keyboard, Tab to a node (its details show), arrows pan, + and - zoom, 0 resets. Hover, focus or
 * tap shows a node's RTT and bytes. Nodes fade in and out, not at all under reduced motion (the
 * layout is then computed at once, not animated).
 */
import { css, html, LitElement, nothing, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { forceCollide, forceLink, forceManyBody, forceSimulation, type Simulation, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3-force';
import { formatBytes, formatSpeed } from './format.js';
import { linkWidth, pathText, SELF_ID, type GraphLink, type GraphModel, type GraphNode } from './graph-model.js';

interface Node extends SimulationNodeDatum, GraphNode {
  /** When it left the room (it fades out before it goes), or undefined. */
  leftAt?: number;
}
type Link = SimulationLinkDatum<Node> & GraphLink;

const LEAVE_MS = 600;
const MIN_ZOOM = 0.3;
const MAX_ZOOM = 4;

@customElement('shoal-network-graph')
export class NetworkGraph extends LitElement {
  static override styles = css`
    :host {
      display: block;
      position: relative;
    }
    svg {
      display: block;
      width: 100%;
      height: clamp(260px, 55vh, 520px);
      touch-action: none;
      cursor: grab;
      border-radius: 12px;
      background: radial-gradient(circle at 50% 50%, rgb(34 211 238 / 0.06), transparent 70%);
    }
    svg:focus-visible {
      outline: 2px solid var(--neon);
    }
    line {
      stroke: var(--neon);
      stroke-opacity: 0.7;
    }
    line.relayed {
      stroke: var(--neon-2);
      stroke-dasharray: 6 4;
    }
    line.idle {
      stroke-opacity: 0.3;
    }
    g.node {
      cursor: pointer;
      transition: opacity 0.5s;
      animation: node-in 0.5s ease-out;
    }
    g.node.leaving {
      opacity: 0;
    }
    @keyframes node-in {
      from {
        opacity: 0;
      }
    }
    g.node:focus {
      outline: none;
    }
    g.node:focus-visible circle,
    g.node.selected circle {
      stroke: #fff;
      stroke-width: 3;
    }
    circle {
      fill: #0f1a33;
      stroke: var(--neon);
      stroke-width: 2;
    }
    circle.self {
      fill: rgb(34 211 238 / 0.25);
    }
    circle.failed {
      stroke: var(--bad);
    }
    circle.none,
    circle.new,
    circle.connecting {
      stroke: var(--muted);
    }
    text {
      fill: var(--text);
      font-size: 12px;
      text-anchor: middle;
      pointer-events: none;
    }
    .details {
      position: absolute;
      left: 0.6rem;
      top: 0.6rem;
      max-width: calc(100% - 1.2rem);
      padding: 0.4rem 0.6rem;
      border-radius: 10px;
      background: rgb(11 16 32 / 0.92);
      border: 1px solid var(--glass-border);
      font-size: 0.8rem;
      overflow-wrap: anywhere;
    }
    .hint {
      color: var(--muted);
      font-size: 0.75rem;
      margin: 0.3rem 0 0;
    }
    @media (prefers-reduced-motion: reduce) {
      g.node {
        transition: none;
        animation: none;
      }
    }
  `;

  @property({ attribute: false }) model: GraphModel = { nodes: [], links: [] };
  @state() private selected: string | undefined;
  @state() private view = { x: 0, y: 0, k: 1 };
  #nodes = new Map<string, Node>();
  #links: Link[] = [];
  readonly #simulation: Simulation<Node, Link>;
  readonly #reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
  #frame = 0;
  /** Pointers down on the background (pan, pinch) or on a node (drag). */
  readonly #pointers = new Map<number, { x: number; y: number }>();
  #dragging: Node | undefined;
  #pinch: { distance: number; k: number } | undefined;

  constructor() {
    super();
    // This browser is pinned in the middle, so no centring force (it would drag the peers onto it).
    this.#simulation = forceSimulation<Node, Link>()
      .force('link', forceLink<Node, Link>().id((node) => node.id).distance(120))
      .force('charge', forceManyBody<Node>().strength(-320))
      .force('collide', forceCollide<Node>(34))
      // settle in about 90 ticks (d3's default is 300, five seconds of re-rendering at 60 Hz)
      .alphaMin(0.01)
      .alphaDecay(0.05)
      .on('tick', () => this.#scheduleRender())
      .stop();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#simulation.stop();
    cancelAnimationFrame(this.#frame);
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('model')) this.#merge();
  }

  /** Keeps the positions of nodes that stay; new ones start near the middle, gone ones fade out. */
  #merge(): void {
    const now = performance.now();
    const wanted = new Set(this.model.nodes.map((node) => node.id));
    let changedShape = false;
    for (const node of this.model.nodes) {
      const known = this.#nodes.get(node.id);
      if (known) {
        Object.assign(known, node, { leftAt: undefined });
      } else {
        const angle = Math.random() * Math.PI * 2;
        this.#nodes.set(node.id, { ...node, x: node.self ? 0 : Math.cos(angle) * 60, y: node.self ? 0 : Math.sin(angle) * 60, ...(node.self ? { fx: 0, fy: 0 } : {}) });
        changedShape = true;
      }
    }
    for (const [id, node] of this.#nodes) {
      if (wanted.has(id)) continue;
      if (node.leftAt === undefined) {
        node.leftAt = now;
        changedShape = true;
      } else if (now - node.leftAt > LEAVE_MS || this.#reducedMotion.matches) {
        this.#nodes.delete(id);
        changedShape = true;
      }
    }
    this.#links = this.model.links.filter((link) => this.#nodes.has(link.peerId)).map((link) => ({ ...link, source: SELF_ID, target: link.peerId }));
    if (!changedShape) return;
    this.#simulation.nodes([...this.#nodes.values()]);
    this.#simulation.force<ReturnType<typeof forceLink<Node, Link>>>('link')!.links(this.#links);
    if (this.#reducedMotion.matches) {
      this.#simulation.stop();
      this.#simulation.alpha(1);
      this.#simulation.tick(200);
    } else {
      this.#simulation.alpha(0.6).restart();
    }
    // gone nodes are dropped after their fade
    if ([...this.#nodes.values()].some((node) => node.leftAt !== undefined)) setTimeout(() => this.requestUpdate('model'), LEAVE_MS + 50);
  }

  #scheduleRender(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.requestUpdate();
    });
  }

  override render() {
    const nodes = [...this.#nodes.values()];
    const byId = this.#nodes;
    const selected = this.selected ? byId.get(this.selected) : undefined;
    const selectedLink = this.#links.find((link) => link.peerId === this.selected);
    const { x, y, k } = this.view;
    return html`
      <svg
        viewBox="-300 -200 600 400"
        tabindex="0"
        role="group"
        aria-label="Peer graph: arrow keys pan, plus and minus zoom, 0 resets; Tab moves between peers"
        @pointerdown=${this.#onPointerDown}
        @pointermove=${this.#onPointerMove}
        @pointerup=${this.#onPointerUp}
        @pointercancel=${this.#onPointerUp}
        @wheel=${this.#onWheel}
        @keydown=${this.#onKey}
      >
        <g transform="translate(${x} ${y}) scale(${k})">
          ${this.#links.map((link) => {
            const target = byId.get(link.peerId);
            const source = byId.get(SELF_ID);
            if (!target || !source) return nothing;
            return svg`<line class="${link.relayed ? 'relayed' : ''} ${link.rate > 0 ? '' : 'idle'}" x1=${source.x ?? 0} y1=${source.y ?? 0} x2=${target.x ?? 0} y2=${target.y ?? 0} stroke-width=${linkWidth(link.rate)}></line>`;
          })}
          ${repeat(
            nodes,
            (node) => node.id,
            (node) => svg`<g
              class="node ${node.leftAt !== undefined ? 'leaving' : ''} ${node.id === this.selected ? 'selected' : ''}"
              data-node=${node.id}
              transform="translate(${node.x ?? 0} ${node.y ?? 0})"
              tabindex=${node.leftAt !== undefined ? '-1' : '0'}
              role="button"
              aria-label=${this.#describe(node)}
              @focus=${() => (this.selected = node.id)}
              @pointerenter=${() => (this.selected = node.id)}
            >
              <circle class="${node.self ? 'self' : node.connection}" r=${node.self ? 22 : 16}></circle>
              <text y=${node.self ? 38 : 32}>${node.self ? `${node.name} (you)` : node.name}</text>
            </g>`,
          )}
        </g>
      </svg>
      ${selected
        ? html`<div class="details" aria-live="polite">
            <strong>${selected.self ? `${selected.name} (you)` : selected.name}</strong>
            ${selectedLink
              ? html`<div>${selectedLink.connected ? pathText(selectedLink.path) : selected.connection} · RTT ${selectedLink.rtt ?? '—'} ms · ${formatSpeed(selectedLink.rate)}</div>
                  <div>↑ ${formatBytes(selectedLink.sent)} ↓ ${formatBytes(selectedLink.received)}</div>`
              : html`<div>${this.model.nodes.length - 1} peer${this.model.nodes.length === 2 ? '' : 's'} in the room</div>`}
          </div>`
        : nothing}
      <p class="hint">Drag to move · wheel or pinch to zoom · Tab to a peer for details</p>
    `;
  }

  #describe(node: Node): string {
    if (node.self) return `${node.name} (you)`;
    const link = this.#links.find((l) => l.peerId === node.id);
    if (!link) return node.name;
    return `${node.name}: ${link.connected ? pathText(link.path) : node.connection}, RTT ${link.rtt ?? 'unknown'} ms, ${formatSpeed(link.rate)}, sent ${formatBytes(link.sent)}, received ${formatBytes(link.received)}`;
  }

  /** A point of the event in graph coordinates (before pan and zoom are applied: viewBox units). */
  #svgPoint(event: PointerEvent | WheelEvent): { x: number; y: number } {
    const svgElement = this.renderRoot.querySelector('svg')!;
    const box = svgElement.getBoundingClientRect();
    const scale = Math.max(600 / box.width, 400 / box.height);
    return { x: (event.clientX - box.left - box.width / 2) * scale, y: (event.clientY - box.top - box.height / 2) * scale };
  }

  #onPointerDown(event: PointerEvent): void {
    const nodeElement = (event.target as Element).closest?.('g.node');
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
    const point = this.#svgPoint(event);
    this.#pointers.set(event.pointerId, point);
    if (nodeElement) {
      const node = this.#nodes.get(nodeElement.getAttribute('data-node')!);
      if (node && !node.self) {
        this.#dragging = node;
        this.selected = node.id;
        if (!this.#reducedMotion.matches) this.#simulation.alphaTarget(0.2).restart();
      } else if (node) this.selected = node.id;
      return;
    }
    if (this.#pointers.size === 2) {
      const [a, b] = [...this.#pointers.values()];
      this.#pinch = { distance: Math.hypot(a!.x - b!.x, a!.y - b!.y), k: this.view.k };
    }
  }

  #onPointerMove(event: PointerEvent): void {
    const last = this.#pointers.get(event.pointerId);
    if (!last) return;
    const point = this.#svgPoint(event);
    this.#pointers.set(event.pointerId, point);
    if (this.#dragging) {
      const { x, y, k } = this.view;
      this.#dragging.fx = (point.x - x) / k;
      this.#dragging.fy = (point.y - y) / k;
      if (this.#reducedMotion.matches) {
        this.#dragging.x = this.#dragging.fx;
        this.#dragging.y = this.#dragging.fy;
      }
      this.#scheduleRender();
      return;
    }
    if (this.#pinch && this.#pointers.size === 2) {
      const [a, b] = [...this.#pointers.values()];
      this.#zoomTo((this.#pinch.k * Math.hypot(a!.x - b!.x, a!.y - b!.y)) / Math.max(1, this.#pinch.distance));
      return;
    }
    this.view = { ...this.view, x: this.view.x + point.x - last.x, y: this.view.y + point.y - last.y };
  }

  #onPointerUp(event: PointerEvent): void {
    this.#pointers.delete(event.pointerId);
    if (this.#pointers.size < 2) this.#pinch = undefined;
    if (this.#dragging && this.#pointers.size === 0) {
      this.#dragging.fx = null;
      this.#dragging.fy = null;
      this.#dragging = undefined;
      this.#simulation.alphaTarget(0);
    }
  }

  #onWheel(event: WheelEvent): void {
    event.preventDefault();
    this.#zoomTo(this.view.k * Math.exp(-event.deltaY * 0.0015));
  }

  #zoomTo(k: number): void {
    this.view = { ...this.view, k: Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k)) };
  }

  #onKey(event: KeyboardEvent): void {
    const step = 30;
    const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const move = moves[event.key];
    if (move) this.view = { ...this.view, x: this.view.x + move[0], y: this.view.y + move[1] };
    else if (event.key === '+' || event.key === '=') this.#zoomTo(this.view.k * 1.2);
    else if (event.key === '-') this.#zoomTo(this.view.k / 1.2);
    else if (event.key === '0') this.view = { x: 0, y: 0, k: 1 };
    else if (event.key === 'Escape') this.selected = undefined;
    else return;
    event.preventDefault();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'shoal-network-graph': NetworkGraph;
  }
}
