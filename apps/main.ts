import * as fs from 'fs';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { addCharts } from './charts';

// dist/ is committed: clear stale files so a removed chart disappears, then write one file per chart.
const outdir = path.join(__dirname, '..', 'dist');
fs.rmSync(outdir, { recursive: true, force: true });
const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.yaml' });
addCharts(app);
app.synth();
