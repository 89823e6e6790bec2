/**
 * The floor of a deep probe's client CPU: the least a Node.js client can do to learn what portwatch's
 * anonymous-access check learns, in a process of its own. Per broker: TCP connect, TLS 1.3 handshake
 * (certificate not verified, nothing parsed), one MQTT 3.1.1 CONNECT without credentials, the CONNACK,
 * close. Bundled and run like the engine (bench/client-cpu.ts); one JSON job per stdin line, one JSON
 * answer per stdout line, with the process's own CPU (process.cpuUsage) around the job.
 */
import { createInterface } from 'node:readline';
import { connect } from 'node:tls';

interface FloorJob {
  readonly hosts: readonly string[];
  readonly port: number;
  readonly rounds: number;
}

/** CONNECT, MQTT 3.1.1, clean session, keep-alive 10 s, client id `floor`, no user name. */
const CONNECT = Buffer.from([0x10, 0x11, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x0a, 0x00, 0x05, 0x66, 0x6c, 0x6f, 0x6f, 0x72]);

function once(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, minVersion: 'TLSv1.3', rejectUnauthorized: false }, () => socket.write(CONNECT));
    let connack = -1;
    socket.on('data', (d: Buffer) => {
      if (d[0] === 0x20 && d.length >= 4) connack = d[3] ?? -1;
      socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => resolve(connack));
  });
}

export async function runFloor(job: FloorJob): Promise<{ cpuUs: number; wallMs: number; accepted: number; total: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let accepted = 0;
  for (let r = 0; r < job.rounds; r++) {
    const codes = await Promise.all(job.hosts.map((h) => once(h, job.port)));
    accepted += codes.filter((c) => c === 0).length;
  }
  const used = process.cpuUsage(cpu0);
  return { cpuUs: used.user + used.system, wallMs: performance.now() - t0, accepted, total: job.rounds * job.hosts.length };
}

if (require.main === module) {
  createInterface({ input: process.stdin }).on('line', (line) => {
    void runFloor(JSON.parse(line) as FloorJob).then((answer) => process.stdout.write(`${JSON.stringify(answer)}\n`));
  });
}
