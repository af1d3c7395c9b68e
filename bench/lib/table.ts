// Plain-text tables for the terminal: a header row, a rule, and columns padded to their widest cell
// (text columns left-aligned, numbers right-aligned).
export function table(headers: string[], rows: string[][], leftColumns = 1): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column < leftColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** 12,345 */
export const int = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
/** Milliseconds with 2 decimals (or 3 below 1 ms). */
export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(value < 1 ? 3 : 2) : '-');
/** A ratio: 0.31x, 4.2x. */
export const ratio = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)}x` : '-';
/** KiB as MiB with one decimal. */
export const mib = (kib: number): string => (Number.isFinite(kib) ? (kib / 1024).toFixed(1) : '-');
/** A signed percentage change: +4.1%. */
export const change = (from: number, to: number): string => {
  if (!Number.isFinite(from) || !Number.isFinite(to) || from === 0) return '-';
  const percent = ((to - from) / from) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;
};
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
