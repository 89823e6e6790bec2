/**
 * The root cause joins the alert at publish time: a Notifier that, for a discovered target open
 * against `expect: closed`, asks the RootCauseLookup (bounded in time) and publishes the alert with
 * its `rootCause`. A lookup that fails or runs late never holds the alert back: it goes out with a
 * note saying so.
 *
 * Why at publish time and not in the decision: the decision is a pure function and its conditional
 * write decides the single winner among probers; a network call before it would widen every race.
 * At publish time only the prober holding the alert's lease looks it up, once per alert (again only
 * if SNS refused and the alert is retried), and reads the groups as they are when the alert goes out.
 */
import type { Notifier, RootCauseLookup } from './dependencies';
import type { Alert } from './model';

/** Well inside the alert lease (60 s, prober/config.ts): the lookup plus the publish and its retries must end before another prober may take over. */
export const ROOT_CAUSE_TIMEOUT_MS = 8000;

/** Alerts that say a discovered endpoint is open where it should be closed. */
export function wantsRootCause(alert: Alert): boolean {
  return alert.origin !== undefined && alert.open && alert.expected === 'closed' && ['opened', 'baseline', 'reminder', 'window-end'].includes(alert.event);
}

/** The host and port of `host:port` / `[v6]:port`. */
export function splitDisplay(display: string): { host: string; port: number } | null {
  const m = /^\[?(.*?)\]?:(\d{1,5})$/.exec(display);
  return m ? { host: m[1] ?? '', port: Number(m[2]) } : null;
}

export class RootCauseNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly lookup: RootCauseLookup,
    private readonly options: { readonly timeoutMs?: number; readonly log?: (message: string, fields: Record<string, unknown>) => void } = {},
  ) {}

  async publish(alert: Alert): Promise<void> {
    await this.inner.publish(wantsRootCause(alert) ? await this.explained(alert) : alert);
  }

  private async explained(alert: Alert): Promise<Alert> {
    const origin = alert.origin;
    const hostPort = splitDisplay(alert.display);
    if (origin === undefined || hostPort === null) return alert;
    const { host, port } = hostPort;
    const timeoutMs = this.options.timeoutMs ?? ROOT_CAUSE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the lookup took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const rootCause = await Promise.race([this.lookup.explain(origin, host, port, alert.at), late]);
      return { ...alert, rootCause };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.options.log?.('root cause lookup failed; alert published without it', { target: alert.target, error: reason });
      return { ...alert, rootCause: { status: 'unavailable', origin, port, rules: [], changes: [], remediation: [], notes: [`root cause not available: ${reason}`] } };
    } finally {
      clearTimeout(timer);
    }
  }
}
