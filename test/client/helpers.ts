// Shared by the client tests: a stele daemon as the receiver, on a fixed port so that it can be
// stopped and started again at the same address, and its records read back as JSON.

import { readLines, startDaemon, type RunningDaemon } from '../daemon/harness.js'

export interface Received { pri: number, hostname: string, appName: string, procId: string, msgId: string | null, msg: string, structuredData: Record<string, Record<string, string>> }

/** A daemon with a tcp and a udp listener on `port` (and a unix one at DIR/client.sock), writing every message as JSON to DIR/out.json. */
export async function startCollector (port: number, dir?: string): Promise<RunningDaemon> {
  return await startDaemon(`
mark_interval=0
repeat_suppression=off
max_message_size=64k
listen tcp://127.0.0.1:${port}
listen udp://127.0.0.1:${port}
listen unix://DIR/client.sock
*.* -DIR/out.json format=json
`, dir === undefined ? {} : { dir })
}

export async function receivedRecords (dir: string): Promise<Received[]> {
  return (await readLines(`${dir}/out.json`)).map((line) => JSON.parse(line) as Received)
}
