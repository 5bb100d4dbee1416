/**
 * The flash crowd's timeline as an SVG: each leecher's share of the file over time (one line per
 * leecher, ending where it completes) and the seeder's bytes sent as a multiple of the file (dashed),
 * with the time one copy takes at the seeder's cap marked. Plain SVG, no library: a few polylines.
 */
export interface CrowdTimeline {
  /** Seconds since the clicks. */
  at: number[];
  /** Per leecher: fraction of the file held at each sample (0..1). */
  leechers: { name: string; done: number[] }[];
  /** The seeder's bytes sent since the clicks, as a multiple of the file, at each sample. */
  seederCopies: number[];
  /** Seconds one copy takes at the seeder's uplink cap (the ideal bound a swarm approaches). */
  idealSeconds: number;
  title: string;
}

const W = 800;
const H = 360;
const PAD = { left: 56, right: 200, top: 36, bottom: 44 };
const COLORS = ['#22d3ee', '#a78bfa', '#f472b6', '#34d399', '#fbbf24', '#60a5fa', '#f87171', '#c084fc', '#2dd4bf', '#facc15'];

export function crowdSvg(t: CrowdTimeline): string {
  const maxT = Math.max(t.idealSeconds, ...t.at) * 1.02;
  const maxY = Math.max(1.05, ...t.seederCopies.map((c) => c * 1.05));
  const x = (s: number) => PAD.left + (s / maxT) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const line = (values: number[], color: string, dashed = false) => {
    const points: string[] = [];
    for (let i = 0; i < values.length; i++) {
      points.push(`${x(t.at[i]!).toFixed(1)},${y(values[i]!).toFixed(1)}`);
      if (values[i]! >= 1 && !dashed) break; // a leecher's line ends where it completes
    }
    return `<polyline fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''} points="${points.join(' ')}"/>`;
  };
  const ticks = (max: number, step: number, at: (v: number) => string) => Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => at(i * step)).join('');
  const tStep = maxT > 60 ? 10 : 5;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#0b1020"/>`,
    `<text x="${PAD.left}" y="22" fill="#e2e8f0" font-size="14">${escapeXml(t.title)}</text>`,
    ticks(maxT, tStep, (s) => `<line x1="${x(s)}" x2="${x(s)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#1e293b"/><text x="${x(s)}" y="${H - PAD.bottom + 16}" fill="#94a3b8" text-anchor="middle">${s}</text>`),
    ticks(maxY, 0.25, (v) => `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#1e293b"/><text x="${PAD.left - 6}" y="${y(v) + 4}" fill="#94a3b8" text-anchor="end">${v.toFixed(2)}</text>`),
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" fill="#94a3b8" text-anchor="middle">seconds after the clicks</text>`,
    `<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" fill="#94a3b8" text-anchor="middle" transform="rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})">copies of the file</text>`,
    `<line x1="${x(t.idealSeconds)}" x2="${x(t.idealSeconds)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#64748b" stroke-dasharray="2 3"/>`,
    `<text x="${x(t.idealSeconds) + 4}" y="${PAD.top + 12}" fill="#64748b">one copy at the seeder's cap</text>`,
    ...t.leechers.map((l, i) => line(l.done, COLORS[i % COLORS.length]!)),
    line(t.seederCopies, '#e2e8f0', true),
    ...t.leechers.map((l, i) => `<text x="${W - PAD.right + 10}" y="${PAD.top + 14 * i + 4}" fill="${COLORS[i % COLORS.length]}">${escapeXml(l.name)}</text>`),
    `<text x="${W - PAD.right + 10}" y="${PAD.top + 14 * t.leechers.length + 10}" fill="#e2e8f0">seeder sent (dashed)</text>`,
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
