import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

/**
 * A line chart drawn by uPlot (canvas, ~50 KB minified, no dependencies): x is the list of period labels,
 * one line per series. Redrawn when the data changes; sized to its container.
 */
export function ReportChart({ title, x, series, testId, bars }: { title: string; x: string[]; series: ChartSeries[]; testId: string; bars?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const key = JSON.stringify([x, series]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth - 8),
      height: 220,
      // Categories (bars) get half a slot of room at each end so the first and last labels fit.
      scales: {
        x: { time: false, ...(bars ? { range: (_u, min, max) => [min - 0.5, max + 0.5] as uPlot.Range.MinMax } : {}) },
        // Counts: the axis starts at zero so bars and lines are not exaggerated.
        y: { range: (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.1) : 1] as uPlot.Range.MinMax },
      },
      legend: { show: true, live: false },
      cursor: { points: { size: 6 } },
      axes: [
        { values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (x[i] ?? '') : '')), grid: { show: false }, size: 34 },
        { grid: { stroke: '#eef0f3' }, size: 44 },
      ],
      series: [
        { label: '' },
        ...series.map((s, i) =>
          bars
            ? { label: s.label, stroke: s.color, fill: `${s.color}cc`, width: 1, paths: uPlot.paths.bars!({ size: [0.35, 48], align: (i === 0 ? -1 : 1) as 1 | -1 }), points: { show: false } }
            : { label: s.label, stroke: s.color, width: 2, points: { show: x.length <= 40 } },
        ),
      ],
    };
    const plot = new uPlot(opts, [x.map((_, i) => i), ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    return () => plot.destroy();
  }, [key, bars]);
  return (
    <figure class="report-chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
