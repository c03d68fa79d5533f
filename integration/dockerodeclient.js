#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// dockerode (the Node.js Docker client, pinned in integration/dockerode/)
// against a daemon's socket: the calls its users make, each answer checked
// as dockerd 20.10 gives it. Run by integration/85-dockerode.sh.
//
//   node dockerodeclient.js SOCK MARKER lp|ref [v1.41]
//
// dockerode sends unversioned paths unless given a version; logpouchd
// serves those as its newest version (docs/api.md), dockerd 20.10 as 1.41.
// "lp" adds the checks that need logpouchd's debug endpoints (a destroyed
// logs or events stream gives its tasks and fds back); "ref" runs the rest
// against a reference dockerd, to prove the expectations are dockerd's.
// Prints one line per check; exits 1 if any failed.
'use strict';

const http = require('http');
const { PassThrough } = require('stream');
const Docker = require('dockerode');

const [sock, marker, mode, version] = process.argv.slice(2);
if (!sock || !marker || (mode !== 'lp' && mode !== 'ref')) {
	console.error('usage: dockerodeclient.js SOCK MARKER lp|ref');
	process.exit(2);
}
// An agent of our own (keep-alive, as Node's global one) so its idle
// connections can be closed before the daemon's fds are counted.
const agent = new http.Agent({ keepAlive: true });
const docker = new Docker({ socketPath: sock, agent: agent,
    version: version });
// What /version says: the version asked for, else the daemon's newest.
const API = version ? version.slice(1) : mode === 'lp' ? '1.51' : '1.41';
// API 1.42 dropped the kernel-memory limits from HostConfig.
const apiMinor = Number(API.split('.')[1]);
const NET = { NetworkMode: 'none' };	// the reference has no bridge
let failed = 0;

