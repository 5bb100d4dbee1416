/// <reference types="mocha" />
/**
 * The views' components in a real Chromium: the chunk map draws what the bitfield holds, the peer
 * graph lays out and answers the keyboard and lets a leaving peer fade out, the QR code draws a
 * square of modules, and the toasts tell a completed download from the engine's state.
 */
import { ContextProvider } from '@lit/context';
import { Store } from '../../web/engine/store.js';
import { blankShare, initialState, type EngineState, type ShareState } from '../../web/engine/state.js';
import { engineContext } from '../../web/ui/slice-controller.js';
import { settingsContext } from '../../web/ui/settings-context.js';
import type { GraphModel } from '../../web/ui/graph-model.js';
import '../../web/ui/chunk-map.js';
import '../../web/ui/network-graph.js';
import '../../web/ui/qr-code.js';
import '../../web/ui/toasts.js';

function assert(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function mount<T extends HTMLElement>(tag: string, props: Record<string, unknown> = {}, parent: HTMLElement = document.body): Promise<T> {
  const element = Object.assign(document.createElement(tag), props) as T & { updateComplete?: Promise<unknown> };
  parent.append(element);
  await element.updateComplete;
  return element;
}

afterEach(() => document.body.replaceChildren());

describe('chunk map', () => {
  it('lights the cells of stored chunks only', async () => {
    // 16 chunks, the first 8 stored
    const map = await mount<HTMLElement>('shoal-chunk-map', { bits: new Uint8Array([0xff, 0x00]), chunks: 16, label: 'Chunks of x: 50% stored', percent: 50 });
    const canvas = map.shadowRoot!.querySelector('canvas')!;
    assert(canvas.getAttribute('aria-label') === 'Chunks of x: 50% stored', 'labelled for screen readers');
    assert(canvas.getAttribute('role') === 'progressbar' && canvas.getAttribute('aria-valuenow') === '50', 'a progress bar with its value, not an image');
    const pixels = canvas.getContext('2d')!.getImageData(0, 5, canvas.width, 1).data;
    const alphaAt = (x: number) => pixels[x * 4 + 3]!;
    assert(alphaAt(10) > 200, `the first half is drawn (alpha ${alphaAt(10)})`);
    assert(alphaAt(canvas.width - 10) === 0, 'the second half is empty');
  });
});

describe('peer graph', () => {
  const model = (peers: string[]): GraphModel => ({
    nodes: [{ id: 'self', name: 'Me', self: true, connection: 'self' }, ...peers.map((id) => ({ id, name: `Peer ${id}`, self: false, connection: 'connected' }))],
    links: peers.map((id) => ({ peerId: id, rate: 1024 * 1024, relayed: id === 'b', path: id === 'b' ? 'relay' : 'host', rtt: 12, sent: 2048, received: 4096, connected: true })),
  });

  it('lays the peers out around this browser, labels each, and draws relayed links dashed', async () => {
    const graph = await mount<HTMLElement & { model: GraphModel; updateComplete: Promise<unknown> }>('shoal-network-graph', { model: model(['a', 'b']) });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const root = graph.shadowRoot!;
    const labels = [...root.querySelectorAll('g.node')].map((node) => node.getAttribute('aria-label'));
    assert(labels.length === 3, `three nodes, got ${labels.length}`);
    assert(labels.includes('Peer b: relayed, RTT 12 ms, 1.00 MiB/s, sent 2.00 KiB, received 4.00 KiB'), `a peer's label tells path, RTT and bytes: ${labels.join(' | ')}`);
    const positions = [...root.querySelectorAll('g.node')].map((node) => node.getAttribute('transform'));
    assert(new Set(positions).size === 3, 'no two nodes on one spot');
    assert(root.querySelectorAll('line.relayed').length === 1, 'the relayed link is styled as such');
  });

  it('zooms and pans from the keyboard, and shows a focused peer\'s details', async () => {
    const graph = await mount<HTMLElement & { updateComplete: Promise<unknown> }>('shoal-network-graph', { model: model(['a']) });
    const svg = graph.shadowRoot!.querySelector('svg')!;
    svg.focus();
    svg.dispatchEvent(new KeyboardEvent('keydown', { key: '+', bubbles: true }));
    svg.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    await graph.updateComplete;
    const transform = graph.shadowRoot!.querySelector('svg > g')!.getAttribute('transform')!;
    assert(/translate\(30 0\) scale\(1\.2\)/.test(transform), `panned and zoomed: ${transform}`);
    graph.shadowRoot!.querySelector<SVGGElement>('g.node[data-node="a"]')!.focus();
    await graph.updateComplete;
    const details = graph.shadowRoot!.querySelector('.details')!.textContent!.replace(/\s+/g, ' ');
    assert(details.includes('Peer a') && details.includes('RTT 12 ms'), `details of the focused peer: ${details}`);
  });

  it('lets a peer that left fade out, then drops it', async () => {
    const graph = await mount<HTMLElement & { model: GraphModel; updateComplete: Promise<unknown> }>('shoal-network-graph', { model: model(['a', 'b']) });
    graph.model = model(['a']);
    await graph.updateComplete;
    assert(graph.shadowRoot!.querySelector('g.node[data-node="b"].leaving'), 'b is fading out');
    await new Promise((resolve) => setTimeout(resolve, 800));
    await nextFrame();
    assert(!graph.shadowRoot!.querySelector('g.node[data-node="b"]'), 'b is gone after its fade');
  });
});

describe('QR code', () => {
  it('draws a square of modules on a light background', async () => {
    const qr = await mount<HTMLElement>('shoal-qr-code', { text: `https://shoal.example/#/s/${'ab'.repeat(32)}`, label: 'QR code of the link' });
    const svg = qr.shadowRoot!.querySelector('svg')!;
    const [, , width, height] = svg.getAttribute('viewBox')!.split(' ').map(Number);
    assert(width === height && width! >= 33, `a square of at least version 4 with its quiet zone: ${width}×${height}`);
    assert(svg.getAttribute('aria-label') === 'QR code of the link', 'labelled');
    assert((svg.querySelector('path')!.getAttribute('d') ?? '').length > 100, 'modules drawn');
  });
});

describe('toasts', () => {
  it('tells a completed download and a failure, not what was there before', async () => {
    const share = (status: ShareState['status'], error?: string): ShareState => ({ ...blankShare('s1', 'movie.webm', 10, ''), origin: 'downloaded', status, error });
    const store = new Store<EngineState>({ ...initialState('Me', false), shares: [{ ...blankShare('old', 'old.bin', 1, ''), origin: 'shared', status: 'seeding' }] });
    const host = document.createElement('div');
    document.body.append(host);
    new ContextProvider(host, { context: engineContext, initialValue: { store } as never });
    new ContextProvider(host, { context: settingsContext, initialValue: { current: { notifications: false } } as never });
    const toasts = await mount<HTMLElement & { updateComplete: Promise<unknown> }>('shoal-toasts', {}, host);
    const text = () => toasts.shadowRoot!.textContent!.replace(/\s+/g, ' ');
    assert(!text().includes('old.bin'), 'nothing for a share there at start');
    store.update((s) => ({ ...s, shares: [...s.shares, share('downloading')] }));
    store.update((s) => ({ ...s, shares: [s.shares[0]!, share('seeding')] }));
    await toasts.updateComplete;
    assert(text().includes('Downloaded movie.webm, verified'), `the download is told: ${text()}`);
    store.update((s) => ({ ...s, shares: [s.shares[0]!, { ...share('downloading'), id: 's2', name: 'broken.bin' }] }));
    store.update((s) => ({ ...s, shares: [s.shares[0]!, { ...share('error', 'no peer holds it any more'), id: 's2', name: 'broken.bin' }] }));
    await toasts.updateComplete;
    assert(text().includes('broken.bin failed') && text().includes('no peer holds it any more'), `the failure and its reason: ${text()}`);
    toasts.shadowRoot!.querySelector<HTMLButtonElement>('button[aria-label="Dismiss"]')!.click();
    await toasts.updateComplete;
    assert(!text().includes('movie.webm'), 'dismissed');
  });
});
