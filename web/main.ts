/** Page entry: registers the service worker, starts the workers and the engine, mounts the shell. */
import { Workbox } from 'workbox-window';
import { Engine } from './engine/engine.js';
import { startWorkers } from './engine/workers.js';
import { SettingsStore } from './settings.js';
import { AppUpdates } from './pwa/app-updates.js';
import { InstallPrompt } from './pwa/install-prompt.js';
import { KeepFiles } from './pwa/keep-files.js';
import { TransferWakeLock } from './pwa/wake-lock.js';
import { ShareInbox } from './pwa/share-inbox.js';
import { launchedFiles, type LaunchParams } from './pwa/launch-files.js';
import { INBOX_REFUSALS, type InboxRefusal } from '../workers/inbox.js';
import { parseShoalLink, shareLink } from './ui/routes.js';
import { roomFromInput } from './ui/room-code.js';
import { readRememberedRoom, rememberRoom, startingRoom } from './room-memory.js';
import './ui/shoal-app.js';

// A link handed over by the OS (the web+shoal: protocol handler's `?link=`): the page becomes the
// share link it names, so the room and the share route are set before the engine starts.
const handed = new URLSearchParams(location.search).get('link');
const handedLink = handed === null ? undefined : parseShoalLink(handed);
if (handed !== null) history.replaceState(null, '', handedLink ? shareLink(location.origin, handedLink.shareId, handedLink.room ?? null, handedLink.secret) : '/');

const params = new URLSearchParams(location.search);
// Read before the settings store writes its first copy: whether Shoal ran in this browser before.
const usedBefore = localStorage.getItem('shoal.settings') !== null;
const settings = new SettingsStore(localStorage);
// A link that names another room does not move the user: the app starts where they were and asks.
const linkRoomParam = params.get('room');
const navigation = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
const { room, ask: askRoom } = startingRoom({
  linkRoom: linkRoomParam === null ? undefined : roomFromInput(linkRoomParam),
  remembered: readRememberedRoom(localStorage),
  usedBefore,
  reloaded: navigation?.type === 'reload' || navigation?.type === 'back_forward',
});
if (askRoom !== undefined || (linkRoomParam !== null && room === undefined)) {
  const url = new URL(location.href);
  if (room) url.searchParams.set('room', room);
  else url.searchParams.delete('room');
  history.replaceState(null, '', url.href);
}
rememberRoom(localStorage, room);
// The data plane runs in the storage worker where the browser can move data channels there (else on
// the page): chunks then go from the network to the disk without the main thread. `?plane=page`
// keeps it on the page (what browsers without transferable data channels do).
const dataPlane = params.get('plane') === 'page' ? 'page' : 'worker';

const updates = new AppUpdates();
const install = new InstallPrompt();
if ('serviceWorker' in navigator) {
  const workbox = new Workbox('/sw.js');
  updates.watch(workbox);
  void workbox.register();
}

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
app.updates = updates;
app.install = install;
app.keep = new KeepFiles();
if (handed !== null && !handedLink) app.problem = 'That link is not a Shoal share link.';
app.askRoom = askRoom;
// The share target refused a POST: a fixed sentence per reason (a URL cannot make the app say anything else).
const refusal = params.get('inbox-refused');
if (refusal !== null) {
  if (Object.hasOwn(INBOX_REFUSALS, refusal)) app.problem = INBOX_REFUSALS[refusal as InboxRefusal];
  const url = new URL(location.href);
  url.searchParams.delete('inbox-refused');
  history.replaceState(null, '', url.href);
}
// Files shared in from outside wait in the tray for the user's Share or Discard.
const inbox = new ShareInbox();
app.inbox = inbox;
document.body.append(app);
void engine.start();
new TransferWakeLock(engine.store);
void inbox.load();
// The installed app launched with files ("Open with", file_handlers) or asked to open a link while it
// runs (launch_handler focus-existing): this window takes them.
(window as Window & { launchQueue?: { setConsumer(consumer: (params: LaunchParams) => void): void } }).launchQueue?.setConsumer(({ targetURL, files }) => {
  if (files && files.length > 0) {
    location.hash = '#/files';
    void launchedFiles(files).then((offered) => inbox.offerLaunched(offered));
  } else if (targetURL) app.openLink(targetURL);
});

// Exposed for debugging and end-to-end tests: read-only use of the engine's state.
(globalThis as { shoal?: Engine }).shoal = engine;