function show(v) {
	return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

function check(name, got, want) {
	const g = show(got), w = show(want);
	if (g === w) {
		console.log('ok   ' + name);
	} else {
		failed++;
		console.log('FAIL ' + name + ': got ' + g + ', want ' + w);
	}
}

function truthy(name, cond, detail) {
	if (cond) {
		console.log('ok   ' + name);
	} else {
		failed++;
		console.log('FAIL ' + name + (detail === undefined ? '' :
		    ': ' + show(detail)));
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Rejects after ms, so no step can hang the test.
function within(ms, what, p) {
	let t;
	const timer = new Promise((_, rej) => {
		t = setTimeout(() => rej(new Error(what + ': no answer in ' +
		    ms + ' ms')), ms);
	});
	return Promise.race([p, timer]).finally(() => clearTimeout(t));
}

// A GET outside dockerode, on a connection of its own that is closed after
// the answer (the debug endpoints dockerode has no call for).
function rawGet(path) {
	return new Promise((resolve, reject) => {
		const req = http.get({ socketPath: sock, path: path, agent: false,
		    headers: { Connection: 'close' } }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve(Buffer.concat(chunks).toString()));
		});
		req.on('error', reject);
	});
}

// Collects a readable stream into a string.
function collect(s) {
	let out = '';
	s.on('data', (c) => { out += c.toString(); });
	return { get text() { return out; } };
}

function ended(s) {
	return new Promise((resolve, reject) => {
		if (s.readableEnded || s.destroyed)
			return resolve();
		s.on('end', resolve);
		s.on('close', resolve);
		s.on('error', reject);
	});
}

// Decodes a stdcopy body (8-byte headers) into [stdout, stderr].
function unframe(buf) {
	const out = ['', '', ''];
	let i = 0;
	while (i + 8 <= buf.length) {
		const n = buf.readUInt32BE(i + 4);
		out[buf[i]] += buf.slice(i + 8, i + 8 + n).toString();
		i += 8 + n;
	}
	return [out[1], out[2]];
}

async function errorOf(p) {
	try {
		await p;
	} catch (e) {
		return e;
	}
	return null;
}

// The daemon's tasks of KIND (logpouchd's /debug/tasks).
async function tasksOf(kind) {
	const tasks = JSON.parse(await rawGet('/debug/tasks'));
	return tasks.filter((t) => t.kind === kind).length;
}

// Live tasks and open fds as /info counts them, once no connection of
// ours is left open: two equal readings 50 ms apart.
async function figures() {
	agent.destroy();
	let last = '';
	for (let i = 0; i < 40; i++) {
		await sleep(50);
		const info = JSON.parse(await rawGet('/info'));
		const now = info.NGoroutines + ' ' + info.NFd;
		if (now === last)
			return now;
		last = now;
	}
	return last;
}

// Polls until no KIND task is left and the figures are back at base.
async function released(name, kind, base) {
	const start = Date.now();
	let left = -1, now = '';
	while (Date.now() - start < 2000) {
		left = await tasksOf(kind);
		if (left === 0) {
			now = await figures();
			if (now === base)
				break;
		}
		await sleep(10);
	}
	check(name + ': no ' + kind + ' task left', left, 0);
	check(name + ': tasks and fds back at the baseline', now, base);
}

async function make(name, cmd, labels, extra) {
	const opts = Object.assign({
		name: name, Image: 'busybox', Cmd: ['sh', '-c', cmd],
		Labels: Object.assign({ m: marker }, labels), HostConfig: NET,
	}, extra || {});
	return docker.createContainer(opts);
}

async function untilState(c, want) {
	for (let i = 0; i < 300; i++) {
		const st = (await c.inspect()).State.Status;
		if (st === want)
			return;
		await sleep(20);
	}
	throw new Error(c.id + ' never reached ' + want);
}

const names = (list) => list.map((c) => c.Names[0]).sort();

async function pingVersion() {
	check('ping answers OK', String(await docker.ping()), 'OK');
	const v = await docker.version();
	check('version ApiVersion', v.ApiVersion, API);
	check('version MinAPIVersion', v.MinAPIVersion, '1.12');
	check('version Os/Arch', [v.Os, v.Arch], ['linux', 'amd64']);
	check('version Components[0].Name', v.Components[0].Name, 'Engine');
	truthy('version Version, GitCommit, KernelVersion are strings',
	    [v.Version, v.GitCommit, v.KernelVersion].every(
	    (s) => typeof s === 'string' && s.length > 0), v);
}

async function listFilters() {
	const a = await make('dn-a', 'exec sleep 300', { app: 'dn', role: 'web' },
	    { Env: ['DN=1'] });
	const b = await make('dn-b', 'echo b; exit 3', { app: 'dn', role: 'db' });
	await make('dn-c', 'true', { app: 'dn' });
	await a.start();
	await b.start();
	check('wait on dn-b gives its exit code', (await b.wait()).StatusCode, 3);
	const q = async (opts) => names(await docker.listContainers(opts));
	const L = ['app=dn'];
	check('listContainers label, running only',
	    await q({ filters: { label: L } }), ['/dn-a']);
	check('listContainers all, label',
	    await q({ all: true, filters: { label: L } }),
	    ['/dn-a', '/dn-b', '/dn-c']);
	check('listContainers status=exited',
	    await q({ filters: { status: ['exited'], label: L } }), ['/dn-b']);
	check('listContainers status=created',
	    await q({ filters: { status: ['created'], label: L } }), ['/dn-c']);
	check('listContainers status=running and exited',
	    await q({ filters: { status: ['running', 'exited'], label: L } }),
	    ['/dn-a', '/dn-b']);
	check('listContainers label key=value',
	    await q({ all: true, filters: { label: ['role=db'] } }), ['/dn-b']);
	check('listContainers two labels (and)',
	    await q({ all: true, filters: { label: ['app=dn', 'role'] } }),
	    ['/dn-a', '/dn-b']);
	check('listContainers name',
	    await q({ all: true, filters: { name: ['dn-b'] } }), ['/dn-b']);
	check('listContainers name regexp',
	    await q({ all: true, filters: { name: ['^/dn-[ac]$'] } }),
	    ['/dn-a', '/dn-c']);
	check('listContainers filters as a JSON string',
	    await q({ all: true, filters: '{"label":{"role=web":true}}' }),
	    ['/dn-a']);
	check('listContainers exited=3',
	    await q({ all: true, filters: { exited: ['3'], label: L } }),
	    ['/dn-b']);
	const e = await errorOf(docker.listContainers(
	    { filters: { status: ['sleeping'] } }));
	check('listContainers bad status: 400 and its message',
	    e && [e.statusCode, e.json && e.json.message],
	    [400, 'Invalid filter \'status=sleeping\'']);

	const [row] = await docker.listContainers({ all: true,
	    filters: { name: ['dn-b'] } });
	check('list row: Id is the full id', row.Id, b.id);
	check('list row: Image, Command, State',
	    [row.Image, row.Command, row.State],
	    ['busybox', 'sh -c \'echo b; exit 3\'', 'exited']);
	truthy('list row: Status says Exited (3)',
	    /^Exited \(3\) .* ago$/.test(row.Status), row.Status);
	truthy('list row: ImageID is sha256:, Created a number',
	    /^sha256:[0-9a-f]{64}$/.test(row.ImageID) &&
	    Number.isInteger(row.Created), row);
	check('list row: Labels, Ports, Mounts',
	    [row.Labels.role, row.Ports, row.Mounts], ['db', [], []]);
	check('list row: HostConfig.NetworkMode, networks',
	    [row.HostConfig.NetworkMode,
	    Object.keys(row.NetworkSettings.Networks)], ['none', ['none']]);
	return a;
}

async function logsDemux() {
	const c = await make('dn-logs', 'echo out1; echo err1 >&2; echo out2; ' +
	    'printf err2 >&2; exit 0', {});
	await c.start();
	check('wait: StatusCode 0, Error null', await c.wait(),
	    { Error: null, StatusCode: 0 });
	const s = await c.logs({ follow: true, stdout: true, stderr: true });
	const o = new PassThrough(), e = new PassThrough();
	const ot = collect(o), et = collect(e);
	docker.modem.demuxStream(s, o, e);
	await within(5000, 'logs follow of an exited container', ended(s));
	check('logs follow + demuxStream: stdout', ot.text, 'out1\nout2\n');
	check('logs follow + demuxStream: stderr', et.text, 'err1\nerr2');
	const buf = await c.logs({ stdout: true, stderr: true });
	truthy('logs without follow is a Buffer', Buffer.isBuffer(buf), buf);
	check('logs Buffer unframed', unframe(buf),
	    ['out1\nout2\n', 'err1\nerr2']);
	check('logs stderr only', unframe(await c.logs({ stderr: true })),
	    ['', 'err1\nerr2']);
	// tail counts records of both streams, then picks the streams asked
	// for (as dockerd): so the 1 of tail=1 is err2, and stdout gets none.
	check('logs stdout, tail=1 is the last record, on stderr',
	    unframe(await c.logs({ stdout: true, tail: 1 })), ['', '']);
	const ts = unframe(await c.logs({ stdout: true, timestamps: true }))[0];
	truthy('logs timestamps: RFC 3339 with nanoseconds',
	    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1\n\S+ out2\n$/.test(ts),
	    ts);
	await c.remove();

	const q = await make('dn-seq', 'seq 1 5', {});
	await q.start();
	await q.wait();
	check('logs tail=2', unframe(await q.logs({ stdout: true, tail: 2 })),
	    ['4\n5\n', '']);
	check('logs tail=0', unframe(await q.logs({ stdout: true, tail: 0 })),
	    ['', '']);
	await q.remove();
}

async function runAttached() {
	const o = new PassThrough(), e = new PassThrough();
	const ot = collect(o), et = collect(e);
	const [data, c] = await within(20000, 'docker.run',
	    docker.run('busybox', ['sh', '-c',
	    'echo hello; echo oops >&2; seq 1 2000; exit 7'], [o, e],
	    { Tty: false, HostConfig: NET, Labels: { m: marker } }));
	await within(5000, 'run output end', ended(o));
	check('run: the exit code comes back', data.StatusCode, 7);
	check('run: stdout intact', ot.text,
	    'hello\n' + Array.from({ length: 2000 }, (_, i) => i + 1)
	    .join('\n') + '\n');
	check('run: stderr apart', et.text, 'oops\n');
	await c.remove();

	// dockerode's default: a TTY, one stream, what a terminal shows.
	const t = new PassThrough();
	const tt = collect(t);
	const [d2, c2] = await within(20000, 'docker.run tty',
	    docker.run('busybox', ['sh', '-c', 'echo tty-out; exit 2'], t,
	    { HostConfig: NET, Labels: { m: marker } }));
	await within(5000, 'run tty output end', ended(t));
	check('run tty: exit code', d2.StatusCode, 2);
	check('run tty: output with the terminal\'s CRLF', tt.text,
	    'tty-out\r\n');
	await c2.remove();
}

async function followDestroyed() {
	const c = await make('dn-follow', 'i=0; while :; do i=$((i+1)); ' +
	    'echo tick $i; sleep 0.05; done', {});
	await c.start();
	const base = mode === 'lp' ? await figures() : '';
	const s = await c.logs({ follow: true, stdout: true, stderr: true });
	const o = new PassThrough();
	const ot = collect(o);
	docker.modem.demuxStream(s, o, new PassThrough());
	for (let i = 0; i < 200 && !/tick 3\n/.test(ot.text); i++)
		await sleep(20);
	check('follow: live lines arrive, in order', ot.text.split('\n')
	    .slice(0, 3), ['tick 1', 'tick 2', 'tick 3']);
	if (mode === 'lp')
		check('follow: one logs task while it runs',
		    await tasksOf('api.logs_container'), 1);
	s.destroy();
	if (mode === 'lp')
		await released('follow destroyed mid-stream',
		    'api.logs_container', base);
	await c.remove({ force: true });
}

async function eventsDestroyed() {
	const base = mode === 'lp' ? await figures() : '';
	const s = await docker.getEvents({ filters: { type: ['container'],
	    label: ['app=dn-ev'] } });
	let text = '';
	s.on('data', (d) => { text += d.toString(); });
	if (mode === 'lp') {
		for (let i = 0; i < 100 &&
		    await tasksOf('api.events_subscribe') !== 1; i++)
			await sleep(10);
	}
	const c = await make('dn-ev', 'true', { app: 'dn-ev' });
	for (let i = 0; i < 200 && !text.includes('\n'); i++)
		await sleep(20);
	const ev = JSON.parse(text.split('\n')[0] || '{}');
	check('events: the create, as dockerd sends it',
	    [ev.status, ev.id, ev.from, ev.Type, ev.Action, ev.Actor &&
	    ev.Actor.Attributes.name, ev.scope],
	    ['create', c.id, 'busybox', 'container', 'create', 'dn-ev',
	    'local']);
	truthy('events: time and timeNano agree',
	    Math.floor(ev.timeNano / 1e9) === ev.time, ev);
	if (mode === 'lp')
		check('events: one subscriber task while it runs',
		    await tasksOf('api.events_subscribe'), 1);
	s.destroy();
	await c.remove();
	if (mode === 'lp')
		await released('events destroyed', 'api.events_subscribe', base);
}

async function execStdin(a) {
	const ex = await a.exec({ Cmd: ['sh', '-c', 'cat; echo done >&2; exit 4'],
	    AttachStdin: true, AttachStdout: true, AttachStderr: true });
	truthy('exec create gives an id', /^[0-9a-f]{64}$/.test(ex.id), ex.id);
	const s = await ex.start({ hijack: true, stdin: true });
	const o = new PassThrough(), e = new PassThrough();
	const ot = collect(o), et = collect(e);
	docker.modem.demuxStream(s, o, e);
	s.write('hello exec\n');
	s.write('second line\n');
	s.end();
	await within(10000, 'exec output end', ended(s));
	check('exec hijack: stdin read back on stdout', ot.text,
	    'hello exec\nsecond line\n');
	check('exec hijack: stderr apart', et.text, 'done\n');
	let info = await ex.inspect();
	for (let i = 0; i < 100 && info.Running; i++) {
		await sleep(20);
		info = await ex.inspect();
	}
	check('exec inspect after the end', [info.Running, info.ExitCode,
	    info.ContainerID, info.ProcessConfig.entrypoint,
	    info.ProcessConfig.arguments, info.OpenStdin],
	    [false, 4, a.id, 'sh', ['-c', 'cat; echo done >&2; exit 4'], true]);
	check('exec inspect ProcessConfig keys (no user: omitempty)',
	    Object.keys(info.ProcessConfig).sort(),
	    ['arguments', 'entrypoint', 'privileged', 'tty']);

	const ex2 = await a.exec({ Cmd: ['echo', 'plain'], AttachStdout: true,
	    AttachStderr: true });
	const s2 = await ex2.start({});
	const o2 = new PassThrough();
	const o2t = collect(o2);
	docker.modem.demuxStream(s2, o2, new PassThrough());
	await within(10000, 'exec without stdin', ended(s2));
	check('exec without hijack: output', o2t.text, 'plain\n');
}

async function inspectFields(a) {
	const i = await a.inspect();
	check('inspect Id, Name', [i.Id, i.Name], [a.id, '/dn-a']);
	check('inspect Path, Args', [i.Path, i.Args], ['sh', ['-c',
	    'exec sleep 300']]);
	const st = i.State;
	check('inspect State flags', [st.Status, st.Running, st.Paused,
	    st.Restarting, st.OOMKilled, st.Dead, st.ExitCode, st.Error],
	    ['running', true, false, false, false, false, 0, '']);
	truthy('inspect State.Pid, StartedAt, FinishedAt',
	    st.Pid > 0 && !isNaN(Date.parse(st.StartedAt)) &&
	    st.FinishedAt === '0001-01-01T00:00:00Z', st);
	truthy('inspect Created is RFC 3339, Image sha256:',
	    !isNaN(Date.parse(i.Created)) &&
	    /^sha256:[0-9a-f]{64}$/.test(i.Image), [i.Created, i.Image]);
	check('inspect Config', [i.Config.Image, i.Config.Cmd,
	    i.Config.Labels.role, i.Config.Tty, i.Config.OpenStdin,
	    i.Config.Hostname], ['busybox', ['sh', '-c', 'exec sleep 300'],
	    'web', false, false, a.id.slice(0, 12)]);
	check('inspect Config.Env (the image has none)', i.Config.Env,
	    ['DN=1']);
	check('inspect HostConfig', [i.HostConfig.NetworkMode,
	    i.HostConfig.RestartPolicy, i.HostConfig.AutoRemove,
	    i.HostConfig.LogConfig.Type],
	    ['none', { Name: '', MaximumRetryCount: 0 }, false, 'json-file']);
	// Every field dockerd shows, in its order: users read Memory, Binds,
	// PortBindings... and get undefined otherwise. The five the OCI
	// runtime makes true are not claimed for logpouch's process runtime.
	const oci = ['CgroupnsMode', 'IpcMode', 'ShmSize', 'MaskedPaths',
	    'ReadonlyPaths'];
	const hcKeys = ['Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode',
	    'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver',
	    'VolumesFrom', 'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns',
	    'DnsOptions', 'DnsSearch', 'ExtraHosts', 'GroupAdd', 'IpcMode',
	    'Cgroup', 'Links', 'OomScoreAdj', 'PidMode', 'Privileged',
	    'PublishAllPorts', 'ReadonlyRootfs', 'SecurityOpt', 'UTSMode',
	    'UsernsMode', 'ShmSize', 'Runtime', 'ConsoleSize', 'Isolation',
	    'CpuShares', 'Memory', 'NanoCpus', 'CgroupParent', 'BlkioWeight',
	    'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
	    'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod',
	    'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
	    'CpusetCpus', 'CpusetMems', 'Devices', 'DeviceCgroupRules',
	    'DeviceRequests', 'KernelMemory', 'KernelMemoryTCP',
	    'MemoryReservation', 'MemorySwap', 'MemorySwappiness',
	    'OomKillDisable', 'PidsLimit', 'Ulimits', 'CpuCount', 'CpuPercent',
	    'IOMaximumIOps', 'IOMaximumBandwidth', 'MaskedPaths',
	    'ReadonlyPaths'];
	const gone = apiMinor >= 42 ? ['KernelMemory', 'KernelMemoryTCP'] : [];
	const hc = i.HostConfig;
	const proc = hc.Runtime === 'logpouch-process';
	check('inspect HostConfig keys, in dockerd\'s order', Object.keys(hc),
	    hcKeys.filter((k) => !(proc && oci.includes(k)) &&
	    !gone.includes(k)));
	check('inspect HostConfig unset limits', [hc.Memory, hc.NanoCpus,
	    hc.CpuShares, hc.PidsLimit, hc.Binds, hc.PortBindings,
	    hc.Privileged], [0, 0, 0, null, null, null, false]);
	if (!proc)
		check('inspect HostConfig of the OCI runtime', [hc.IpcMode,
		    hc.ShmSize, hc.CgroupnsMode, hc.MaskedPaths.length,
		    hc.ReadonlyPaths[0]], ['private', 67108864, 'host', 10,
		    '/proc/bus']);
	check('inspect RestartCount, Mounts, Platform',
	    [i.RestartCount, i.Mounts, i.Platform], [0, [], 'linux']);
	check('inspect NetworkSettings.Networks',
	    Object.keys(i.NetworkSettings.Networks), ['none']);
	truthy('inspect LogPath ends in -json.log',
	    /\/[0-9a-f]{64}-json\.log$/.test(i.LogPath), i.LogPath);
	const top = Object.keys(i).sort();
	const want = ['AppArmorProfile', 'Args', 'Config', 'Created', 'Driver',
	    'ExecIDs', 'GraphDriver', 'HostConfig', 'HostnamePath', 'HostsPath',
	    'Id', 'Image', 'LogPath', 'MountLabel', 'Mounts', 'Name',
	    'NetworkSettings', 'Path', 'Platform', 'ProcessLabel',
	    'ResolvConfPath', 'RestartCount', 'State'];
	check('inspect top-level keys', top, want);
}

async function removeForce(a) {
	let e = await errorOf(a.remove());
	check('remove running: 409 and dockerd\'s words',
	    e && [e.statusCode, e.json && e.json.message],
	    [409, 'You cannot remove a running container ' + a.id +
	    '. Stop the container before attempting removal or force remove']);
	await a.remove({ force: true });
	e = await errorOf(a.inspect());
	check('removed with force: inspect is 404', e && e.statusCode, 404);
	const b = docker.getContainer('dn-b');
	const bid = (await b.inspect()).Id;
	e = await errorOf(b.kill());
	check('kill a stopped container: 409, dockerd\'s words',
	    e && [e.statusCode, e.json && e.json.message],
	    [409, 'Cannot kill container: dn-b: Container ' + bid +
	    ' is not running']);
	e = await errorOf(b.unpause());
	check('unpause a stopped container: 500, not paused',
	    e && [e.statusCode, e.json && e.json.message],
	    [500, 'Container ' + bid + ' is not paused']);
	e = await errorOf(b.start());
	truthy('start a stopped container again', e === null, e);
	await b.wait();
	e = await errorOf(b.stop());
	check('stop a stopped container: 304, an error to dockerode',
	    e && e.statusCode, 304);
	for (const n of ['dn-b', 'dn-c'])
		await docker.getContainer(n).remove({ v: true });
	check('nothing of ours is left', await docker.listContainers({ all: true,
	    filters: { label: ['m=' + marker] } }), []);
}

async function notFound() {
	const nope = docker.getContainer('dn-nope');
	const cases = [
		['inspect', () => nope.inspect(), 'No such container: dn-nope'],
		['logs', () => nope.logs({ stdout: true }),
		    'No such container: dn-nope'],
		['start', () => nope.start(), 'No such container: dn-nope'],
		['stop', () => nope.stop(), 'No such container: dn-nope'],
		['wait', () => nope.wait(), 'No such container: dn-nope'],
		['remove', () => nope.remove(), 'No such container: dn-nope'],
		['exec create', () => nope.exec({ Cmd: ['true'] }),
		    'No such container: dn-nope'],
		['exec inspect', () => docker.getExec('0123abcd').inspect(),
		    'No such exec instance: 0123abcd'],
		['image inspect', () => docker.getImage('dn-nope').inspect(),
		    'no such image: dn-nope: No such image: dn-nope:latest'],
	];
	for (const [what, call, msg] of cases) {
		const e = await errorOf(call());
		check('404 ' + what + ': status and {"message"}',
		    e && [e.statusCode, e.json], [404, { message: msg }]);
	}
	const e = await errorOf(docker.getContainer('dn-nope').inspect());
	check('404: the Error dockerode builds from it', e && e.message,
	    '(HTTP code 404) no such container - No such container: dn-nope ');
}

async function main() {
	const steps = [['ping, version', pingVersion]];
	let a;
	steps.push(['list filters', async () => { a = await listFilters(); }]);
	steps.push(['create, start, wait, logs', logsDemux]);
	steps.push(['run attached', runAttached]);
	steps.push(['follow destroyed', followDestroyed]);
	steps.push(['events destroyed', eventsDestroyed]);
	steps.push(['exec with stdin', () => execStdin(a)]);
	steps.push(['inspect', () => inspectFields(a)]);
	steps.push(['remove', () => removeForce(a)]);
	steps.push(['404', notFound]);
	for (const [name, fn] of steps) {
		console.log('# ' + name);
		try {
			await within(60000, name, fn());
		} catch (e) {
			failed++;
			console.log('FAIL ' + name + ': ' + (e.stack || e));
			if (!a)
				break;
		}
	}
	agent.destroy();
	console.log(failed ? failed + ' check(s) failed' : 'all checks passed');
	process.exit(failed ? 1 : 0);
}

main();
