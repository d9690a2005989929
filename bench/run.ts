// `npm run bench`: the fan-out bench, or with `--ingest LIST` the ingest bench (see bench/README.md).
if (process.argv.includes('--ingest')) require('./ingest/run');
else require('./fanout/run');
