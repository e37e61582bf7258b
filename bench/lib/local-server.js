// Starting and stopping the scripts' HTTP servers: only ever on 127.0.0.1, always closed at the end.

/** Listens on a free port of 127.0.0.1; resolves the port. */
export async function listenLocally(server) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return server.address().port;
}

/** Closes a server, dropping its idle keep-alive connections first so that close() does not wait on them. */
export async function closeServer(server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve()));
}
