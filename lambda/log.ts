/** One JSON object per line: CloudWatch Logs Insights and `portwatch local --json` both read it as is. */
export type LogLevel = 'info' | 'warn' | 'error';

export function jsonLog(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
