// /metrics as `vipd demo` reads it: Prometheus text exposition parsed into series → value. Pure: no I/O.

/** Series key (`name{labels}` exactly as exposed) → value. */
export type MetricSamples = ReadonlyMap<string, number>;

// `name{labels} value [timestamp]` or `name value [timestamp]`; label values may contain spaces and braces
// inside quotes, so the label block is matched as quoted strings rather than "anything but }".
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+(\S+)/;

export function parsePrometheusText(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isNaN(value)) out.set(`${m[1]}${m[2] ?? ''}`, value);
  }
  return out;
}
