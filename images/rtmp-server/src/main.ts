// Command line → config → start. (Minimal first version; the shell work replaces it with the full loader.)
import { parseArgs } from 'node:util';
import { resolveServerConfig, ServerConfigInput } from '../../../lib/server-config';
import { createMediaApp } from './app';
import { createLogger } from './log';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    mode: { type: 'string' },
    origin: { type: 'string' },
    'rtmp-port': { type: 'string' },
    'http-port': { type: 'string' },
    'api-port': { type: 'string' },
    'hls-dir': { type: 'string' },
  },
});
const input: Record<string, any> = {};
if (values.mode) input.mode = values.mode;
if (values.origin) input.edge = { origins: values.origin.split(',') };
if (values['rtmp-port']) input.rtmp = { port: Number(values['rtmp-port']) };
if (values['http-port']) input.http = { port: Number(values['http-port']) };
if (values['api-port']) input.api = { port: Number(values['api-port']) };
if (values['hls-dir']) input.hls = { dir: values['hls-dir'] };
const config = resolveServerConfig(input as ServerConfigInput);
const log = createLogger(config.log.level);
const app = createMediaApp(config, log);
app.listen().then(() => log.info({ event: 'listening' }, 'listening'));
process.on('SIGTERM', () => { app.closeAll(); process.exit(0); });
