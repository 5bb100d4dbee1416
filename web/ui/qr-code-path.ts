/** The SVG path of a QR matrix's dark modules (`true` = dark), one unit per module: one rectangle per run on a row. */
export function qrPath(matrix: readonly (readonly boolean[])[]): string {
  let d = '';
  matrix.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      const start = x;
      while (x + 1 < row.length && row[x + 1]) x++;
      d += `M${start} ${y}h${x - start + 1}v1h${-(x - start + 1)}z`;
    }
  });
  return d;
}
