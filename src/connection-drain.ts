import type { Server } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Tracks how many requests each connection is serving, so a shutdown can close every connection
 * that serves none, including those that never sent a request (browsers and pools open them ahead),
 * which Node's own `closeIdleConnections()` leaves open until a timeout.
 */
export function connectionDrain (server: Server): { closeIdle: () => void } {
  const inFlight = new Map<Socket, number>()
  let closing = false
  const closeIfIdle = (socket: Socket): void => {
    if (closing && inFlight.get(socket) === 0) socket.destroy()
  }
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0)
    socket.once('close', () => inFlight.delete(socket))
  })
  server.on('request', (request, response) => {
    const socket = request.socket
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
    response.once('close', () => {
      inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1)
      // Let the answer's last bytes leave before the socket goes.
      setImmediate(() => closeIfIdle(socket))
    })
  })
  return {
    closeIdle: () => {
      closing = true
      for (const socket of inFlight.keys()) closeIfIdle(socket)
    }
  }
}
