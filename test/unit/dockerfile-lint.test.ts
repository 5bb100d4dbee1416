/**
 * A text lint of the Dockerfile (no Docker engine runs here): two stages (a build with dev
 * dependencies, a run stage with production dependencies only), a non-root user, dumb-init as PID 1,
 * a HEALTHCHECK on /api/health, and the ports browsers need. That its steps work is checked by
 * test/e2e/dockerfile-steps.test.ts, which runs them outside Docker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dockerfileStages, type Instruction } from '../dockerfile.js';

const stages = dockerfileStages();
const [build, runStage] = stages as [Instruction[], Instruction[]];
const find = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);

test('two stages: build (dev dependencies) then run (production dependencies only)', () => {
  assert.equal(stages.length, 2);
  assert.match(build[0]!.args, /^node:20\S* AS build$/i);
  assert.match(runStage[0]!.args, /^node:20\S* AS run$/i);
  assert.ok(find(build, 'RUN').some((r) => /npm ci\b/.test(r.args) && !/--omit=dev/.test(r.args)), 'the build installs dev dependencies');
  const installs = find(runStage, 'RUN').filter((r) => /npm (ci|install)\b/.test(r.args));
  assert.ok(installs.length === 1 && /--omit=dev/.test(installs[0]!.args), 'the run stage installs production dependencies only');
  const copies = find(runStage, 'COPY');
  assert.ok(copies.some((c) => /--from=build \/app\/dist \.\/dist/.test(c.args)), 'the run stage takes only dist/ from the build');
  assert.ok(!copies.some((c) => /\b(web|server|workers|sw|protocol|plane|test)\b/.test(c.args) && !/--from=build/.test(c.args)), 'no sources in the run stage');
});

test('runs as a non-root user under dumb-init, with the server as the command', () => {
  const users = find(runStage, 'USER');
  assert.equal(users.length, 1);
  assert.notEqual(users[0]!.args, 'root');
  assert.notEqual(users[0]!.args, '0');
  const userAt = runStage.indexOf(users[0]!);
  assert.ok(runStage.findIndex((i) => i.keyword === 'CMD') > userAt, 'USER comes before CMD');
  assert.equal(find(runStage, 'ENTRYPOINT')[0]?.args, '["dumb-init", "--"]');
  assert.ok(find(runStage, 'RUN').some((r) => /apt-get install[^&]*dumb-init/.test(r.args)));
  assert.equal(find(runStage, 'CMD')[0]?.args, '["node", "dist/server/main.js"]');
});

test('HEALTHCHECK asks /api/health and fails unless the status is ok', () => {
  const [health] = find(runStage, 'HEALTHCHECK');
  assert.ok(health);
  assert.match(health.args, /\/api\/health/);
  assert.match(health.args, /status\s*===\s*'ok'/);
  assert.match(health.args, /--interval=\d+s/);
});

test('EXPOSE: HTTP and WebSocket on 8080/tcp, STUN 3478/udp, TURN 3479/udp, and the relay port range', () => {
  const exposed = find(runStage, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
  for (const port of ['8080/tcp', '3478/udp', '3479/udp']) assert.ok(exposed.includes(port), port);
  const env = find(runStage, 'ENV').map((e) => e.args).join(' ');
  const range = /TURN_RELAY_PORTS=(\d+)-(\d+)/.exec(env);
  assert.ok(range, 'the relay port range is fixed, so it can be published');
  assert.ok(exposed.includes(`${range[1]}-${range[2]}/udp`), 'and exposed');
  assert.match(env, /TURN_LISTEN_IP=0\.0\.0\.0/);
});

test('docker-compose.yml: one app by default; the scaled profile has two instances on Redis, and coturn', () => {
  const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
  const service = (name: string) => {
    const start = compose.indexOf(`\n  ${name}:`);
    assert.ok(start >= 0, `service ${name}`);
    const rest = compose.slice(start + 1);
    const end = rest.slice(1).search(/\n  [a-z]/);
    return end < 0 ? rest : rest.slice(0, end + 1);
  };
  assert.match(service('shoal'), /profiles: \["single"\]/);
  assert.match(readFileSync(new URL('../../.env', import.meta.url), 'utf8'), /^COMPOSE_PROFILES=single$/m);
  for (const name of ['redis', 'coturn', 'shoal-a']) assert.match(service(name), /profiles: \["scaled"\]/, name);
  assert.match(service('shoal-b'), /<<: \*scaled-instance/);
  assert.match(service('shoal-a'), /REDIS_URL: "redis:\/\/redis:6379"/);
  assert.match(service('shoal-a'), /TURN_URLS: "turn:/);
  const coturn = service('coturn');
  assert.match(coturn, /--use-auth-secret/);
  assert.match(coturn, /--static-auth-secret=\$\{TURN_SECRET/);
  for (const denied of ['10.0.0.0-10.255.255.255', '127.0.0.0-127.255.255.255', '169.254.0.0-169.254.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255']) {
    assert.ok(coturn.includes(`--denied-peer-ip=${denied}`), denied);
  }
  assert.match(coturn, /--user-quota=\d+/);
  assert.match(coturn, /--total-quota=\d+/);
});
