/** Test servers on 127.0.0.1: listening on a free port, and closed with their open connections. */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

type Server = HttpServer | HttpsServer;

/** Starts `server` on a free port of 127.0.0.1 and answers the port. */
export const listenOnLoopback = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** Closes `server`, ending kept-alive connections instead of waiting for them. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
