// A free TCP port for a peer that cannot bind port 0 and report it (rsyslogd, syslog-ng):
// bind port 0, read the port, close. Another process could take it in between; on a test
// machine's loopback that race is rare, and the peer's failure to bind is then reported.

import { once } from 'node:events'
import net from 'node:net'

export async function freePort (host = '127.0.0.1'): Promise<number> {
  const server = net.createServer()
  server.listen(0, host)
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  server.close()
  await once(server, 'close')
  return port
}
