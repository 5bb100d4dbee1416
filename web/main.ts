/** Page entry: registers the service worker, starts the workers and the engine, mounts the shell. */
import { Workbox } from 'workbox-window';
import { Engine } from './engine/engine.js';
import { startWorkers } from './engine/workers.js';
import { SettingsStore } from './settings.js';
import './ui/shoal-app.js';

const params = new URLSearchParams(location.search);
const settings = new SettingsStore(localStorage);
const room = params.get('room') ?? undefined;
// The data plane runs in the storage worker where the browser can move data channels there (else on
// the page): chunks then go from the network to the disk without the main thread. `?plane=page`
// keeps it on the page (what browsers without transferable data channels do).
const dataPlane = params.get('plane') === 'page' ? 'page' : 'worker';

if ('serviceWorker' in navigator) void new Workbox('/sw.js').register();

const wsUrl = new URL('/signaling', location.href);
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';

const workers = startWorkers();
// Where share bytes live: OPFS where it works, else IndexedDB; `?storage=indexeddb` keeps IndexedDB
// (remembered, since stored shares stay where they were written).
const backend = params.get('storage') ?? localStorage.getItem('shoal.storage');
if (backend === 'indexeddb' || backend === 'opfs') {
  localStorage.setItem('shoal.storage', backend);
  await workers.storage.useBackend(backend);
}

const engine = new Engine(workers, {
  signalingUrl: wsUrl.href,
  iceServersUrl: '/api/ice-servers',
  selfName: settings.current.name,
  // `?relay=1` turns relay-only on for this page, whatever the setting says.
  forceRelay: params.get('relay') === '1' || settings.current.relayOnly,
  dataPlane,
  ...(room ? { room } : {}),
});

engine.setRateLimits(settings.current.limits);

const app = document.createElement('shoal-app');
app.engine = engine;
app.settings = settings;
document.body.append(app);
void engine.start();

// Exposed for debugging and end-to-end tests: read-only use of the engine's state.
(globalThis as { shoal?: Engine }).shoal = engine;
