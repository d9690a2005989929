/** Something a peer sent that we refuse; the connection that sent it is closed, nothing else. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
