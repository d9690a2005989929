// CPU by thread of a server under the ingest bench: pass this file as `--server-bundle`; it writes the CPU
// (user + system, ms) of the main thread and of every other thread (libuv's pool, V8's GC workers) to
// THREAD_CPU_OUT (default /tmp/thr.json) every 2 s, read from /proc/self/task, then runs the real server bundle
// (THREAD_CPU_BUNDLE, default the built one). Linux only.
const fs = require('fs');
const path = require('path');
const out = process.env.THREAD_CPU_OUT || '/tmp/thr.json';
const bundle = process.env.THREAD_CPU_BUNDLE || path.resolve(__dirname, '../../images/rtmp-server/dist/main.js');
const tick = 100; // USER_HZ, 100 on Linux
function dump() {
  const cpu = {};
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(process.pid) ? 'main' : `other:${tid}`;
      cpu[key] = ((Number(f[11]) + Number(f[12])) * 1000) / tick;
    } catch { /* the thread ended */ }
  }
  fs.writeFileSync(out, JSON.stringify(cpu));
}
setInterval(dump, 2000).unref();
require(bundle);
