/**
 * A website cannot make the app share a file (issue: consent). A page on another site posts a file
 * to the share target, as any site can (a cross-site form POST with a File put in through
 * DataTransfer): the file waits in the tray, nothing is hashed or announced until Share (a signaling
 * listener in the user's room hears nothing), Discard leaves no inbox file, and a POST past the
 * bounds is refused with its reason and leaves nothing behind. Real Chromium, the real server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { engineState, freeTcpPort, launchBrowser, openApp, startServer, waitForState, type LaunchedBrowser, type RunningServer } from './harness.js';
import { connectSignaling, type SignalingTestClient } from './ws-client.js';

const PLANTED = '.._.._planted<img src=x onerror=alert(1)>.html';

/** The hostile page: builds `count` files and posts them to the app's share target at once. */
const hostilePage = (appUrl: string) => `<!doctype html><title>cute cats</title>
<form method="post" enctype="multipart/form-data" action="${appUrl}/share-target"><input type="file" name="files" multiple></form>
<script>
  const count = Number(new URLSearchParams(location.search).get('count') ?? 1);
  const transfer = new DataTransfer();
  for (let i = 0; i < count; i++) transfer.items.add(new File(['planted by a website ' + i], i === 0 ? ${JSON.stringify(PLANTED)} : 'extra-' + i + '.txt', { type: 'text/html' }));
  document.querySelector('input').files = transfer.files;
  document.querySelector('form').submit();
</script>`;

describe('files shared in from outside wait for the user', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let hostile: Server;
  let hostileUrl: string;
  let a: LaunchedBrowser;
  let listener: SignalingTestClient;

  before(async () => {
    server = await startServer();
    const port = await freeTcpPort();
    hostile = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(hostilePage(server.url)));
    await new Promise<void>((resolve) => hostile.listen(port, '127.0.0.1', resolve));
    hostileUrl = `http://localhost:${port}/`; // another site: localhost is not 127.0.0.1
    a = await launchBrowser();
    await openApp(a.page, server.url); // the app loaded once: its service worker in control
    await a.page.evaluate(() => navigator.serviceWorker.ready);
    listener = await connectSignaling(server);
    listener.send({ type: 'join-room', name: 'listener' });
    await listener.next('welcome');
    await listener.next('files');
  });
  after(async () => {
    listener?.ws.close();
    await a?.close();
    await new Promise((resolve) => hostile?.close(resolve));
    await server?.stop();
  });

  // (No functions declared inside: the test's transpiler would name them with a helper the page lacks.)
  const inboxFiles = () =>
    a.page.evaluate(async () => {
      const paths: string[] = [];
      type Dir = { entries(): AsyncIterable<[string, FileSystemHandle]> };
      const inbox = (await (await navigator.storage.getDirectory()).getDirectoryHandle('inbox', { create: true })) as unknown as Dir;
      for await (const [batch, handle] of inbox.entries()) {
        if (handle.kind !== 'directory') paths.push(batch);
        else for await (const [name] of (handle as unknown as Dir).entries()) paths.push(`${batch}/${name}`);
      }
      return paths;
    });

  async function postFromHostileSite(count = 1) {
    await a.page.goto(`${hostileUrl}?count=${count}`);
    await a.page.waitForURL(`${server.url}/**`, { timeout: 15_000 });
    await a.page.getByLabel('Signaling open').waitFor({ timeout: 15_000 });
  }

  test('a cross-site POST waits in the tray: nothing hashed or announced; Discard leaves no inbox file', async () => {
    await postFromHostileSite();
    const question = a.page.getByRole('alertdialog', { name: /^Share this file \(.+\) in your network\?$/ });
    await question.waitFor({ timeout: 10_000 });
    await question.getByText(PLANTED).waitFor(); // the name as text, never as markup
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(listener.inbox.filter((m) => m.type === 'announce-file'), [], 'the room heard of no share');
    assert.deepEqual((await engineState(a.page)).shares, [], 'nothing hashed, stored or seeded');
    const waiting = await inboxFiles();
    assert.equal(waiting.length, 2, `one file and its batch's manifest wait: ${waiting}`);
    await question.getByRole('button', { name: 'Discard' }).click();
    await question.waitFor({ state: 'detached' });
    for (let i = 0; i < 20 && (await inboxFiles()).length > 0; i++) await a.page.waitForTimeout(100);
    assert.deepEqual(await inboxFiles(), [], 'no inbox file left');
    assert.deepEqual((await engineState(a.page)).shares, []);
  });

  test('Share is what shares it: then it is hashed, seeded and announced, and the inbox copy goes', async () => {
    await postFromHostileSite();
    await a.page.getByRole('alertdialog', { name: /^Share this file/ }).getByRole('button', { name: 'Share', exact: true }).click();
    const state = await waitForState(a.page, (s) => s.shares.some((x) => x.status === 'seeding'), 20_000, 'the accepted file seeding');
    const announced = await listener.next('announce-file', 10_000);
    assert.deepEqual(announced.shares.map((s: { id: string }) => s.id), [state.shares[0]!.id]);
    for (let i = 0; i < 30 && (await inboxFiles()).length > 0; i++) await a.page.waitForTimeout(100);
    assert.deepEqual(await inboxFiles(), [], 'the inbox copy is gone once the share holds its own');
    await a.page.getByRole('button', { name: /^Remove/ }).first().click();
  });

  test('Share privately: it is seeded as a private share, and the room hears only an opaque id and a sealed summary', async () => {
    await waitForState(a.page, (s) => s.shares.length === 0, 10_000, 'the last test\'s share removed');
    listener.inbox.length = 0;
    await postFromHostileSite();
    await a.page.getByRole('alertdialog', { name: /^Share this file/ }).getByRole('button', { name: 'Share privately' }).click();
    const state = await waitForState(a.page, (s) => s.shares.some((x) => x.status === 'seeding'), 20_000, 'the accepted file seeding privately');
    const share = state.shares[0]! as (typeof state.shares)[number] & { secret?: string };
    assert.match(share.secret ?? '', /^[A-Za-z0-9_-]{22}$/, 'a private share, with its secret');
    const announced = await listener.next('announce-file', 10_000);
    assert.equal(announced.shares.length, 1);
    assert.notEqual(announced.shares[0].id, share.id, 'an opaque id, not the share id');
    assert.equal(announced.shares[0].name, '');
    assert.match(announced.shares[0].sealed, /^[A-Za-z0-9_-]+$/);
    await a.page.getByRole('button', { name: /^Remove/ }).first().click();
  });

  test('a POST past the bounds is refused with its reason and leaves nothing behind', async () => {
    await postFromHostileSite(101);
    await a.page.getByRole('alert').filter({ hasText: 'it held more than 100 files' }).waitFor({ timeout: 10_000 });
    assert.equal(await a.page.getByRole('alertdialog').count(), 0, 'nothing waits in the tray');
    assert.deepEqual(await inboxFiles(), []);
    assert.ok(!a.page.url().includes('inbox-refused'), 'the reason is not left in the URL');
  });
});
