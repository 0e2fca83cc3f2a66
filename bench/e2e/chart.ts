// A grouped bar chart as SVG text, written by hand (no dependency): one group per scenario, one
// bar per daemon, bar height = messages/s, the value printed over each bar, a legend, and
// horizontal grid lines at round values. bench/e2e/matrix-doc.ts writes it to docs/performance.svg.

export interface ChartGroup {
  label: string
  /** Daemon name -> messages/s; a missing or non-finite value leaves a gap with "n/a". */
  values: Record<string, number>
}

export interface ChartOptions {
  title: string
  subtitle?: string
  series: readonly string[]
  groups: readonly ChartGroup[]
}

/** Colours by series name; other series take the spare ones in turn. */
const COLOURS: Record<string, string> = { stele: '#2b7bb9', rsyslog: '#e08a2c', 'syslog-ng': '#6a9f3a' }
const SPARE = ['#8e5ea2', '#c9463d', '#5a5a5a', '#17becf']

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A round step for about `lines` grid lines up to `max`: 1, 2 or 5 times a power of ten. */
function gridStep (max: number, lines: number): number {
  const raw = max / lines
  const power = 10 ** Math.floor(Math.log10(raw))
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power
  return 10 * power
}

function rateLabel (rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)}M`
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(0)}k`
  return rate.toFixed(0)
}

export function barChartSvg (opts: ChartOptions): string {
  const { series, groups } = opts
  const barW = 22
  const gap = 4
  const groupPad = 26
  const left = 70
  const right = 20
  const top = 78
  const plotH = 300
  const bottom = 70
  const groupW = series.length * (barW + gap) - gap + groupPad
  const width = Math.max(560, left + right + groups.length * groupW)
  const height = top + plotH + bottom
  const all = groups.flatMap((g) => series.map((s) => g.values[s] ?? NaN)).filter(Number.isFinite)
  const step = gridStep(Math.max(1, ...all), 5)
  const yMax = Math.max(step, Math.ceil(Math.max(1, ...all) / step) * step)
  const y = (v: number): number => top + plotH - (v / yMax) * plotH
  const colour = (s: string, i: number): string => COLOURS[s] ?? SPARE[i % SPARE.length]!

  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`)
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="${left}" y="24" font-size="15" font-weight="bold">${escapeXml(opts.title)}</text>`)
  if (opts.subtitle !== undefined) out.push(`<text x="${left}" y="42" fill="#555555">${escapeXml(opts.subtitle)}</text>`)
  // legend
  let lx = left
  for (const [i, s] of series.entries()) {
    out.push(`<rect x="${lx}" y="54" width="12" height="12" fill="${colour(s, i)}"/>`)
    out.push(`<text x="${lx + 16}" y="64">${escapeXml(s)}</text>`)
    lx += 24 + s.length * 7
  }
  // grid and y axis
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${v === 0 ? '#333333' : '#dddddd'}"/>`)
    out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555555">${rateLabel(v)}</text>`)
  }
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555555">messages/s written</text>`)
  // bars
  for (const [gi, g] of groups.entries()) {
    const x0 = left + groupPad / 2 + gi * groupW
    for (const [si, s] of series.entries()) {
      const v = g.values[s]
      const x = x0 + si * (barW + gap)
      if (v === undefined || !Number.isFinite(v)) {
        out.push(`<text x="${x + barW / 2}" y="${y(0) - 4}" text-anchor="middle" font-size="9" fill="#999999">n/a</text>`)
        continue
      }
      out.push(`<rect x="${x}" y="${y(v).toFixed(1)}" width="${barW}" height="${(y(0) - y(v)).toFixed(1)}" fill="${colour(s, si)}"><title>${escapeXml(`${g.label}, ${s}: ${Math.round(v).toLocaleString('en-US')} messages/s`)}</title></rect>`)
      out.push(`<text x="${x + barW / 2}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="9">${rateLabel(v)}</text>`)
    }
    const cx = x0 + (series.length * (barW + gap) - gap) / 2
    const words = g.label.split(' ')
    const lines: string[] = []
    for (const w of words) {
      const last = lines.at(-1)
      if (last !== undefined && (last + ' ' + w).length <= 14) lines[lines.length - 1] = `${last} ${w}`
      else lines.push(w)
    }
    for (const [li, line] of lines.entries()) {
      out.push(`<text x="${cx.toFixed(1)}" y="${top + plotH + 16 + li * 13}" text-anchor="middle">${escapeXml(line)}</text>`)
    }
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}
